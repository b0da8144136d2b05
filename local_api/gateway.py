"""A local stand-in for the REST API that API Gateway serves from template.yaml.

Every request is answered the way API Gateway answers it: an unknown route or method gets 403
{"message": "Missing Authentication Token"}, a CORS preflight gets the template's CORS headers, a method with the
Cognito authorizer refuses a missing or bad token with 401 {"message": "Unauthorized"} before its function runs,
and everything else runs the function's real handler with a REST proxy event and a Lambda context. The answers API
Gateway gives itself (401, 403, 413, 5xx) are dressed by the template's GatewayResponses: the one of their type, else
DEFAULT_4XX or DEFAULT_5XX. Local-only extras live under /_local (the emulator's outbox, creating users as an
administrator) and /docs; they do not exist in the deployed API.
"""

from __future__ import annotations

import base64
import binascii
import functools
import importlib.util
import json
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from botocore.exceptions import ClientError
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from cognito_auth import errors
from local_api.authorizer import CognitoAuthorizer
from local_api.console import printable
from local_api.emulator import Outbox
from local_api.template import Api, GatewayResponse, Route

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

# API Gateway's own limit on a request payload.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# A client silent this long in the middle of a request (its body short of its Content-Length, or no request at all)
# is let go, rather than holding a thread for minutes.
IDLE_TIMEOUT_SECONDS = 5.0
# How far /_local/clock may move the emulator's clock: the template's longest refresh token lifetime, 10 years.
MAX_CLOCK_OFFSET_SECONDS = 3650 * 86400
ACCOUNT_ID = "123456789012"
API_ID = "localapi01"
RAW_HEADERS_KEY = "local_api.raw_headers"

# The gateway response types of the answers API Gateway gives itself here; a type the template does not configure
# falls back to DEFAULT_4XX or DEFAULT_5XX, as on API Gateway.
UNAUTHORIZED = "UNAUTHORIZED"
MISSING_AUTHENTICATION_TOKEN = "MISSING_AUTHENTICATION_TOKEN"
REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE"
AUTHORIZER_CONFIGURATION_ERROR = "AUTHORIZER_CONFIGURATION_ERROR"
DEFAULT_4XX = "DEFAULT_4XX"
DEFAULT_5XX = "DEFAULT_5XX"  # also a Lambda function's error or malformed answer (502)
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'  # API Gateway's body when none is configured


@dataclass
class LambdaContext:
    """What the Lambda runtime passes as `context` (the attributes Powertools and handlers read)."""

    function_name: str
    memory_limit_in_mb: int
    timeout_seconds: int
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return time.strftime("%Y/%m/%d/[$LATEST]local", time.gmtime())

    @property
    def identity(self) -> None:
        return None

    @property
    def client_context(self) -> None:
        return None

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


class Function:
    """One function's handler, loaded from its CodeUri as Lambda loads it (the layer is already importable)."""

    def __init__(self, root: Path, route: Route, settings: Mapping[str, Any]) -> None:
        self.name = route.function
        self.memory = int(settings.get("MemorySize", 128))
        self.timeout = int(settings.get("Timeout", 3))
        module_name, _, attribute = route.handler.rpartition(".")
        path = root / route.code_uri / (module_name.replace(".", "/") + ".py")
        # Every function's module is called `app`: give each a unique name in this one process.
        spec = importlib.util.spec_from_file_location(f"local_api_functions.{self.name}", path)
        if spec is None or spec.loader is None:
            raise ValueError(f"{self.name}: cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.handler: Callable[[dict[str, Any], Any], Any] = getattr(module, attribute)


def swagger_ui_assets() -> Path:
    """Swagger UI's files as the flask-swagger-ui package ships them (served from disk: no CDN)."""
    spec = importlib.util.find_spec("flask_swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("flask-swagger-ui is not installed: run `make dev`, which installs it")
    return Path(spec.origin).parent / "dist"


def load_functions(api: Api, root: Path) -> dict[str, Function]:
    functions: dict[str, Function] = {}
    for route in api.routes:
        if route.function not in functions:
            functions[route.function] = Function(root, route, api.function_settings.get(route.function, {}))
    return functions


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


def _compile(path: str) -> re.Pattern[str]:
    parts = []
    for segment in path.strip("/").split("/"):
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        single = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
        elif single:
            parts.append(f"(?P<{single.group(1)}>[^/]+)")
        else:
            parts.append(re.escape(segment))
    return re.compile("/" + "/".join(parts))


class RequestHandler(WSGIRequestHandler):
    """Keeps the headers as the client sent them (names, repeats) for multiValueHeaders; logs no requests itself, and
    what it does log (a malformed request line, say) is escaped. Every read and write on the connection gives up after
    IDLE_TIMEOUT_SECONDS of silence."""

    timeout = IDLE_TIMEOUT_SECONDS

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass

    def log(self, type: str, message: str, *args: Any) -> None:
        if message.startswith("Request timed out"):  # an idle connection (a browser's preconnect, say) let go
            return
        super().log(type, "%s", printable(message % args if args else message))


class LocalApi:
    """The WSGI application."""

    def __init__(
        self,
        api: Api,
        functions: Mapping[str, Function],
        authorizers: Mapping[str, CognitoAuthorizer],
        *,
        outbox: Outbox | None = None,
        admin_users: AdminUsers | None = None,
        emulator_clock: bool = False,
        openapi: Path | None = None,
        docs_assets: Path | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        missing = {r.authorizer for r in api.routes if r.authorizer and r.authorizer not in authorizers}
        if missing:
            raise ValueError(f"no Cognito user pool authorizer named {', '.join(sorted(missing))} in the template")
        self.api = api
        self.functions = functions
        self.authorizers = authorizers
        self.outbox = outbox
        self.admin_users = admin_users
        self.emulator_clock = emulator_clock  # whether /_local/clock sets the embedded Cognito's clock
        self.openapi = openapi
        self.docs_assets = docs_assets
        self.log = log
        self._routes = [_CompiledRoute(r, _compile(r.path)) for r in api.routes]
        # One invocation at a time: handlers keep the current event on their resolver, as one Lambda container does.
        self._invoke_lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.monotonic()
        request = Request(environ)
        request.max_content_length = MAX_PAYLOAD_BYTES
        target = "-"
        try:
            response, target = self.dispatch(request)
        except Exception as exc:
            self.log(f"local API error ({type(exc).__name__}):\n{''.join(traceback.format_tb(exc.__traceback__))}")
            response = self.gateway_response(request, 500, "Internal server error", DEFAULT_5XX)
        elapsed = (time.monotonic() - started) * 1000
        line = f"{request.method} {request.path}"
        self.log(f"{printable(line)} -> {response.status_code} ({target}, {elapsed:.0f} ms)")
        return response(environ, start_response)

    def dispatch(self, request: Request) -> tuple[Response, str]:
        local = self.local_route(request)
        if local is not None:
            return local, "local"
        matches = [(c.route, m) for c in self._routes if (m := c.pattern.fullmatch(request.path))]
        if not matches:
            return self.missing_token(request), "no route"
        method = request.method.upper()
        for route, match in matches:
            if route.method in (method, "ANY"):
                return self.invoke(request, route, match.groupdict() or None), route.function
        if method == "OPTIONS" and self.api.cors is not None:
            return self.preflight({r.method for r, _ in matches}), "CORS preflight"
        return self.missing_token(request), "no such method"

    def preflight(self, methods: set[str]) -> Response:
        cors = self.api.cors
        assert cors is not None
        headers = {
            "Access-Control-Allow-Origin": cors.allow_origin,
            "Access-Control-Allow-Methods": cors.allow_methods or ",".join(sorted(methods | {"OPTIONS"})),
        }
        if cors.allow_headers:
            headers["Access-Control-Allow-Headers"] = cors.allow_headers
        if cors.max_age:
            headers["Access-Control-Max-Age"] = cors.max_age
        if cors.allow_credentials:
            headers["Access-Control-Allow-Credentials"] = "true"
        return Response(b"", status=200, headers=headers, content_type="application/json")

    def invoke(self, request: Request, route: Route, path_parameters: dict[str, str] | None) -> Response:
        claims = None
        if route.authorizer is not None:
            header_name = self.api.authorizers[route.authorizer]
            try:
                claims = self.authorizers[route.authorizer].authorize(request.headers.get(header_name), route.scopes)
            except errors.ApiError as exc:  # e.g. the pool's keys could not be fetched
                self.log(f"authorizer failed: {exc.code}")
                return self.gateway_response(
                    request, 500, None, AUTHORIZER_CONFIGURATION_ERROR, "AuthorizerConfigurationException"
                )
            if claims is None:
                return self.gateway_response(request, 401, "Unauthorized", UNAUTHORIZED, "UnauthorizedException")
        try:
            body = request.get_data(cache=False)
        except RequestEntityTooLarge:
            message = f"HTTP content length exceeded {MAX_PAYLOAD_BYTES} bytes."
            return self.gateway_response(request, 413, message, REQUEST_TOO_LARGE)
        except ClientDisconnected:  # the body stopped short of its Content-Length: silent (or gone) for seconds
            return self.gateway_response(request, 408, "Request Timeout", DEFAULT_4XX)
        function = self.functions[route.function]
        context = LambdaContext(function.name, function.memory, function.timeout)
        event = build_event(request, route, self.api.stage, body, path_parameters, claims, context.aws_request_id)
        with self._invoke_lock:
            try:
                result = function.handler(event, context)
            except Exception as exc:
                self.log(
                    f"{function.name} raised {type(exc).__name__}:\n{''.join(traceback.format_tb(exc.__traceback__))}"
                )
                return self.gateway_response(request, 502, "Internal server error", DEFAULT_5XX)
        response = proxy_response(result)
        if response is None:
            self.log(f"{function.name} returned a malformed Lambda proxy response")
            return self.gateway_response(request, 502, "Internal server error", DEFAULT_5XX)
        response.headers["x-amzn-RequestId"] = context.aws_request_id
        return response

    def gateway_response(
        self, request: Request, status: int, message: str | None, response_type: str, error_type: str | None = None
    ) -> Response:
        """An answer API Gateway gives itself, without calling any function, dressed by the template's
        GatewayResponses: the response of its type, else the DEFAULT_4XX or DEFAULT_5XX one."""
        configured = self.api.gateway_responses
        family = DEFAULT_5XX if status >= 500 else DEFAULT_4XX
        spec = configured.get(response_type) or configured.get(family) or GatewayResponse()
        body = _render(spec.templates.get("application/json", DEFAULT_TEMPLATE), message, response_type)
        headers = {"x-amzn-ErrorType": error_type} if error_type else {}
        for name, expression in spec.headers.items():
            value = _header_value(expression, request)
            if value is not None:
                headers[name] = value
        return Response(body, status=spec.status or status, headers=headers, content_type="application/json")

    def missing_token(self, request: Request) -> Response:
        return self.gateway_response(
            request,
            403,
            "Missing Authentication Token",
            MISSING_AUTHENTICATION_TOKEN,
            "MissingAuthenticationTokenException",
        )

    # Local-only routes --------------------------------------------------------------------------------------

    def local_route(self, request: Request) -> Response | None:
        path, method = request.path, request.method.upper()
        if path == "/_local/outbox" and self.outbox is not None and method == "GET":
            return _json(200, [m.as_dict() for m in self.outbox.messages(to=request.args.get("to"))])
        if path == "/_local/admin/users" and self.admin_users is not None and method == "POST":
            return self.admin_users.create(request)
        if path == "/_local/clock" and self.emulator_clock and method in ("GET", "PUT"):
            return self.clock(request)
        if self.docs_assets is None or not (path == "/docs" or path.startswith("/docs/")) or method != "GET":
            return None
        if path in ("/docs", "/docs/"):
            return Response(DOCS_PAGE, content_type="text/html; charset=utf-8")
        if path == "/docs/openapi.json":
            return self.openapi_document(request)
        try:
            return send_from_directory(self.docs_assets, path.removeprefix("/docs/"), request.environ)
        except HTTPException:
            return _json(404, {"message": "Not Found"})

    def clock(self, request: Request) -> Response:
        """The embedded Cognito's clock, which `PUT {"offset_seconds": n}` runs n seconds from the computer's (so
        that a grace period or a sign-in's age can pass without waiting); `GET` shows it. Only the emulator's clock:
        the authorizer and the functions keep the computer's."""
        from local_api.emulator import clock

        if request.method.upper() == "PUT":
            try:
                body = json.loads(request.get_data(cache=False) or b"null")
            except ValueError:
                body = None
            offset = body.get("offset_seconds") if isinstance(body, dict) else None
            if type(offset) is not int or abs(offset) > MAX_CLOCK_OFFSET_SECONDS:
                message = f'Send {{"offset_seconds": n}}, n an integer of seconds, at most {MAX_CLOCK_OFFSET_SECONDS}.'
                return _json(400, {"message": message})
            clock.set_offset(offset)
            self.log(f"[clock] the emulator's clock now runs {offset:+d} s from this computer's")
        return _json(200, {"offset_seconds": clock.offset_seconds, "now": int(clock.now())})

    def openapi_document(self, request: Request) -> Response:
        """openapi.yaml as it is on disk now, its servers pointed at this local API so "Try it out" works."""
        if self.openapi is None or not self.openapi.is_file():
            return _json(404, {"message": f"{self.openapi} not found"})
        try:
            document = self._load_openapi(self.openapi, self.openapi.stat().st_mtime_ns)
        except (yaml.YAMLError, OSError, UnicodeDecodeError) as exc:
            return _json(500, {"message": f"{self.openapi.name} is not valid YAML: {type(exc).__name__}"})
        if isinstance(document, dict):
            document = {**document, "servers": [{"url": request.host_url.rstrip("/"), "description": "this local API"}]}
        return _json(200, document)

    @staticmethod
    @functools.lru_cache(maxsize=4)
    def _load_openapi(path: Path, mtime_ns: int) -> Any:
        """Parsed once per version of the file (a large YAML file takes a moment to parse)."""
        return yaml.safe_load(path.read_text())


class AdminUsers:
    """POST /_local/admin/users `{email, name?, temporary_password}`: a user created as an administrator (or a
    migration) creates one, with AdminCreateUser: the email verified, no invitation sent, and a temporary password
    that the user replaces at their first sign-in (the NEW_PASSWORD_REQUIRED challenge, answered at /auth/challenge).
    201 with the new user's status; 400 for a bad body or a temporary password the pool's policy refuses; 409 for an
    address that already has an account. Local only: the deployed API has no administrator route."""

    def __init__(self, cognito: Any, user_pool_id: str) -> None:
        self.cognito = cognito
        self.user_pool_id = user_pool_id

    def create(self, request: Request) -> Response:
        try:
            body = json.loads(request.get_data(cache=False) or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return _json(400, {"error": "The body must be a JSON object.", "code": "InvalidJson"})
        fields = {"email": body.get("email"), "temporary_password": body.get("temporary_password")}
        bad = [name for name, value in fields.items() if not isinstance(value, str) or not value]
        if "name" in body and not isinstance(body["name"], str):
            bad.append("name")
        if bad:
            message = f"Invalid request: {', '.join(bad)} must be a non-empty string (name may be left out)."
            return _json(400, {"error": message, "code": "ValidationFailed"})
        email, name = str(fields["email"]), body.get("name")
        attributes = [{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}]
        if name:
            attributes.append({"Name": "name", "Value": name})
        try:
            created = self.cognito.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=email,
                TemporaryPassword=str(fields["temporary_password"]),
                MessageAction="SUPPRESS",
                UserAttributes=attributes,
            )["User"]
        except ClientError as exc:
            return _admin_refusal(exc)
        return _json(
            201,
            {
                "message": "User created. Sign in with the temporary password to choose a new one.",
                "email": email,
                "user_status": created["UserStatus"],
            },
        )


def _admin_refusal(exc: ClientError) -> Response:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in ("UsernameExistsException", "AliasExistsException"):
        return _json(409, {"error": "An account with this email already exists.", "code": "UserExists"})
    if code == "InvalidPasswordException":  # Cognito's message names the rule, never the password
        message = exc.response.get("Error", {}).get("Message", "")
        return _json(400, {"error": f"The temporary password is refused: {message}", "code": "InvalidPassword"})
    if code == "InvalidParameterException":
        return _json(400, {"error": "Cognito refused the email address.", "code": "ValidationFailed"})
    raise exc


def build_event(
    request: Request,
    route: Route,
    stage: str,
    body: bytes,
    path_parameters: dict[str, str] | None,
    claims: dict[str, str] | None,
    request_id: str,
) -> dict[str, Any]:
    """The REST API (v1) Lambda proxy event, built the way API Gateway builds it."""
    raw_headers: list[tuple[str, str]] = request.environ.get(RAW_HEADERS_KEY) or list(request.headers.items())
    source_ip = request.remote_addr or "127.0.0.1"
    port = str(request.environ.get("SERVER_PORT", "80"))
    multi_headers: dict[str, list[str]] = {}
    for name, value in raw_headers:
        multi_headers.setdefault(name, []).append(value)
    added = {
        "X-Forwarded-For": ", ".join([*multi_headers.pop("X-Forwarded-For", []), source_ip]),
        "X-Forwarded-Port": port,
        "X-Forwarded-Proto": "http",
        "X-Amzn-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}",
    }
    for name, value in added.items():
        multi_headers[name] = [value]
    headers = {name: values[-1] for name, values in multi_headers.items()}
    query = {k: request.args.getlist(k) for k in request.args}
    now = time.time()
    request_context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, route.path).hex[:6],
        "stage": stage,
        "requestId": request_id,
        "extendedRequestId": base64.b64encode(uuid.uuid4().bytes[:12]).decode(),
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "accessKey": None,
            "sourceIp": source_ip,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.headers.get("User-Agent"),
            "user": None,
        },
        "path": f"/{stage}{request.path}",
        "resourcePath": route.path,
        "httpMethod": request.method.upper(),
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "domainName": request.host,
        "domainPrefix": request.host.split(".", 1)[0],
    }
    if claims is not None:
        request_context["authorizer"] = {"claims": claims}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method.upper(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": request_context,
        # No binary media types are configured, so API Gateway passes every payload as text.
        "body": body.decode("utf-8", errors="replace") if body else None,
        "isBase64Encoded": False,
    }


def proxy_response(result: Any) -> Response | None:
    """The HTTP response API Gateway makes of a Lambda proxy result, or None if it would call it malformed."""
    if not isinstance(result, dict):
        return None
    status = result.get("statusCode")
    body = result.get("body")
    headers = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if (
        not isinstance(status, int)
        or not 100 <= status <= 599
        or not isinstance(body, (str, type(None)))
        or not isinstance(headers, dict)
        or not isinstance(multi, dict)
        or not all(isinstance(v, list) for v in multi.values())
    ):
        return None
    data = (body or "").encode()
    if result.get("isBase64Encoded") and body:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return None
    response = Response(data, status=status)
    response.headers.clear()
    merged = {str(k): [str(v)] for k, v in headers.items() if v is not None}
    merged.update({str(k): [str(v) for v in values] for k, values in multi.items()})
    for name, values in merged.items():
        for value in values:
            response.headers.add(name, value)
    if "content-type" not in {k.lower() for k in merged}:
        response.headers["Content-Type"] = "application/json"
    return response


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    text = json.dumps(body, default=str)  # YAML dates and the like become strings
    return Response(text, status=status, headers=dict(headers or {}), content_type="application/json")


_CONTEXT_ERROR = re.compile(r"\$(?:\{context\.error\.(\w+)\}|context\.error\.(messageString|message|responseType))")


def _render(template: str, message: str | None, response_type: str) -> str:
    """A gateway response's body template, with the $context.error variables it may use."""
    values = {"messageString": json.dumps(message), "message": message or "", "responseType": response_type}
    return _CONTEXT_ERROR.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), template)


def _header_value(expression: str, request: Request) -> str | None:
    """A gateway response header's value: a quoted static value, or a request header (method.request.header.X)."""
    if len(expression) >= 2 and expression[0] == expression[-1] == "'":
        return expression[1:-1]
    if expression.startswith("method.request.header."):
        return request.headers.get(expression.removeprefix("method.request.header."))
    return None


DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Auth API (local) - API docs</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/docs/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis],
      layout: "BaseLayout"
    });
  </script>
</body>
</html>
"""
