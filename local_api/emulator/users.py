"""Finding pools and users as Cognito does."""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import UserNotFoundError
from moto.cognitoidp.models import cognitoidp_backends


def pools() -> list[Any]:
    backends = [backend for account in cognitoidp_backends.values() for backend in account.values()]
    return [pool for backend in backends for pool in backend.user_pools.values()]


def pool_for_client(client_id: str) -> Any:
    """The user pool an app client belongs to, or None."""
    return next((pool for pool in pools() if client_id in pool.clients), None)


def pool_by_id(pool_id: str) -> Any:
    return next((pool for pool in pools() if pool.id == pool_id), None)


def require(pool: Any, username: str) -> Any:
    """The user a name signs in as (the username or a sign-in alias), or Cognito's UserNotFoundException."""
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("Username/client id combination not found.")
    return user
