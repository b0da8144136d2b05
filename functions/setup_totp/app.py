"""POST /auth/mfa/totp: a new TOTP secret (and otpauth:// URI) for the signed-in user's authenticator app."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_auth import mfa, service
from cognito_auth.http import bearer_token, new_app
from cognito_auth.observability import logger, metrics

app = new_app()
service.prepare(reads_secret=False)  # the Cognito client is created in Lambda's init phase (docs/performance.md)


@app.post("/auth/mfa/totp")
def handle() -> tuple[dict[str, Any], int]:
    return mfa.setup_totp(bearer_token(app)), 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
