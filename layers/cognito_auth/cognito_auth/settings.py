"""Settings: one typed object, read from the environment once per container."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache

DEFAULT_MAX_BODY_BYTES = 16 * 1024


@dataclass(frozen=True)
class PasswordPolicy:
    """The user pool's password policy, mirrored so every endpoint checks it the same way for every email."""

    min_length: int = 8
    require_uppercase: bool = True
    require_lowercase: bool = True
    require_numbers: bool = True
    require_symbols: bool = False


@dataclass(frozen=True)
class Settings:
    region: str
    user_pool_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    client_secret_arn: str | None = None
    client_secret_parameter: str | None = None
    cognito_endpoint_url: str | None = None
    allowed_origins: tuple[str, ...] = ("*",)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    password_policy: PasswordPolicy = PasswordPolicy()
    # Lambda's runtime sets AWS_LAMBDA_FUNCTION_NAME; tests and the local API do not.
    on_lambda: bool = False
    # What the pool's plan and email setup allow (template.yaml decides; features that are off answer 403
    # FeatureDisabled rather than failing at Cognito).
    refresh_token_rotation: bool = False
    email_mfa: bool = False
    email_sign_in: bool = False
    # How recent a sign-in the dangerous changes need (change-email, DELETE /auth/me, turning an MFA factor off).
    recent_sign_in_seconds: int = 15 * 60
    # How long a challenge session lives: Cognito's default AuthSessionValidity, 3 minutes.
    challenge_session_seconds: int = 3 * 60

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        base = (self.cognito_endpoint_url or f"https://cognito-idp.{self.region}.amazonaws.com").rstrip("/")
        return f"{base}/{self.user_pool_id}/.well-known/jwks.json"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def settings_from_env(env: os._Environ[str] | dict[str, str]) -> Settings:
    """Build settings from environment variables; the template sets every one of them."""
    defaults = PasswordPolicy()
    policy = PasswordPolicy(
        min_length=int(env.get("PASSWORD_MIN_LENGTH") or defaults.min_length),
        require_uppercase=_flag(env.get("PASSWORD_REQUIRE_UPPERCASE"), defaults.require_uppercase),
        require_lowercase=_flag(env.get("PASSWORD_REQUIRE_LOWERCASE"), defaults.require_lowercase),
        require_numbers=_flag(env.get("PASSWORD_REQUIRE_NUMBERS"), defaults.require_numbers),
        require_symbols=_flag(env.get("PASSWORD_REQUIRE_SYMBOLS"), defaults.require_symbols),
    )
    origins = tuple(o.strip() for o in (env.get("ALLOWED_ORIGINS") or "*").split(",") if o.strip())
    return Settings(
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        user_pool_id=env.get("USER_POOL_ID", ""),
        client_id=env.get("USER_POOL_CLIENT_ID", ""),
        client_secret=env.get("USER_POOL_CLIENT_SECRET") or None,
        client_secret_arn=env.get("USER_POOL_CLIENT_SECRET_ARN") or None,
        client_secret_parameter=env.get("USER_POOL_CLIENT_SECRET_PARAMETER") or None,
        cognito_endpoint_url=env.get("COGNITO_ENDPOINT_URL") or None,
        allowed_origins=origins or ("*",),
        max_body_bytes=int(env.get("MAX_BODY_BYTES") or DEFAULT_MAX_BODY_BYTES),
        password_policy=policy,
        on_lambda=bool(env.get("AWS_LAMBDA_FUNCTION_NAME")),
        refresh_token_rotation=_flag(env.get("REFRESH_TOKEN_ROTATION"), False),
        email_mfa=_flag(env.get("EMAIL_MFA"), False),
        email_sign_in=_flag(env.get("EMAIL_SIGN_IN"), False),
        recent_sign_in_seconds=60 * int(env.get("RECENT_SIGN_IN_MINUTES") or 15),
        challenge_session_seconds=60 * int(env.get("CHALLENGE_SESSION_MINUTES") or 3),
    )


@cache
def get_settings() -> Settings:
    return settings_from_env(os.environ)
