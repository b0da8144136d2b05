"""Logger and metrics, created once and configured only by POWERTOOLS_* environment variables."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
