"""The error contract: every failure a client can see is one of these, with a fixed status and a stable code.

Messages are written for humans by this module; an exception's own text, a stack trace or an AWS message never
reaches a client.
"""

from __future__ import annotations

from typing import Self


class ApiError(Exception):
    status: int = 500
    code: str = "InternalError"
    message: str = "Something went wrong on our side. Please try again later."

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.headers = headers or {}
        # What an upstream answered (e.g. {"cognito_error": ..., "operation": ...}): logged, never sent.
        self.upstream: dict[str, str] = {}
        # A refusal an operator must hear about although it is not our fault (Cognito throttling this API).
        self.alert = False

    def body(self) -> dict[str, str]:
        return {"error": self.message, "code": self.code}

    def caused_by(self, upstream: dict[str, str], *, alert: bool = False) -> Self:
        self.upstream, self.alert = upstream, alert
        return self


class InvalidJson(ApiError):
    status, code = 400, "InvalidJson"
    message = "The request body must be a JSON object."


class ValidationFailed(ApiError):
    status, code = 400, "ValidationFailed"
    message = "The request is not valid."


class InvalidPassword(ApiError):
    status, code = 400, "InvalidPassword"
    message = "The password does not meet the password policy."


class InvalidCode(ApiError):
    status, code = 400, "InvalidCode"
    message = "The verification code is not valid."


class ExpiredCode(ApiError):
    status, code = 400, "ExpiredCode"
    message = "The verification code has expired. Request a new one."


class InvalidCredentials(ApiError):
    status, code = 401, "InvalidCredentials"
    message = "Incorrect email or password."


class InvalidToken(ApiError):
    status, code = 401, "InvalidToken"
    message = "The token is missing, invalid, expired or revoked."


class UserNotConfirmed(ApiError):
    status, code = 403, "UserNotConfirmed"
    message = "The account is not confirmed yet. Enter the code we emailed you."


class PasswordResetRequired(ApiError):
    status, code = 403, "PasswordResetRequired"
    message = "A password reset is required for this account. Use forgot-password."


class ReauthenticationRequired(ApiError):
    status, code = 403, "ReauthenticationRequired"
    message = "This change needs a recent sign-in. Sign in again, then retry."


class FeatureDisabled(ApiError):
    status, code = 403, "FeatureDisabled"
    message = "This feature is not enabled for this API."


class Forbidden(ApiError):
    status, code = 403, "Forbidden"
    message = "The request was refused."


class NotFound(ApiError):
    status, code = 404, "NotFound"
    message = "No such route."


class PayloadTooLarge(ApiError):
    status, code = 413, "PayloadTooLarge"
    message = "The request body is too large."


class TooManyRequests(ApiError):
    status, code = 429, "TooManyRequests"
    message = "Too many requests. Please wait and try again."

    def __init__(self, message: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class ServiceUnavailable(ApiError):
    status, code = 503, "ServiceUnavailable"
    message = "The identity service is unavailable. Please try again shortly."

    def __init__(self, message: str | None = None, *, retry_after: int = 2) -> None:
        super().__init__(message, headers={"Retry-After": str(retry_after)})


class InternalError(ApiError):
    pass


ERROR_CODES: dict[str, int] = {
    cls.code: cls.status
    for cls in (
        InvalidJson,
        ValidationFailed,
        InvalidPassword,
        InvalidCode,
        ExpiredCode,
        InvalidCredentials,
        InvalidToken,
        UserNotConfirmed,
        PasswordResetRequired,
        ReauthenticationRequired,
        FeatureDisabled,
        Forbidden,
        NotFound,
        PayloadTooLarge,
        TooManyRequests,
        ServiceUnavailable,
        InternalError,
    )
}
"""Every code the API can return, with its status: the contract's fixed set (openapi.yaml lists the same)."""
