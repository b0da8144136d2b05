"""/auth/forgot-password: email a password reset code."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_auth import service
from cognito_auth.http import new_app, parse_body
from cognito_auth.models import EmailRequest
from cognito_auth.observability import logger, metrics

app = new_app()
service.prepare()  # the Cognito client is created in Lambda's init phase (docs/performance.md)


@app.post("/auth/forgot-password")
def handle() -> tuple[dict[str, Any], int]:
    body = parse_body(app, EmailRequest)
    result = service.forgot_password(body.email)
    metrics.add_metric(name="PasswordResetsRequested", unit=MetricUnit.Count, value=1)
    return result, 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
