"""Upstream faults through the Cognito client's real retry path: a slow, failing or throttling Cognito gives a
prompt 503 or 429 with Retry-After after a bounded number of attempts, well inside the function's timeout, and a
failure midway (Cognito did the work, the answer was lost) leaves nothing that breaks the user's next attempt."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError
from botocore.stub import Stubber
from moto.cognitoidp.models import CognitoIdpBackend
from moto.core.exceptions import JsonRESTError

from cognito_auth import aws, deadline
from cognito_auth.aws import cognito_client
from local_api import template
from local_api.gateway import LambdaContext
from tests.security.conftest import Cases
from tests.support.cognito import TEMPLATE, Pool
from tests.support.handlers import call, invoke, load_function, make_event, reset_caches, response_headers
from tests.support.reply import Reply

EMAIL = "jane@example.com"
OTHER = "jack@example.com"  # masked like EMAIL: "j***@e***"
PASSWORD = "Example-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd"


CLIENT_CONFIG: Any = aws.CLIENT_CONFIG  # botocore's stubs do not declare Config's options as attributes


def total_attempts() -> int:
    retries = CLIENT_CONFIG.retries or {}
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    return int(retries.get("max_attempts", 2)) + 1  # botocore's max_attempts counts retries, not attempts


def function_timeouts() -> dict[str, int]:
    default = TEMPLATE["Globals"]["Function"]["Timeout"]
    return {
        name: int(resource.get("Properties", {}).get("Timeout", default))
        for name, resource in TEMPLATE["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def test_the_client_gives_up_well_inside_every_functions_timeout() -> None:
    retries = CLIENT_CONFIG.retries or {}
    assert retries.get("mode") == "standard"
    attempts = total_attempts()
    assert 1 < attempts <= 3
    # Standard mode backs off at most 2**(n-1) s (jittered) before the n-th retry.
    backoff = sum(2**n for n in range(attempts - 1))
    worst_case = attempts * (CLIENT_CONFIG.connect_timeout + CLIENT_CONFIG.read_timeout) + backoff
    timeouts = function_timeouts()

    assert timeouts, "no functions found in template.yaml"
    assert {name: t for name, t in timeouts.items() if worst_case >= t} == {}, f"worst case {worst_case} s"


class Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body

    def read(self, *_: Any, **__: Any) -> bytes:
        return self.body


def answer(status: int, body: bytes, content_type: str = "application/x-amz-json-1.1") -> Callable[..., AWSResponse]:
    def send(request: Any, **_: Any) -> AWSResponse:
        headers = HTTPHeaders()
        headers["Content-Type"] = content_type
        return AWSResponse(request.url, status, headers, Raw(body))

    return send


class Wire:
    """Stands in for the network under the layer's real client, counting every attempt it makes.

    Handlers go on the generic before-send event, where moto's own handler is: `first` ones run before moto's and
    answer instead of it; the others run after moto has done the work, and can lose its answer on the way back.
    """

    def __init__(self) -> None:
        self.attempts: list[str] = []
        self._handlers: list[Callable[..., Any]] = []

    def always(self, operation: str, behaviour: Callable[..., Any], *, first: bool = True) -> None:
        target = f"AWSCognitoIdentityProviderService.{operation}".encode()

        def handler(request: Any, **kwargs: Any) -> Any:
            if request.headers.get("X-Amz-Target") not in (target, target.decode()):
                return None
            self.attempts.append(operation)
            return behaviour(request, **kwargs)

        events = cognito_client().meta.events
        if first:
            events.register_first("before-send", handler)
        else:
            events.register_last("before-send", handler)
        self._handlers.append(handler)

    def clear(self) -> None:
        for handler in self._handlers:
            cognito_client().meta.events.unregister("before-send", handler)
        self._handlers.clear()


@pytest.fixture
def wire(secret_pool: Pool) -> Iterator[Wire]:
    w = Wire()
    yield w
    w.clear()


def raise_(error: Exception) -> Callable[..., Any]:
    def fail(request: Any, **_: Any) -> Any:
        raise error

    return fail


FAULTS: dict[str, tuple[Callable[..., Any], int, str]] = {
    "read timeout": (raise_(ReadTimeoutError(endpoint_url="https://cognito-idp")), 503, "ServiceUnavailable"),
    "connect timeout": (raise_(ConnectTimeoutError(endpoint_url="https://cognito-idp")), 503, "ServiceUnavailable"),
    "502 from a proxy": (answer(502, b"<html>Bad Gateway</html>", "text/html"), 503, "ServiceUnavailable"),
    "503 empty body": (answer(503, b""), 503, "ServiceUnavailable"),
    "500 InternalErrorException": (
        answer(500, json.dumps({"__type": "InternalErrorException", "message": "x"}).encode()),
        503,
        "ServiceUnavailable",
    ),
    "throttled": (
        answer(400, json.dumps({"__type": "TooManyRequestsException", "message": "Rate exceeded"}).encode()),
        429,
        "TooManyRequests",
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failing_cognito_is_retried_a_bounded_number_of_times_then_answered(
    fault: str, wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)  # botocore's back-off between attempts
    behaviour, status, code = FAULTS[fault]
    wire.always("InitiateAuth", behaviour)

    reply = call("signin", {"email": EMAIL, "password": PASSWORD})

    assert (reply.status, reply.body["code"]) == (status, code)
    assert int(reply.headers["Retry-After"]) > 0
    assert len(wire.attempts) == total_attempts()


# Failures midway: Cognito did the work, the caller never heard.


def lost_answer(error: Exception | None = None) -> Callable[..., Any]:
    """Registered after moto's handler: moto has done the work; the answer is then lost on the way back."""
    return raise_(error or ReadTimeoutError(endpoint_url="https://cognito-idp"))


def sign_up(email: str = EMAIL) -> Reply:
    return call("signup", {"email": email, "name": "Jane", "password": PASSWORD})


def test_signup_whose_code_delivery_failed_can_be_retried_and_completed(
    secret_pool: Pool, monkeypatch: pytest.MonkeyPatch, cases: Cases
) -> None:
    original = CognitoIdpBackend.sign_up

    def sign_up_then_fail_delivery(self: CognitoIdpBackend, *args: Any, **kwargs: Any) -> Any:
        original(self, *args, **kwargs)  # the user now exists, unconfirmed
        raise JsonRESTError("CodeDeliveryFailureException", "Unable to deliver the verification code.")

    monkeypatch.setattr(CognitoIdpBackend, "sign_up", sign_up_then_fail_delivery)
    first = sign_up()
    monkeypatch.setattr(CognitoIdpBackend, "sign_up", original)
    assert (first.status, first.body["code"]) == (503, "ServiceUnavailable")
    assert secret_pool.user(EMAIL)["UserStatus"] == "UNCONFIRMED"

    again = sign_up()
    fresh = sign_up(OTHER)
    assert (again.status, again.body) == (fresh.status, fresh.body) == (201, fresh.body)

    with Stubber(cognito_client()) as stub:  # moto lacks ResendConfirmationCode
        stub.add_response(
            "resend_confirmation_code",
            {"CodeDeliveryDetails": {"Destination": "j***@e***", "DeliveryMedium": "EMAIL"}},
            {"ClientId": secret_pool.client_id, "Username": EMAIL, "SecretHash": stub_any()},
        )
        assert call("resend_code", {"email": EMAIL}).status == 200
    assert call("confirm", {"email": EMAIL, "code": "123456"}).status == 200
    assert call("signin", {"email": EMAIL, "password": PASSWORD}).status == 200
    cases.tried(6)


def stub_any() -> Any:
    from botocore.stub import ANY

    return ANY


@pytest.mark.parametrize("lost", ["every attempt", "first attempt only"])
def test_signup_whose_answer_was_lost_can_be_retried_and_completed(
    lost: str, wire: Wire, secret_pool: Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    timeouts = iter([True] * 10 if lost == "every attempt" else [True])
    wire.always(
        "SignUp",
        lambda request, **kw: lost_answer()(request) if next(timeouts, False) else None,
        first=False,
    )

    first = sign_up()
    wire.clear()

    fresh = sign_up(OTHER)
    if lost == "every attempt":
        assert (first.status, first.body["code"]) == (503, "ServiceUnavailable")
        assert sign_up().body == fresh.body
    else:
        # The retry met UsernameExistsException for the user its lost first attempt created: answered as new.
        assert (first.status, first.body) == (201, fresh.body)
    assert secret_pool.user(EMAIL)["UserStatus"] == "UNCONFIRMED"
    assert call("confirm", {"email": EMAIL, "code": "123456"}).status == 200
    assert call("signin", {"email": EMAIL, "password": PASSWORD}).status == 200


def confirmed_user() -> None:
    assert sign_up().status == 201
    assert call("confirm", {"email": EMAIL, "code": "123456"}).status == 200


def test_confirm_whose_answer_was_lost_leaves_an_account_that_signs_in(
    wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    assert sign_up().status == 201
    wire.always("ConfirmSignUp", lost_answer(), first=False)

    assert call("confirm", {"email": EMAIL, "code": "123456"}).status == 503
    wire.clear()

    # Confirming again: Cognito refuses it like any wrong code (400); moto confirms again (200). Either way the
    # user is not stuck: signing in works.
    assert call("confirm", {"email": EMAIL, "code": "123456"}).status in (200, 400)
    assert call("signin", {"email": EMAIL, "password": PASSWORD}).status == 200


def test_password_reset_whose_answers_were_lost_can_be_retried_and_completed(
    wire: Wire, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    confirmed_user()

    wire.always("ForgotPassword", lost_answer(), first=False)
    assert call("forgot_password", {"email": EMAIL}).status == 503
    wire.clear()
    assert call("forgot_password", {"email": EMAIL}).status == 200

    wire.always("ConfirmForgotPassword", lost_answer(), first=False)
    assert call("reset_password", {"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD}).status == 503
    wire.clear()

    # Cognito changed the password although the caller saw a 503: the new password works.
    assert call("signin", {"email": EMAIL, "password": NEW_PASSWORD}).status == 200


def test_template_functions_found() -> None:
    """Guard for the timeout test: the template really is the one the stack deploys."""
    assert template.parameter_defaults(TEMPLATE)
    assert set(function_timeouts()) >= {"SignUpFunction", "SignInFunction", "GetDataFunction"}


# ---------------------------------------------------------------------------------------------- the deadline


class SlowUpstream:
    """A real HTTP server on loopback standing in for AWS: each request waits `delay[target]` seconds (a target's
    missing delay: it never answers in time), then answers `body[target]`. Counts the requests per target."""

    def __init__(self, delay: dict[str, float], body: dict[str, dict[str, Any]]) -> None:
        self.requests: list[str] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = str(self.headers.get("X-Amz-Target", "")).rpartition(".")[2]
                upstream.requests.append(target)
                if not upstream.stopped.wait(delay.get(target, 30)) and target in body:
                    data = json.dumps(body[target]).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/x-amz-json-1.1")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                pass

        self.stopped = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopped.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., SlowUpstream]]:
    """The layer's Cognito and Secrets Manager clients pointed at a SlowUpstream: no moto, real sockets and timeouts."""
    started: list[SlowUpstream] = []

    def start(delay: dict[str, float], body: dict[str, dict[str, Any]], *, secret: bool) -> SlowUpstream:
        upstream = SlowUpstream(delay, body)
        started.append(upstream)
        monkeypatch.setenv("COGNITO_ENDPOINT_URL", upstream.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", upstream.url)
        monkeypatch.setenv("USER_POOL_ID", "us-east-1_Slow")
        monkeypatch.setenv("USER_POOL_CLIENT_ID", "slowclient")
        monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
        if secret:
            arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:slow-AbCdEf"
            monkeypatch.setenv("USER_POOL_CLIENT_SECRET_ARN", arn)
        else:
            monkeypatch.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
        reset_caches()
        return upstream

    yield start
    for upstream in started:
        upstream.stop()
    reset_caches()


def timed_signin(remaining_seconds: int) -> tuple[Reply, float]:
    event = make_event("signin", {"email": "jane@example.com", "password": "Correct-Horse1"})
    context = LambdaContext(function_name="signin", memory_limit_in_mb=256, timeout_seconds=remaining_seconds)
    started = time.monotonic()
    response = load_function("signin").lambda_handler(event, context)
    return Reply(response["statusCode"], json.loads(response["body"]), response_headers(response)), (
        time.monotonic() - started
    )


def test_no_cognito_attempt_starts_that_could_outlast_the_invocation(
    slow_aws: Callable[..., SlowUpstream], cases: Cases
) -> None:
    """A cold sign-in whose secret takes 2.5 s leaves 3 s of a 6 s invocation: too little for an attempt (1 s to
    connect, 3 to read), so the answer is the contract's 503 at once, not API Gateway's 502 after Lambda's timeout."""
    upstream = slow_aws({"GetSecretValue": 2.5}, {"GetSecretValue": {"SecretString": "s3cr3t"}}, secret=True)

    reply, elapsed = timed_signin(remaining_seconds=6)

    assert (reply.status, reply.body["code"]) == (503, "ServiceUnavailable")
    assert int(reply.headers["Retry-After"]) > 0
    assert elapsed < 6 - deadline.ANSWER_SECONDS
    assert upstream.requests == ["GetSecretValue"]  # Cognito was not called at all
    cases.tried()


def test_retries_stop_at_the_deadline(slow_aws: Callable[..., SlowUpstream], cases: Cases) -> None:
    """Cognito never answers: the first attempt times out after 3 s; a retry would end after the invocation's 5 s."""
    upstream = slow_aws({}, {}, secret=False)

    reply, elapsed = timed_signin(remaining_seconds=5)

    assert (reply.status, reply.body["code"]) == (503, "ServiceUnavailable")
    assert elapsed < 5 - deadline.ANSWER_SECONDS
    assert upstream.requests == ["InitiateAuth"]
    cases.tried()


# ---------------------------------------------------------------------------------------------- every route


def _bearer(name: str, body: Any = None) -> dict[str, Any]:
    """An event as API Gateway hands it on behind the authorizer, from a sign-in a moment ago."""
    event = make_event(name, body, token="header.payload.signature")
    claims = {"sub": "sub-1", "token_use": "access", "auth_time": str(int(time.time()))}
    event["requestContext"]["authorizer"] = {"claims": claims}
    return event


def _session(pool: Pool) -> str:
    from cognito_auth.sessions import ChallengeSession, seal

    session = ChallengeSession("cognito-session-" * 3, "sub-1", "SOFTWARE_TOKEN_MFA", time.time())
    return seal(session, secret=pool.secret, client_id=pool.client_id)


# function -> (its first Cognito operation, the event that reaches it)
ROUTES: dict[str, tuple[str, Callable[[Pool], dict[str, Any]]]] = {
    "signup": ("SignUp", lambda p: make_event("signup", {"email": EMAIL, "name": "J", "password": PASSWORD})),
    "confirm": ("ConfirmSignUp", lambda p: make_event("confirm", {"email": EMAIL, "code": "123456"})),
    "resend_code": ("ResendConfirmationCode", lambda p: make_event("resend_code", {"email": EMAIL})),
    "signin": ("InitiateAuth", lambda p: make_event("signin", {"email": EMAIL, "password": PASSWORD})),
    "email_sign_in": ("InitiateAuth", lambda p: make_event("email_sign_in", {"email": EMAIL})),
    "answer_challenge": (
        "RespondToAuthChallenge",
        lambda p: make_event("answer_challenge", {"session": _session(p), "code": "123456"}),
    ),
    "refresh": ("GetTokensFromRefreshToken", lambda p: make_event("refresh", {"refresh_token": "r.e.f"})),
    "revoke": ("RevokeToken", lambda p: make_event("revoke", {"refresh_token": "r.e.f"})),
    "signout": ("GlobalSignOut", lambda p: make_event("signout", token="header.payload.signature")),
    "forgot_password": ("ForgotPassword", lambda p: make_event("forgot_password", {"email": EMAIL})),
    "reset_password": (
        "ConfirmForgotPassword",
        lambda p: make_event("reset_password", {"email": EMAIL, "otp": "123456", "new_password": NEW_PASSWORD}),
    ),
    "get_profile": ("GetUser", lambda p: _bearer("get_profile")),
    "update_profile": ("UpdateUserAttributes", lambda p: _bearer("update_profile", {"name": "Jane"})),
    "delete_account": ("DeleteUser", lambda p: _bearer("delete_account")),
    "change_password": (
        "ChangePassword",
        lambda p: _bearer("change_password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    ),
    "change_email": ("UpdateUserAttributes", lambda p: _bearer("change_email", {"new_email": "j2@example.com"})),
    "verify_email": ("VerifyUserAttribute", lambda p: _bearer("verify_email", {"code": "123456"})),
    "setup_totp": ("GetUser", lambda p: _bearer("setup_totp")),
    "verify_totp": ("VerifySoftwareToken", lambda p: _bearer("verify_totp", {"code": "123456"})),
    "get_mfa": ("GetUser", lambda p: _bearer("get_mfa")),
    "set_mfa": ("GetUser", lambda p: _bearer("set_mfa", {"totp": True})),
}


def test_every_function_calling_cognito_is_tried() -> None:
    from tests.support.handlers import FUNCTIONS

    assert set(FUNCTIONS) - {"get_data"} == set(ROUTES)


@pytest.mark.parametrize("fault", ["503 empty body", "throttled"])
@pytest.mark.parametrize("function", sorted(ROUTES))
def test_every_route_answers_a_failing_cognito_with_the_contracts_retry_after(
    function: str, fault: str, wire: Wire, secret_pool: Pool, monkeypatch: pytest.MonkeyPatch, cases: Cases
) -> None:
    monkeypatch.setattr("time.sleep", lambda _: None)
    monkeypatch.setenv("EMAIL_SIGN_IN", "true")
    operation, event = ROUTES[function]
    behaviour, status, code = FAULTS[fault]
    wire.always(operation, behaviour)

    reply = invoke(function, event(secret_pool))
    cases.tried()

    assert (reply.status, reply.body["code"]) == (status, code), reply.body
    assert int(reply.headers["Retry-After"]) > 0
    assert wire.attempts == [operation] * total_attempts()
