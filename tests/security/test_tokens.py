"""Token attacks: every token the API should refuse gets 401 with the contract's body, never a 500 and never data.

Two targets: the layer's own TokenVerifier (what /getData relies on wherever no API Gateway authorizer ran), and
/getData in-process with no authorizer claims in the event. Each attack has a positive control: the same forger's
untampered token is accepted, so a refusal is the check working and not a broken forger.
"""

from __future__ import annotations

from typing import Any

import pytest

from cognito_auth import errors
from cognito_auth.settings import get_settings
from cognito_auth.tokens import REFETCH_INTERVAL_SECONDS, TokenVerifier
from tests.security.conftest import Cases
from tests.security.forge import ATTACKS, MALFORMED_HEADERS, MALFORMED_TOKENS, Forger, attacker_private_jwk
from tests.support.clock import Clock
from tests.support.cognito import Pool, moto_public_jwks
from tests.support.handlers import call, invoke, make_event

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
CLIENT_ID = "example-client-id"


class Jwks:
    """A JWKS endpoint that counts its fetches and can rotate in more keys."""

    def __init__(self) -> None:
        self.fetches = 0
        self.extra: list[dict[str, Any]] = []

    def __call__(self, url: str) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": moto_public_jwks()["keys"] + self.extra}


@pytest.fixture
def jwks() -> Jwks:
    return Jwks()


@pytest.fixture
def verifier(clock: Clock, jwks: Jwks) -> TokenVerifier:
    return TokenVerifier(issuer=ISSUER, client_id=CLIENT_ID, jwks_url="https://jwks.invalid", fetch=jwks, clock=clock)


@pytest.fixture
def forger(clock: Clock) -> Forger:
    return Forger(ISSUER, CLIENT_ID, now=clock)


def test_an_untampered_token_is_accepted(verifier: TokenVerifier, forger: Forger) -> None:
    assert verifier.verify(forger.valid())["sub"] == forger.sub


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_verifier_refuses(attack: str, verifier: TokenVerifier, forger: Forger) -> None:
    token = ATTACKS[attack](forger)

    with pytest.raises(errors.InvalidToken):
        verifier.verify(token)


@pytest.mark.parametrize("name", sorted(MALFORMED_TOKENS))
def test_verifier_refuses_malformed(name: str, verifier: TokenVerifier) -> None:
    with pytest.raises(errors.InvalidToken):
        verifier.verify(MALFORMED_TOKENS[name])


def test_verifier_refuses_an_access_token_where_an_id_token_is_required(
    verifier: TokenVerifier, forger: Forger
) -> None:
    assert verifier.verify(forger.sign(forger.id_claims()), token_use="id", scope=None)["sub"] == forger.sub
    with pytest.raises(errors.InvalidToken):
        verifier.verify(forger.valid(), token_use="id", scope=None)


def test_unknown_key_ids_cost_at_most_one_jwks_fetch(
    verifier: TokenVerifier, forger: Forger, jwks: Jwks, cases: Cases
) -> None:
    assert verifier.verify(forger.valid())
    assert jwks.fetches == 1

    for i in range(50):
        token = forger.sign(forger.access_claims(), key=attacker_private_jwk(f"attacker-{i}"))
        with pytest.raises(errors.InvalidToken):
            verifier.verify(token)
    cases.tried(50)

    assert jwks.fetches <= 2, "a flood of unknown key ids must not become a flood of JWKS fetches"


def test_a_rotated_key_is_picked_up_after_the_refetch_interval(
    verifier: TokenVerifier, forger: Forger, jwks: Jwks, clock: Clock
) -> None:
    assert verifier.verify(forger.valid())
    new_key = attacker_private_jwk("rotated")
    token = forger.sign(forger.access_claims(), key=new_key)
    with pytest.raises(errors.InvalidToken):
        verifier.verify(token)  # not published yet

    jwks.extra = [{k: new_key[k] for k in ("kty", "n", "e", "kid")} | {"alg": "RS256", "use": "sig"}]
    clock.now += REFETCH_INTERVAL_SECONDS
    forger.now = clock

    assert verifier.verify(forger.sign(forger.access_claims(), key=new_key))["sub"] == forger.sub
    assert jwks.fetches <= 3


def test_a_jwks_outage_is_a_503_not_a_500_nor_a_pass(clock: Clock, forger: Forger) -> None:
    def down(url: str) -> dict[str, Any]:
        raise TimeoutError("jwks endpoint timed out")

    verifier = TokenVerifier(
        issuer=ISSUER, client_id=CLIENT_ID, jwks_url="https://jwks.invalid", fetch=down, clock=clock
    )

    with pytest.raises(errors.ServiceUnavailable):
        verifier.verify(forger.valid())


# /getData in-process, as under `sam local start-api` where no authorizer runs: the function verifies the token.


@pytest.fixture
def pool_forger(secret_pool: Pool, moto_jwks: list[str]) -> Forger:
    return Forger(get_settings().issuer, secret_pool.client_id)


def refused(reply: Any) -> bool:
    return reply.status == 401 and reply.body == {"error": errors.InvalidToken.message, "code": "InvalidToken"}


def test_getdata_serves_an_untampered_token(pool_forger: Forger) -> None:
    reply = call("get_data", token=pool_forger.valid())

    assert reply.status == 200
    assert reply.body["sub"] == pool_forger.sub


# One pool per test is the slow part, so each of these tries every case of its kind against one pool and names
# every case that got through.


def test_getdata_refuses_every_attack_token(pool_forger: Forger, cases: Cases) -> None:
    replies = {name: call("get_data", token=attack(pool_forger)) for name, attack in ATTACKS.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}


def test_getdata_refuses_every_malformed_token(pool_forger: Forger, cases: Cases) -> None:
    replies = {name: call("get_data", token=token) for name, token in MALFORMED_TOKENS.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}


def test_getdata_refuses_every_malformed_authorization_header(pool_forger: Forger, cases: Cases) -> None:
    replies = {name: call("get_data", headers={"Authorization": h}) for name, h in MALFORMED_HEADERS.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}


def test_getdata_unknown_key_ids_do_not_refetch_per_request(
    pool_forger: Forger, moto_jwks: list[str], cases: Cases
) -> None:
    for i in range(30):
        token = pool_forger.sign(pool_forger.access_claims(), key=attacker_private_jwk(f"flood-{i}"))
        assert refused(call("get_data", token=token))
    cases.tried(30)

    assert len(moto_jwks) <= 1


def test_signout_refuses_malformed_authorization_headers_without_calling_cognito(
    secret_pool: Pool, cognito_calls: list[str], cases: Cases
) -> None:
    replies = {name: call("signout", headers={"Authorization": h}) for name, h in MALFORMED_HEADERS.items()}
    cases.tried(len(replies))

    assert {name: (r.status, r.body) for name, r in replies.items() if not refused(r)} == {}
    assert cognito_calls == []


@pytest.mark.parametrize(("client", "status"), [("ours", 200), ("another-app-client-of-the-pool", 401)])
def test_getdata_behind_the_authorizer_serves_only_this_apis_app_client(
    client: str, status: int, secret_pool: Pool
) -> None:
    """API Gateway's Cognito authorizer accepts a token of any app client of the pool: the function checks."""
    event = make_event("get_data")
    client_id = secret_pool.client_id if client == "ours" else client
    claims = {"sub": "abc-123", "username": "abc-123", "client_id": client_id, "token_use": "access"}
    event["requestContext"]["authorizer"] = {"claims": claims}

    reply = invoke("get_data", event)

    assert reply.status == status
    assert ("data" in reply.raw["body"]) is (status == 200)


@pytest.mark.parametrize("function", ["get_profile", "get_mfa", "setup_totp", "delete_account"])
def test_a_route_behind_the_authorizer_refuses_another_app_clients_token_before_cognito(
    function: str, secret_pool: Pool, cognito_calls: list[str]
) -> None:
    """API Gateway's authorizer accepts any app client of the pool; these routes would hand the token to Cognito,
    which would accept it too. The function refuses it first."""
    event = make_event(function, token="a.b.c")
    claims = {"sub": "abc-123", "client_id": "another-app-client-of-the-pool", "auth_time": "1", "token_use": "access"}
    event["requestContext"]["authorizer"] = {"claims": claims}

    reply = invoke(function, event)

    assert (reply.status, reply.body["code"]) == (401, "InvalidToken")
    assert cognito_calls == []
