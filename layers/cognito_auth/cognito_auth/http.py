"""API Gateway glue shared by every function: the resolver, body parsing, bearer tokens, and error responses.

The mapping from an exception to an HTTP response happens here and nowhere else.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError

from cognito_auth import errors
from cognito_auth.observability import logger
from cognito_auth.settings import get_settings

if TYPE_CHECKING:  # models (msgspec) is imported by the functions that parse a body, not by /getData or /auth/signout
    from cognito_auth.models import Invalid, Request


def new_app() -> APIGatewayRestResolver:
    """A one-route resolver for one function, with CORS and the shared error handlers."""
    origins = get_settings().allowed_origins
    cors = CORSConfig(
        allow_origin=origins[0],
        extra_origins=list(origins[1:]) or None,
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app = APIGatewayRestResolver(cors=cors)
    register_error_handlers(app)
    return app


def error_response(error: errors.ApiError) -> Response[str]:
    return Response(
        status_code=error.status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(error.body()),
        headers=error.headers,
    )


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(errors.ApiError)
    def handle_api_error(error: errors.ApiError) -> Response[str]:
        if error.status >= 500:
            logger.error("Request failed", extra={"code": error.code, "status": error.status})
        else:
            logger.info("Request refused", extra={"code": error.code, "status": error.status})
        return error_response(error)

    @app.exception_handler(NotFoundError)
    def handle_not_found(_: NotFoundError) -> Response[str]:
        return error_response(errors.NotFound())

    @app.exception_handler(Exception)
    def handle_bug(_: Exception) -> Response[str]:
        logger.exception("Unhandled error")
        return error_response(errors.InternalError())


def parse_body[M: Request](app: APIGatewayRestResolver, model: type[M]) -> M:
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
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise errors.InvalidJson() from exc
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
    except Invalid as problem:
        raise errors.ValidationFailed(_describe(problem)) from None


def _describe(problem: Invalid) -> str:
    """One problem, by the field's public name: msgspec stops at the first it finds."""
    field = problem.field
    phrases = {
        "missing": f"'{field}' is required",
        "type": f"'{field}' must be a string",
        "too_long": f"'{field}' must be at most {problem.limit} characters",
        "too_short": f"'{field}' must not be empty",
        "pattern": f"'{field}' is not well formed",
    }
    return f"Invalid request: {phrases.get(problem.kind, f"'{field}' is not valid")}."


def bearer_token(app: APIGatewayRestResolver) -> str:
    """The access token from `Authorization: Bearer <token>`, or 401."""
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192 or " " in token:
        raise errors.InvalidToken()
    return token


def caller_claims(app: APIGatewayRestResolver) -> dict[str, Any]:
    """Claims of the caller: from API Gateway's Cognito authorizer, or verified here when no authorizer ran
    (as under `sam local start-api`, which does not enforce Cognito authorizers)."""
    claims = app.current_event.request_context.authorizer.claims
    if isinstance(claims, dict) and claims.get("sub"):
        # API Gateway's authorizer accepts a token of any app client of the pool; this API serves its own client's.
        if claims.get("client_id", get_settings().client_id) != get_settings().client_id:
            raise errors.InvalidToken()
        return claims
    from cognito_auth.tokens import get_verifier  # imported only where the authorizer did not run

    return get_verifier().verify(bearer_token(app), token_use="access")
