"""POST /auth/verify-email: finish an email change with the code sent to the new address."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_auth import account, service
from cognito_auth.http import bearer_token, new_app, parse_body
from cognito_auth.models import CodeRequest
from cognito_auth.observability import logger, metrics

app = new_app()
service.prepare(reads_secret=False)  # the Cognito client is created in Lambda's init phase (docs/performance.md)


@app.post("/auth/verify-email")
def handle() -> tuple[dict[str, Any], int]:
    body = parse_body(app, CodeRequest)
    result = account.verify_email(bearer_token(app), body.code)
    metrics.add_metric(name="EmailsChanged", unit=MetricUnit.Count, value=1)
    return result, 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
