"""moto user pools built from template.yaml's own resource properties, so tests and the stack cannot drift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from local_api import template
from tests.support.handlers import reset_caches

TEMPLATE = template.load_template()


@dataclass
class Pool:
    client: Any
    pool_id: str
    client_id: str
    secret: str | None

    def user(self, email: str) -> dict[str, Any]:
        return dict(self.client.admin_get_user(UserPoolId=self.pool_id, Username=email))


def make_pool(monkeypatch: pytest.MonkeyPatch, *, secret: bool) -> Pool:
    """A pool and app client as the template makes them (with or without the client secret), the layer pointed at
    them through the environment, as a fresh container."""
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(**template.user_pool_kwargs(TEMPLATE))["UserPool"]["Id"]
    client_args = template.user_pool_client_kwargs(TEMPLATE, pool_id)
    client_args["GenerateSecret"] = secret
    app_client = idp.create_user_pool_client(**client_args)["UserPoolClient"]
    monkeypatch.setenv("USER_POOL_ID", pool_id)
    monkeypatch.setenv("USER_POOL_CLIENT_ID", app_client["ClientId"])
    if secret:
        monkeypatch.setenv("USER_POOL_CLIENT_SECRET", app_client["ClientSecret"])
    else:
        monkeypatch.delenv("USER_POOL_CLIENT_SECRET", raising=False)
    reset_caches()
    return Pool(idp, pool_id, app_client["ClientId"], app_client.get("ClientSecret"))


def pool_without(setting: str) -> Pool:
    """A pool as the template makes it but for one top-level setting left out (Cognito's API default then), with a
    plain app client (no secret, password sign-in): for what the emulator does on pools unlike the template's."""
    kwargs = template.user_pool_kwargs(TEMPLATE)
    kwargs.pop(setting)
    idp = boto3.client("cognito-idp", region_name="us-east-1")
    pool_id = idp.create_user_pool(**kwargs)["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="c", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    return Pool(idp, pool_id, client_id, None)


def moto_public_jwks() -> dict[str, Any]:
    """The public keys moto signs its tokens with: what the pool serves at .well-known/jwks.json."""
    from moto.utilities.utils import load_resource

    return dict(load_resource("cognitoidp/resources/jwks-public.json"))


def moto_private_jwk() -> dict[str, Any]:
    """moto's signing key: the pool's own key as far as the tests are concerned."""
    from moto.utilities.utils import load_resource

    return dict(load_resource("cognitoidp/resources/jwks-private.json"))
