"""Finding pools and users as Cognito does, case-insensitively on pools made with `CaseSensitive: false`.

On such a pool (the template's) Cognito treats `Jane@Example.com` and `jane@example.com` as one user: sign-up of the
other case is a duplicate, and every call that names a user by username or sign-in alias finds the same one (Developer
Guide, "User pool case sensitivity"; UsernameConfigurationType). moto compares names exactly. The stored values keep
the case they were given. A pool without UsernameConfiguration is case-sensitive, as Cognito's API defaults it.
"""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import AliasExistsException, ResourceNotFoundError, UserNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, cognitoidp_backends

from local_api.emulator.patching import wrap


def pools() -> list[Any]:
    backends = [backend for account in cognitoidp_backends.values() for backend in account.values()]
    return [pool for backend in backends for pool in backend.user_pools.values()]


def pool_for_client(client_id: str) -> Any:
    """The user pool an app client belongs to, or None."""
    return next((pool for pool in pools() if client_id in pool.clients), None)


def pool_and_client(client_id: str) -> tuple[Any, Any]:
    """The user pool and app client a request names, or Cognito's ResourceNotFoundException."""
    pool = pool_for_client(client_id)
    if pool is None:
        raise ResourceNotFoundError(client_id)
    return pool, pool.clients[client_id]


def pool_by_id(pool_id: str) -> Any:
    return next((pool for pool in pools() if pool.id == pool_id), None)


def case_sensitive(pool: Any) -> bool:
    return bool((pool.extended_config.get("UsernameConfiguration") or {}).get("CaseSensitive", True))


def fold(name: str) -> str:
    """What two names are compared as on a case-insensitive pool."""
    return name.lower()


def same_name(pool: Any, a: str, b: str) -> bool:
    return a == b if case_sensitive(pool) else fold(a) == fold(b)


def require(pool: Any, username: str) -> Any:
    """The user a name signs in as (the username or a sign-in alias), or Cognito's UserNotFoundException."""
    user = pool._get_user(username)
    if user is None:
        raise UserNotFoundError("Username/client id combination not found.")
    return user


def cognito_username(pool: Any, name: str) -> str:
    """The user's Cognito username (immutable; the `sub` on a pool that signs in with email) for any name they go by;
    the name itself if no user has it."""
    user = pool._get_user(name)
    return str(user.username) if user is not None else name


def _get_user(inner: Any, self: CognitoIdpUserPool, username: str) -> Any:
    user = inner(self, username)
    if user is not None or case_sensitive(self) or not isinstance(username, str):
        return user
    wanted = fold(username)
    aliases = self.extended_config.get("UsernameAttributes") or []
    for candidate in self.users.values():
        names = [candidate.username, *(candidate.attribute_lookup.get(alias) for alias in aliases)]
        if any(isinstance(name, str) and fold(name) == wanted for name in names):
            return candidate
    return None


def _verify_email_is_not_used(inner: Any, self: CognitoIdpBackend, user_pool_id: str, email: str | None) -> None:
    pool = self.describe_user_pool(user_pool_id)
    signs_in_with_email = "email" in (pool.extended_config.get("UsernameAttributes") or [])
    if email and signs_in_with_email and not case_sensitive(pool):
        taken = (fold(str(user.attribute_lookup.get("email", ""))) for user in pool.users.values())
        if fold(email) in taken:
            raise AliasExistsException
    inner(self, user_pool_id, email)


def install() -> None:
    wrap(CognitoIdpUserPool, "_get_user", _get_user)
    wrap(CognitoIdpBackend, "_verify_email_is_not_used", _verify_email_is_not_used)
