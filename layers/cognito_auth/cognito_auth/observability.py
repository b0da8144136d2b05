"""Logger and metrics, created once and configured only by POWERTOOLS_* environment variables."""

import logging

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()

# botocore logs every request's parameters at DEBUG: passwords, codes and tokens. A function log level of DEBUG
# (Lambda's ApplicationLogLevel sets the root logger) must not turn that on.
logging.getLogger("botocore").setLevel(logging.INFO)
