"""What moto cannot do: operations it lacks and errors it never raises, answered by botocore's Stubber on the
layer's own cached Cognito client, through the real handlers. Also Cognito (and Secrets Manager) unreachable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from botocore.stub import Stubber

from cognito_auth import aws as layer_aws
from tests.support.handlers import call, reset_caches
from tests.support.reply import Reply

POOL_ID = "us-east-1_Example"
CLIENT_ID = "4tdr6mhv3ri53mv6e0kqjepe7n"
SECRET = "1ebhk0o5s4v6bqpmhq0r1ve7tqnmq3j0oi3kd2f5ctnm0vhqgbu3"
EMAIL = "jane@example.com"
SUB = "0f5c5a4e-1c2b-4a8e-9a43-5c2f1b7e9d10"
PASSWORD = "Example-Passw0rd"
NEW_PASSWORD = "Changed-Passw0rd"
CODE = "123456"
REFRESH_TOKEN = "eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.refresh.token"
AWS_MESSAGE = "Internal detail arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Leak"


def expected_hash(username: str) -> str:
    """Cognito's SECRET_HASH, worked here from its documented formula."""
    digest = hmac.new(SECRET.encode(), (username + CLIENT_ID).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def configure(monkeypatch: pytest.MonkeyPatch, *, secret: bool, endpoint: str | None = None) -> None:
    monkeypatch.setenv("USER_POOL_ID", POOL_ID)
    monkeypatch.setenv("USER_POOL_CLIENT_ID", CLIENT_ID)
    monkeypatch.delenv("USER_POOL_CLIENT_SECRET_ARN", raising=False)
    if secret:
        monkeypatch.setenv("USER_POOL_CLIENT_SECRET", SECRET)
    else:
        monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    if endpoint:
        monkeypatch.setenv("COGNITO_ENDPOINT_URL", endpoint)
    else:
        monkeypatch.delenv("COGNITO_ENDPOINT_URL", raising=False)
    reset_caches()


@pytest.fixture(autouse=True)
def fresh_container() -> Iterator[None]:
    """Whatever a test configured, the next one starts from a fresh container."""
    yield
    reset_caches()


@pytest.fixture(params=["secret", "no-secret"])
def has_secret(request: pytest.FixtureRequest) -> bool:
    return request.param == "secret"


@pytest.fixture
def cognito_stub(has_secret: bool, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stubber]:
    """The layer's cached Cognito client, answering only what the test queues."""
    configure(monkeypatch, secret=has_secret)
    with Stubber(layer_aws.cognito_client()) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()
    reset_caches()


def with_hash(params: dict[str, Any], username: str, has_secret: bool) -> dict[str, Any]:
    return {**params, "SecretHash": expected_hash(username)} if has_secret else params


def assert_error(reply: Reply, status: int, code: str) -> None:
    assert (reply.status, reply.body) == (status, {"error": reply.body["error"], "code": code})
    text = reply.raw["body"]
    assert AWS_MESSAGE not in text
    for secret in (PASSWORD, NEW_PASSWORD, SECRET, REFRESH_TOKEN):
        assert secret not in text


def assert_retry_after(reply: Reply) -> None:
    assert int(reply.headers["Retry-After"]) > 0


# Every endpoint: a valid request to it, and the Cognito client method it calls.
ENDPOINTS: dict[str, tuple[Callable[[], Reply], str]] = {
    "signup": (lambda: call("signup", {"email": EMAIL, "name": "Jane", "password": PASSWORD}), "sign_up"),
    "confirm": (lambda: call("confirm", {"email": EMAIL, "code": CODE}), "confirm_sign_up"),
    "resend_code": (lambda: call("resend_code", {"email": EMAIL}), "resend_confirmation_code"),
    "forgot_password": (lambda: call("forgot_password", {"email": EMAIL}), "forgot_password"),
    "reset_password": (
        lambda: call("reset_password", {"email": EMAIL, "otp": CODE, "new_password": NEW_PASSWORD}),
        "confirm_forgot_password",
    ),
    "signin": (lambda: call("signin", {"email": EMAIL, "password": PASSWORD}), "initiate_auth"),
    "refresh": (lambda: call("refresh", {"refresh_token": REFRESH_TOKEN}), "get_tokens_from_refresh_token"),
    "signout": (lambda: call("signout", token="eyJraWQiOiJrIn0.access.token"), "global_sign_out"),
}
# The Cognito operations that declare LimitExceededException (InitiateAuth and GlobalSignOut do not).
LIMITED = ["signup", "confirm", "resend_code", "forgot_password", "reset_password"]


# ---------------------------------------------------------------------------------------------- resend code


def test_resend_code_asks_cognito_to_send_a_new_code(cognito_stub: Stubber, has_secret: bool) -> None:
    cognito_stub.add_response(
        "resend_confirmation_code",
        {"CodeDeliveryDetails": {"Destination": "j***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}},
        with_hash({"ClientId": CLIENT_ID, "Username": EMAIL}, EMAIL, has_secret),
    )

    reply = call("resend_code", {"email": EMAIL})

    assert reply.status == 200
    assert set(reply.body) == {"message"}
    assert "code" in reply.body["message"]


def test_resend_code_trims_the_email_it_sends_to_cognito(cognito_stub: Stubber, has_secret: bool) -> None:
    cognito_stub.add_response(
        "resend_confirmation_code", {}, with_hash({"ClientId": CLIENT_ID, "Username": EMAIL}, EMAIL, has_secret)
    )

    assert call("resend_code", {"email": f"  {EMAIL} "}).status == 200


# ---------------------------------------------------------------------------------------------- codes


CONFIRM_PARAMS = {"ClientId": CLIENT_ID, "Username": EMAIL, "ConfirmationCode": CODE}
RESET_PARAMS = {"ClientId": CLIENT_ID, "Username": EMAIL, "ConfirmationCode": CODE, "Password": NEW_PASSWORD}


@pytest.mark.parametrize(
    ("cognito_error", "status", "code"),
    [("CodeMismatchException", 400, "InvalidCode"), ("ExpiredCodeException", 400, "ExpiredCode")],
)
@pytest.mark.parametrize("endpoint", ["confirm", "reset_password"])
def test_a_wrong_or_expired_code_is_named_as_such(
    cognito_stub: Stubber, has_secret: bool, endpoint: str, cognito_error: str, status: int, code: str
) -> None:
    request, method = ENDPOINTS[endpoint]
    params = CONFIRM_PARAMS if endpoint == "confirm" else RESET_PARAMS
    cognito_stub.add_client_error(
        method, cognito_error, AWS_MESSAGE, 400, expected_params=with_hash(params, EMAIL, has_secret)
    )

    assert_error(request(), status, code)


def test_after_a_wrong_code_the_right_one_still_works(cognito_stub: Stubber, has_secret: bool) -> None:
    params = with_hash(CONFIRM_PARAMS, EMAIL, has_secret)
    cognito_stub.add_client_error("confirm_sign_up", "CodeMismatchException", AWS_MESSAGE, expected_params=params)
    cognito_stub.add_response("confirm_sign_up", {}, params)

    assert_error(call("confirm", {"email": EMAIL, "code": CODE}), 400, "InvalidCode")
    assert call("confirm", {"email": EMAIL, "code": CODE}).status == 200


# ---------------------------------------------------------------------------------------------- throttling


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_throttling_is_a_429_with_retry_after(cognito_stub: Stubber, endpoint: str) -> None:
    request, method = ENDPOINTS[endpoint]
    cognito_stub.add_client_error(method, "TooManyRequestsException", AWS_MESSAGE, 400)

    reply = request()

    assert_error(reply, 429, "TooManyRequests")
    assert_retry_after(reply)


@pytest.mark.parametrize("endpoint", LIMITED)
def test_a_cognito_limit_is_a_429_with_retry_after(cognito_stub: Stubber, endpoint: str) -> None:
    request, method = ENDPOINTS[endpoint]
    cognito_stub.add_client_error(method, "LimitExceededException", AWS_MESSAGE, 400)

    reply = request()

    assert_error(reply, 429, "TooManyRequests")
    assert_retry_after(reply)


# ---------------------------------------------------------------------------------------------- Cognito down


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_a_cognito_internal_error_is_a_503_with_retry_after(cognito_stub: Stubber, endpoint: str) -> None:
    request, method = ENDPOINTS[endpoint]
    cognito_stub.add_client_error(method, "InternalErrorException", AWS_MESSAGE, 500)

    reply = request()

    assert_error(reply, 503, "ServiceUnavailable")
    assert_retry_after(reply)


URL = "https://cognito-idp.us-east-1.amazonaws.com/"
NETWORK_FAILURES = [
    pytest.param(lambda: EndpointConnectionError(endpoint_url=URL), id="endpoint-connection"),
    pytest.param(lambda: ConnectTimeoutError(endpoint_url=URL), id="connect-timeout"),
    pytest.param(lambda: ReadTimeoutError(endpoint_url=URL), id="read-timeout"),
]


@pytest.mark.parametrize("failure", NETWORK_FAILURES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_cognito_unreachable_is_a_503(
    monkeypatch: pytest.MonkeyPatch, endpoint: str, failure: Callable[[], Exception]
) -> None:
    # What the client raises once its own retries are spent.
    configure(monkeypatch, secret=True)
    request, method = ENDPOINTS[endpoint]

    def unreachable(**_: Any) -> Any:
        raise failure()

    monkeypatch.setattr(layer_aws.cognito_client(), method, unreachable)

    reply = request()

    assert_error(reply, 503, "ServiceUnavailable")
    assert "amazonaws.com" not in reply.raw["body"]
    assert_retry_after(reply)


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_nothing_listening_at_the_cognito_endpoint_is_a_prompt_503(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real client, its retries and timeouts, against a port where nothing listens.
    configure(monkeypatch, secret=True, endpoint=f"http://127.0.0.1:{closed_port()}")
    started = time.monotonic()

    reply = call("signin", {"email": EMAIL, "password": PASSWORD})

    assert_error(reply, 503, "ServiceUnavailable")
    assert_retry_after(reply)
    # Well inside the functions' 10 s timeout: the client gives up rather than hanging the request.
    assert time.monotonic() - started < 9


def test_an_unreadable_client_secret_is_a_503(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, secret=False)
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone")
    reset_caches()

    reply = call("signin", {"email": EMAIL, "password": PASSWORD})

    assert_error(reply, 503, "ServiceUnavailable")
    assert "secretsmanager" not in reply.raw["body"]


def test_the_secret_from_secrets_manager_signs_requests(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(monkeypatch, secret=False)
    arn = boto3.client("secretsmanager", region_name="us-east-1").create_secret(Name="client", SecretString=SECRET)
    monkeypatch.setenv("USER_POOL_CLIENT_SECRET_ARN", arn["ARN"])
    reset_caches()
    with Stubber(layer_aws.cognito_client()) as stubber:
        stubber.add_response(
            "forgot_password", {}, {"ClientId": CLIENT_ID, "Username": EMAIL, "SecretHash": expected_hash(EMAIL)}
        )

        assert call("forgot_password", {"email": EMAIL}).status == 200
        stubber.assert_no_pending_responses()


# ---------------------------------------------------------------------------------------------- refresh


AUTH_RESULT = {"AccessToken": "new.access.token", "IdToken": "new.id.token", "ExpiresIn": 3600, "TokenType": "Bearer"}


def refresh_request(has_secret: bool) -> dict[str, Any]:
    """GetTokensFromRefreshToken as the layer must call it: the refresh token, and the client secret itself (no
    SECRET_HASH, so no username) when the client has one."""
    request = {"ClientId": CLIENT_ID, "RefreshToken": REFRESH_TOKEN}
    return {**request, "ClientSecret": SECRET} if has_secret else request


def test_refresh_sends_the_refresh_token_and_the_client_secret(cognito_stub: Stubber, has_secret: bool) -> None:
    cognito_stub.add_response(
        "get_tokens_from_refresh_token", {"AuthenticationResult": AUTH_RESULT}, refresh_request(has_secret)
    )

    reply = call("refresh", {"refresh_token": REFRESH_TOKEN})

    assert reply.status == 200
    assert reply.body == {
        "access_token": "new.access.token",
        "id_token": "new.id.token",
        "expires_in": 3600,
        "token_type": "Bearer",
    }


@pytest.mark.parametrize("username", [SUB, EMAIL, "someone-else"], ids=["sub", "email", "another"])
def test_an_old_clients_username_is_ignored(cognito_stub: Stubber, has_secret: bool, username: str) -> None:
    """Clients of the first version send the `username` claim with every refresh: whatever it is, Cognito is asked
    exactly what it is asked without it."""
    cognito_stub.add_response(
        "get_tokens_from_refresh_token", {"AuthenticationResult": AUTH_RESULT}, refresh_request(has_secret)
    )

    reply = call("refresh", {"refresh_token": REFRESH_TOKEN, "username": username})

    assert reply.status == 200
    assert reply.body["access_token"] == "new.access.token"


def test_refresh_passes_on_a_rotated_refresh_token(cognito_stub: Stubber, has_secret: bool) -> None:
    # With refresh token rotation Cognito answers with a new refresh token; the client must get it.
    cognito_stub.add_response(
        "get_tokens_from_refresh_token",
        {"AuthenticationResult": {**AUTH_RESULT, "RefreshToken": "rotated"}},
        refresh_request(has_secret),
    )

    reply = call("refresh", {"refresh_token": REFRESH_TOKEN})

    assert reply.status == 200
    assert reply.body["refresh_token"] == "rotated"


@pytest.mark.parametrize(
    ("cognito_error", "message"),
    [
        ("NotAuthorizedException", "Refresh Token has been revoked"),
        ("NotAuthorizedException", "Refresh Token has expired"),
        ("RefreshTokenReuseException", "Refresh token has been used already."),
        ("UserNotFoundException", "User does not exist."),
    ],
    ids=["revoked", "expired", "reused-after-its-grace-period", "user-deleted"],
)
def test_a_refresh_token_cognito_refuses_is_a_401(cognito_stub: Stubber, cognito_error: str, message: str) -> None:
    cognito_stub.add_client_error("get_tokens_from_refresh_token", cognito_error, message, 400)

    assert_error(call("refresh", {"refresh_token": REFRESH_TOKEN}), 401, "InvalidToken")


# ---------------------------------------------------------------------------------------------- signout


def test_signout_revokes_the_session_with_global_sign_out(cognito_stub: Stubber) -> None:
    token = "eyJraWQiOiJrIn0.access.token"
    cognito_stub.add_response("global_sign_out", {}, {"AccessToken": token})

    reply = call("signout", token=token)

    assert reply.status == 200
    assert token not in json.dumps(reply.body)
