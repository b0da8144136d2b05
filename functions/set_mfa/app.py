"""PUT /auth/mfa: turn second factors on or off and choose the preferred one (turning one off needs a recent
sign-in); the answer is GET /auth/mfa's."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_auth import mfa, service
from cognito_auth.http import bearer_token, caller_claims, new_app, parse_body
from cognito_auth.models import MfaUpdate
from cognito_auth.observability import logger, metrics

app = new_app()
service.prepare(reads_secret=False)  # the Cognito client is created in Lambda's init phase (docs/performance.md)


@app.put("/auth/mfa")
def handle() -> tuple[dict[str, Any], int]:
    body = parse_body(app, MfaUpdate)
    result = mfa.set_mfa(
        bearer_token(app), caller_claims(app), totp=body.totp, email=body.email, preferred=body.preferred
    )
    metrics.add_metric(name="MfaPreferencesChanged", unit=MetricUnit.Count, value=1)
    return result, 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
