"""API Gateway glue shared by every function: one route per function, body parsing, bearer tokens, CORS, and the
one place where an exception becomes an HTTP answer (logged once, at the level it deserves, and counted).

A small resolver of its own rather than Powertools' APIGatewayRestResolver: importing
`aws_lambda_powertools.event_handler` loads every resolver it has (AppSync's brings asyncio) and every event class,
about 100 ms of each cold start, more than a fifth of the boto3 floor, for routing one method and path
(docs/performance.md). Powertools' Logger and Metrics stay.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from cognito_auth import deadline, errors
from cognito_auth.observability import logger, metrics
from cognito_auth.settings import get_settings

if TYPE_CHECKING:  # models (msgspec) is imported by the functions that parse a body, not by /getData or /auth/signout
    from cognito_auth.models import Problem, Request

Handler = Callable[[], tuple[dict[str, Any], int]]
JSON = "application/json"


class Event:
    """What a handler reads of API Gateway's REST proxy event (a Lambda event is a plain dict)."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.method = str(raw.get("httpMethod") or "").upper()
        self.resource = str(raw.get("resource") or raw.get("path") or "")
        self.headers = {str(k).lower(): str(v) for k, v in (raw.get("headers") or {}).items() if v is not None}
        body = raw.get("body")
        self.body: str | None = body if isinstance(body, str) else None
        self.is_base64_encoded = bool(raw.get("isBase64Encoded"))

    @property
    def claims(self) -> dict[str, Any] | None:
        """The Cognito authorizer's claims, when API Gateway's authorizer ran."""
        context = self.raw.get("requestContext") or {}
        authorizer = context.get("authorizer") if isinstance(context, dict) else None
        claims = authorizer.get("claims") if isinstance(authorizer, dict) else None
        return claims if isinstance(claims, dict) else None


class App:
    """The function's one route (a method and path of template.yaml) and how its answers are made."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}
        self._event: Event | None = None

    @property
    def current_event(self) -> Event:
        assert self._event is not None, "only during a request"
        return self._event

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes[(method, path)] = handler
            return handler

        return register

    def get(self, path: str) -> Callable[[Handler], Handler]:
        return self.route("GET", path)

    def post(self, path: str) -> Callable[[Handler], Handler]:
        return self.route("POST", path)

    def put(self, path: str) -> Callable[[Handler], Handler]:
        return self.route("PUT", path)

    def patch(self, path: str) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path)

    def delete(self, path: str) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path)

    def resolve(self, raw: Mapping[str, Any], context: Any) -> dict[str, Any]:
        """Run the route's handler on the event; always a Lambda proxy response, whatever happens."""
        remaining = getattr(context, "get_remaining_time_in_millis", None)
        deadline.start_invocation(remaining() if callable(remaining) else None)
        self._event = event = Event(raw)
        try:
            handler = self._routes.get((event.method, event.resource))
            if handler is None:
                raise errors.NotFound()
            body, status = handler()
            response = _response(status, body)
        except errors.ApiError as error:
            response = error_response(error)
        except Exception:
            logger.exception("Unhandled error")
            metrics.add_metric(name="ServerErrors", unit="Count", value=1)
            response = error_response(errors.InternalError(), logged=True)
        finally:
            self._event = None
        response["headers"].update(cors_headers(event.headers.get("origin")))
        return response


def new_app() -> App:
    return App()


def _response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": JSON, **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def error_response(error: errors.ApiError, *, logged: bool = False) -> dict[str, Any]:
    """The contract's answer to an error, logged once: info for a refusal, warning for what an operator must act on
    (Cognito failing or throttling this API), error for a bug. Never the exception's text."""
    if not logged:
        extra = {"code": error.code, "status": error.status, **error.upstream}
        if error.status == 503 or error.alert:
            logger.warning("Request refused: upstream", extra=extra)
        elif error.status >= 500:
            logger.error("Request failed", extra=extra)
        else:
            logger.info("Request refused", extra=extra)
        if error.status >= 500:
            metrics.add_metric(name="ServerErrors", unit="Count", value=1)
        else:
            metrics.add_metric(name="ClientErrors", unit="Count", value=1)
    return _response(error.status, error.body(), error.headers)


def cors_headers(origin: str | None) -> dict[str, str]:
    """CORS headers for a request from `origin` (none without an Origin header, or for an origin not allowed)."""
    allowed = get_settings().allowed_origins
    if not origin or ("*" not in allowed and origin not in allowed):
        return {}
    headers = {"Access-Control-Allow-Origin": "*" if "*" in allowed else origin}
    headers["Access-Control-Allow-Headers"] = "Authorization,Content-Type"
    if "*" not in allowed:
        headers["Vary"] = "Origin"
    return headers


def parse_body[M: Request](app: App, model: type[M]) -> M:
    """Decode, size-check and validate a JSON body. Error messages name fields, never their values."""
    event = app.current_event
    raw = event.body
    if raw is None or raw == "":
        raise errors.InvalidJson("A JSON request body is required.")
    limit = get_settings().max_body_bytes
    if len(raw) > limit * 2:  # cheap early refusal before decoding anything
        raise errors.PayloadTooLarge(f"The request body must not exceed {limit} bytes.")
    try:
        data = base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode()
        # API Gateway (and the local API) hand a body that was not UTF-8 on with U+FFFD in place of each bad byte.
        if "\ufffd" in data.decode():
            raise errors.InvalidJson("The request body must be UTF-8 encoded JSON.")
    except (binascii.Error, ValueError, UnicodeError) as exc:
        raise errors.InvalidJson("The request body must be UTF-8 encoded JSON.") from exc
    if len(data) > limit:
        raise errors.PayloadTooLarge(f"The request body must not exceed {limit} bytes.")
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidJson("The request body is not valid JSON.") from exc
    if not isinstance(payload, dict):
        raise errors.InvalidJson()
    from cognito_auth.models import Invalid, parse  # loaded already: `model` is one of its classes

    try:
        return parse(model, payload)
    except Invalid as invalid:
        raise errors.ValidationFailed(describe(invalid.problems)) from None


def describe(problems: list[Problem]) -> str:
    """Every problem, each by the field's public name: never the value."""
    return "Invalid request: " + "; ".join(_phrase(p) for p in problems) + "."


def _phrase(problem: Problem) -> str:
    field = problem.field
    phrases = {
        "missing": f"'{field}' is required",
        "type": f"'{field}' must be {problem.expected or 'of another type'}",
        "too_long": f"'{field}' must be at most {problem.limit} characters",
        "too_short": f"'{field}' must not be empty"
        if problem.limit == 1
        else f"'{field}' must be at least {problem.limit} characters",
        "pattern": f"'{field}' is not well formed",
        "choice": f"'{field}' must be one of {', '.join(problem.choices)}",
        "text": f"'{field}' must not contain control or invisible formatting characters",
    }
    return phrases.get(problem.kind, f"'{field}' is not valid")


def bearer_token(app: App) -> str:
    """The access token from `Authorization: Bearer <token>`, or 401. Behind API Gateway's authorizer, which accepts a
    token of any app client of the pool, a token of another client is refused here: this API serves its own."""
    claims = app.current_event.claims
    if claims is not None and claims.get("client_id", get_settings().client_id) != get_settings().client_id:
        raise errors.InvalidToken()
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192 or " " in token:
        raise errors.InvalidToken()
    return token


def caller_claims(app: App) -> dict[str, Any]:
    """Claims of the caller: from API Gateway's Cognito authorizer, or verified here when no authorizer ran
    (as under `sam local start-api`, which does not enforce Cognito authorizers)."""
    claims = app.current_event.claims
    if claims is not None and claims.get("sub"):
        # API Gateway's authorizer accepts a token of any app client of the pool; this API serves its own client's.
        if claims.get("client_id", get_settings().client_id) != get_settings().client_id:
            raise errors.InvalidToken()
        return claims
    from cognito_auth.tokens import get_verifier  # imported only where the authorizer did not run

    return get_verifier().verify(bearer_token(app), token_use="access")
