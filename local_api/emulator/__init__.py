"""Make moto's Cognito behave as Amazon Cognito documents where the API depends on it.

`install()` patches moto's cognito-idp backend once per process, for moto's server and for `mock_aws` alike. One
module per concern, each wrapping only the moto methods it changes (`patching.wrap`):

- `users`: pools and users found as Cognito finds them (case-insensitive on `CaseSensitive: false` pools).
- `codes`: real verification codes in an outbox (sign-up, resend, forgot-password, email change), checked once,
  expiring.
- `passwords`: Cognito's password rules and the pool's PasswordPolicy, wherever a password is set.
- `tokens`: tokens bound to the user's Cognito username, with the app client's lifetimes; each sign-in a `Session`.
- `mfa`: second factors: a TOTP secret per user with real RFC 6238 codes, email MFA, the preferred factor.
- `challenges`: sign-in challenges (new password, MFA codes, choice of factor, MFA set-up) on sessions bound to their
  user, client and challenge, single-use and expiring; SECRET_HASH on every answer; the USER_AUTH flow.
- `revocation`: RevokeToken (one device's sign-in), and every user-context operation refusing a revoked, expired or
  unknown access token (`revocation.signed_in`).
- `refresh`: GetTokensFromRefreshToken with the app client's refresh token rotation and grace period;
  REFRESH_TOKEN_AUTH only where the client allows it.
- `email_change`: an email changes only once the code sent to the new address is verified.
- `deletion`: DeleteUser; a deleted user's tokens stop working and the address can sign up again.
- `clock`: the one clock they all read; tests move it instead of sleeping.

A new feature is a new module with its own `install()`, added to `_MODULES` below, built on these: find users with
`users.require` / `users.cognito_username` (never by the name a client typed), issue and check codes with
`codes.issue` / `codes.check` (a new purpose is a new CODE_LIFETIME_SECONDS entry), find a refresh token's sign-in
with `tokens.session`, check a user-context call's access token with `revocation.signed_in` (which returns the pool
and user), read time from `clock.now()`, and refuse with moto's exceptions (or a JsonRESTError carrying
Cognito's error code) so botocore raises what Cognito would. An operation moto lacks is wrapped like any other
(`patching.wrap` gives the wrapper an `inner` that raises NotImplementedError).
"""

from __future__ import annotations

import threading

from local_api.emulator import (
    challenges,
    codes,
    deletion,
    email_change,
    mfa,
    passwords,
    refresh,
    revocation,
    tokens,
    users,
)
from local_api.emulator.codes import (
    CODE_LIFETIME_SECONDS,
    CONFIRM_SIGN_UP,
    RESET_PASSWORD,
    SIGN_IN,
    VERIFY_EMAIL,
    Message,
    Outbox,
    deliver_codes,
)

__all__ = [
    "CODE_LIFETIME_SECONDS",
    "CONFIRM_SIGN_UP",
    "RESET_PASSWORD",
    "SIGN_IN",
    "VERIFY_EMAIL",
    "Message",
    "Outbox",
    "deliver_codes",
    "install",
]

# In the order they wrap moto: a later module's wrapper runs first.
# revocation after mfa and challenges: its check of the access token runs before their operations.
_MODULES = (users, codes, passwords, tokens, mfa, challenges, revocation, refresh, email_change, deletion)
_installed = False
_lock = threading.Lock()


def install() -> None:
    """Patch moto's Cognito backend (idempotent)."""
    global _installed
    with _lock:
        if not _installed:
            for module in _MODULES:
                module.install()
            _installed = True
