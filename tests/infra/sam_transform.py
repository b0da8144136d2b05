"""Run the SAM transform that CloudFormation runs on `sam deploy`, here, without an AWS account.

Runs under the SAM CLI's own interpreter (.venv-sam): its aws-sam-translator is the one `sam validate` uses, and the
test environment pins a pydantic that translator does not accept.

    .venv-sam/bin/python tests/infra/sam_transform.py template.yaml  < {"case": {"Param": "value"}}  > {"case": {...}}

Local CodeUri/ContentUri become S3 URIs, as `sam package` leaves them; pseudo parameters resolve to us-east-1.
"""

import copy
import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

PACKAGED = {
    "AWS::Serverless::Function": ("CodeUri", "s3://bucket/function.zip"),
    "AWS::Serverless::LayerVersion": ("ContentUri", "s3://bucket/layer.zip"),
}


class ManagedPolicyLoader:
    """No AWS managed policy is named in the template: the lookup (an IAM call) must never be needed."""

    def load(self) -> dict:
        raise AssertionError("the template names an AWS managed policy; the translator would call IAM")


def packaged(template: dict) -> dict:
    for resource in template["Resources"].values():
        if resource["Type"] in PACKAGED:
            key, uri = PACKAGED[resource["Type"]]
            resource["Properties"][key] = uri
    return template


def main() -> None:
    os.environ.update(AWS_DEFAULT_REGION="us-east-1", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x")
    with open(sys.argv[1]) as handle:
        template = packaged(yaml_parse(handle.read()))
    cases = json.load(sys.stdin)
    results = {
        name: transform(copy.deepcopy(template), dict(parameters), ManagedPolicyLoader())
        for name, parameters in cases.items()
    }
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
