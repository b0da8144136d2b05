"""Token attacks over HTTP against the local API (`make dev`), where GET /getData sits behind the emulated Cognito
authorizer as it does behind API Gateway's: every forged, tampered or malformed token gets 401, never a 500 and
never data. The forger signs with the emulator's own key and the pool's real issuer and client id, so a refusal is
the check working, as the positive control shows."""

from __future__ import annotations

from typing import Any

import pytest
from jose import jwt

from tests.security.conftest import Cases
from tests.security.forge import ATTACKS, MALFORMED_HEADERS, MALFORMED_TOKENS, Forger, attacker_private_jwk
from tests.support.local_api import LocalApiProcess, http, new_user_tokens, sign_in, sign_up_and_confirm, unique_email
from tests.support.reply import Reply

PASSWORD = "Attack-Passw0rd"


@pytest.fixture(scope="module")
def tokens(local_api: LocalApiProcess) -> dict[str, Any]:
    return new_user_tokens(local_api, PASSWORD)


@pytest.fixture(scope="module")
def forger(tokens: dict[str, Any]) -> Forger:
    claims = jwt.get_unverified_claims(tokens["access_token"])
    return Forger(claims["iss"], claims["client_id"], sub=claims["sub"])


def get_data(server: LocalApiProcess, authorization: str | None) -> Reply:
    return http(
        "GET", f"{server.url}/getData", headers={} if authorization is None else {"Authorization": authorization}
    )


def refused(reply: Reply) -> bool:
    """401 from the authorizer ({"message"}) or from the function ({"error", "code": "InvalidToken"}), no data."""
    body = reply.body if isinstance(reply.body, dict) else {}
    return reply.status == 401 and "data" not in body and (body.get("code") == "InvalidToken" or "message" in body)


def test_an_untampered_forged_token_is_served(local_api: LocalApiProcess, forger: Forger) -> None:
    reply = get_data(local_api, f"Bearer {forger.valid()}")

    assert reply.status == 200
    assert reply.body["sub"] == forger.sub


def test_every_attack_token_is_refused(local_api: LocalApiProcess, forger: Forger, cases: Cases) -> None:
    replies = {name: get_data(local_api, f"Bearer {attack(forger)}") for name, attack in ATTACKS.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}


def test_every_malformed_token_and_header_is_refused(local_api: LocalApiProcess, cases: Cases) -> None:
    headers: dict[str, str | None] = {"missing": None, **MALFORMED_HEADERS}
    headers |= {f"token {name}": f"Bearer {token}" for name, token in MALFORMED_TOKENS.items()}
    # Past API Gateway's 10 KiB of headers, within what the HTTP server reads: the authorizer's refusal.
    headers["oversized"] = "Bearer " + "A" * 20_000
    replies = {name: get_data(local_api, header) for name, header in headers.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}


def test_a_header_too_large_to_read_is_a_431(local_api: LocalApiProcess) -> None:
    """Past the HTTP server's 64 KiB line limit the request is refused before any route or authorizer runs."""
    reply = get_data(local_api, MALFORMED_HEADERS["oversized"])

    assert reply.status == 431
    assert "data" not in str(reply.body)


def test_the_ids_and_refresh_tokens_of_a_real_session_are_refused(
    local_api: LocalApiProcess, tokens: dict[str, Any], cases: Cases
) -> None:
    replies = {kind: get_data(local_api, f"Bearer {tokens[kind]}") for kind in ("id_token", "refresh_token")}
    replies["access token as a query, not a header"] = http(
        "GET", f"{local_api.url}/getData?token={tokens['access_token']}"
    )
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}
    assert get_data(local_api, f"Bearer {tokens['access_token']}").status == 200


def test_a_flood_of_unknown_key_ids_is_refused_every_time(
    local_api: LocalApiProcess, forger: Forger, cases: Cases
) -> None:
    replies = [
        get_data(local_api, "Bearer " + forger.sign(forger.access_claims(), key=attacker_private_jwk(f"flood-{i}")))
        for i in range(25)
    ]
    cases.tried(len(replies))

    assert all(refused(r) for r in replies)
    assert get_data(local_api, f"Bearer {forger.valid()}").status == 200


def test_known_limit_a_signed_out_access_token_passes_until_it_expires(local_api: LocalApiProcess) -> None:
    """SECURITY.md: API Gateway's authorizer checks the signature and expiry, not revocation. Signing out revokes
    the refresh token at once; the access token keeps opening /getData until it expires (15 minutes by default)."""
    email = unique_email()
    sign_up_and_confirm(local_api, email, PASSWORD)
    access = sign_in(local_api, email, PASSWORD).body["access_token"]

    assert http("POST", f"{local_api.url}/auth/signout", token=access).status == 200
    assert http("POST", f"{local_api.url}/auth/signout", token=access).status == 401  # Cognito knows
    assert get_data(local_api, f"Bearer {access}").status == 200  # the authorizer does not


# Every route behind the authorizer, with a body it would accept: a refusal is the token's doing.
BEARER_BODIES: dict[tuple[str, str], Any] = {
    ("GET", "/auth/me"): None,
    ("PATCH", "/auth/me"): {"name": "Mallory"},
    ("DELETE", "/auth/me"): None,
    ("POST", "/auth/change-password"): {"current_password": PASSWORD, "new_password": "Other-Passw0rd1"},
    ("POST", "/auth/change-email"): {"new_email": "mallory@example.com"},
    ("POST", "/auth/verify-email"): {"code": "123456"},
    ("POST", "/auth/mfa/totp"): None,
    ("POST", "/auth/mfa/totp/verify"): {"code": "123456"},
    ("GET", "/auth/mfa"): None,
    ("PUT", "/auth/mfa"): {"totp": False},
    ("GET", "/getData"): None,
}


def test_every_route_behind_the_authorizer_is_tried() -> None:
    from local_api import template

    api = template.api(template.load_template())
    assert {(r.method, r.path) for r in api.routes if r.authorizer} == set(BEARER_BODIES)


def test_every_attack_token_is_refused_by_every_route_behind_the_authorizer(
    local_api: LocalApiProcess, forger: Forger, cases: Cases
) -> None:
    replies = {
        (method, path, name): http(
            method, f"{local_api.url}{path}", body, headers={"Authorization": f"Bearer {attack(forger)}"}
        )
        for (method, path), body in BEARER_BODIES.items()
        for name, attack in ATTACKS.items()
    }
    cases.tried(len(replies))

    # The authorizer refuses before any function runs: API Gateway's own {"message": "Unauthorized"}. It accepts a
    # token of any app client of the pool, though; the function then refuses another client's: 401 InvalidToken.
    def expected(name: str, reply: Reply) -> bool:
        if name == "another-clients-token":
            return reply.status == 401 and reply.body.get("code") == "InvalidToken"
        return (reply.status, reply.body) == (401, UNAUTHORIZED)

    assert {" ".join(key): r.status for key, r in replies.items() if not expected(key[2], r)} == {}


UNAUTHORIZED = {"message": "Unauthorized"}
