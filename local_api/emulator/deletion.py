"""Deleting an account as Cognito does: DeleteUser, and what deletion does to the user's sign-ins.

moto lacks DeleteUser, and after AdminDeleteUser it fails on the deleted user's refresh tokens. Cognito (API
reference, DeleteUser): the signed-in user deletes their own profile with their access token; it can no longer sign
in and cannot be restored. Here, as on Cognito, the user's refresh tokens stop working, their access tokens are
refused by every user-context operation (UserNotFoundException, `revocation.signed_in`), and the address can sign
up again as a new user with a new `sub`, which none of the old tokens reach.
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult

from local_api.emulator import revocation, tokens, users
from local_api.emulator.patching import wrap


def _admin_delete_user(inner: Any, self: CognitoIdpBackend, user_pool_id: str, username: str) -> None:
    pool = self.describe_user_pool(user_pool_id)
    user = users.require(pool, username)
    inner(self, user_pool_id, username)
    for session in tokens.sessions(pool.id):
        if session.username == user.username:
            pool.refresh_tokens[session.refresh_token] = None


def _delete_user_response(inner: Any, self: CognitoIdpResponse) -> ActionResult:
    """DeleteUser, which moto lacks."""
    pool, user = revocation.signed_in(self._get_param("AccessToken"))
    pool.backend.admin_delete_user(pool.id, user.username)
    return ActionResult({})


def install() -> None:
    wrap(CognitoIdpBackend, "admin_delete_user", _admin_delete_user)
    wrap(CognitoIdpResponse, "delete_user", _delete_user_response)
