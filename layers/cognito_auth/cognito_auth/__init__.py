"""Shared Cognito helpers for the auth API's Lambda functions (deployed as one SAM layer)."""
