"""POST /auth/challenge: answer the challenge a sign-in met (new password, MFA code, choice of factor, TOTP set-up)."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from cognito_auth import challenges, service
from cognito_auth.http import new_app, parse_body
from cognito_auth.models import ChallengeAnswer
from cognito_auth.observability import logger, metrics

app = new_app()
service.prepare()  # the Cognito client is created in Lambda's init phase (docs/performance.md)


@app.post("/auth/challenge")
def handle() -> tuple[dict[str, Any], int]:
    body = parse_body(app, ChallengeAnswer)
    result = challenges.respond(
        body.session, new_password=body.new_password, code=body.code, mfa=body.mfa, challenge=body.challenge
    )
    metrics.add_metric(name="ChallengesAnswered", unit=MetricUnit.Count, value=1)
    if "access_token" in result:  # a sign-in that met a challenge counts as a sign-in once it has its tokens
        metrics.add_metric(name="SignIns", unit=MetricUnit.Count, value=1)
    return result, 200


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
