"""/getData: a protected endpoint showing how any secure endpoint trusts the caller's access token."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_auth.http import caller_claims, new_app
from cognito_auth.observability import logger, metrics

app = new_app()

SAMPLE_DATA = [
    {"id": 1, "title": "Welcome", "body": "Only signed-in users can read this."},
    {"id": 2, "title": "Tip", "body": "Send your access token as 'Authorization: Bearer <token>'."},
]


@app.get("/getData")
def handle() -> tuple[dict[str, Any], int]:
    claims = caller_claims(app)
    metrics.add_metric(name="DataReads", unit=MetricUnit.Count, value=1)
    return {"sub": claims["sub"], "username": claims.get("username", claims["sub"]), "data": SAMPLE_DATA}, 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
