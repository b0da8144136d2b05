"""What `make dev` and the in-process tests build from template.yaml: its Conditions decided for the parameters given,
the pool, app client, MFA settings and function environment that result, and the Cognito emulator (moto) taking
them. Locally every feature is on, as if SES were configured; without those local defaults the deployed defaults
apply."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3
import pytest

from local_api import cli, template

TEMPLATE = template.load_template()
DEFAULTS = template.parameter_defaults(TEMPLATE)
LOCAL = cli.template_params(TEMPLATE, [])


def params(**overrides: Any) -> dict[str, Any]:
    return {**DEFAULTS, **overrides}


# ------------------------------------------------------------------------------------------------ the evaluator
def test_conditions_are_decided_as_cloudformation_decides_them() -> None:
    ses = "arn:aws:ses:us-east-1:123456789012:identity/example.com"

    assert template.conditions(TEMPLATE, DEFAULTS)["RefreshTokenRotation"] is True
    assert template.conditions(TEMPLATE, DEFAULTS)["EmailMfa"] is False
    assert template.conditions(TEMPLATE, params(SesIdentityArn=ses))["EmailMfa"] is True
    assert template.conditions(TEMPLATE, params(SesIdentityArn=ses, UserPoolTier="LITE"))["EmailMfa"] is False
    existing = params(UserPoolMode="existing", SesIdentityArn=ses, ExistingUserPoolEmailSignIn="true")
    decided = template.conditions(TEMPLATE, existing)
    assert (decided["RefreshTokenRotation"], decided["EmailMfa"], decided["EmailSignIn"]) == (False, False, True)


def test_resolve_leaves_out_no_value_and_keeps_what_only_a_deploy_knows() -> None:
    document = {
        "Conditions": {"On": {"Fn::Equals": [{"Ref": "Mode"}, "on"]}, "Off": {"Fn::Not": [{"Condition": "On"}]}},
    }
    decided = template.conditions(document, {"Mode": "on"})
    value = {
        "kept": {"Fn::If": ["On", "yes", "no"]},
        "dropped": {"Fn::If": ["Off", "yes", {"Ref": "AWS::NoValue"}]},
        "list": ["a", {"Fn::If": ["Off", "b", {"Ref": "AWS::NoValue"}]}],
        "resource": {"Ref": "UserPool"},
        "unknown": {"Fn::If": ["Elsewhere", "x", "y"]},
        "stack": {"Fn::Sub": ["${AWS::StackName}-${Suffix}", {"Suffix": {"Ref": "Mode"}}]},
    }

    assert decided == {"On": True, "Off": False}
    assert template.resolve(value, {"Mode": "on"}, decided) == {
        "kept": "yes",
        "list": ["a"],
        "resource": {"Ref": "UserPool"},
        "unknown": {"Fn::If": ["Elsewhere", "x", "y"]},
        "stack": "local-on",
    }


def test_short_form_condition_references_load_as_cloudformation_json() -> None:
    assert TEMPLATE["Conditions"]["ClientSecretInSsm"]["Fn::And"][0] == {"Fn::Not": [{"Condition": "CreateUserPool"}]}


# ---------------------------------------------------------------------------------- make dev: every feature on
def test_make_dev_runs_as_if_the_pool_sent_its_email_through_ses() -> None:
    pool = template.user_pool_kwargs(TEMPLATE, LOCAL)

    assert pool["EmailConfiguration"]["EmailSendingAccount"] == "DEVELOPER"
    assert pool["EmailConfiguration"]["SourceArn"] == cli.LOCAL_PARAMETERS["SesIdentityArn"]
    assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == ["PASSWORD", "EMAIL_OTP"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    assert template.enabled_mfas(TEMPLATE, LOCAL) == ("SOFTWARE_TOKEN_MFA", "EMAIL_OTP")
    assert template.refresh_token_rotation(TEMPLATE, LOCAL) == template.RefreshTokenRotation(True, 10)
    env = template.function_environment(TEMPLATE, LOCAL)
    assert {k: env[k] for k in ("REFRESH_TOKEN_ROTATION", "EMAIL_MFA", "EMAIL_SIGN_IN", "RECENT_SIGN_IN_MINUTES")} == {
        "REFRESH_TOKEN_ROTATION": "true",
        "EMAIL_MFA": "true",
        "EMAIL_SIGN_IN": "true",
        "RECENT_SIGN_IN_MINUTES": "15",
    }


def test_a_local_parameter_overrides_the_local_defaults() -> None:
    lite = cli.template_params(TEMPLATE, ["UserPoolTier=LITE"])
    no_ses = cli.template_params(TEMPLATE, ["SesIdentityArn=", "SesFromAddress="])

    assert template.refresh_token_rotation(TEMPLATE, lite).enabled is False
    assert "ALLOW_REFRESH_TOKEN_AUTH" in template.user_pool_client_kwargs(TEMPLATE, "pool", lite)["ExplicitAuthFlows"]
    assert template.function_environment(TEMPLATE, no_ses)["EMAIL_MFA"] == "false"
    assert template.user_pool_kwargs(TEMPLATE, no_ses)["EmailConfiguration"] == {
        "EmailSendingAccount": "COGNITO_DEFAULT"
    }


def test_tests_in_process_get_the_deployed_defaults() -> None:
    env = template.function_environment(TEMPLATE)

    assert (env["REFRESH_TOKEN_ROTATION"], env["EMAIL_MFA"], env["EMAIL_SIGN_IN"]) == ("true", "false", "false")
    assert template.enabled_mfas(TEMPLATE) == ("SOFTWARE_TOKEN_MFA",)


def test_token_lifetimes_follow_the_parameters_and_their_units() -> None:
    assert template.token_validity(TEMPLATE) == template.TokenValidity(
        access=timedelta(minutes=15), id=timedelta(minutes=15), refresh=timedelta(days=30)
    )
    longer = template.token_validity(TEMPLATE, params(AccessTokenValidityMinutes=60, RefreshTokenValidityDays=1))
    assert (longer.access, longer.id, longer.refresh) == (timedelta(hours=1), timedelta(hours=1), timedelta(days=1))


def test_cloudformation_only_properties_become_cognito_api_calls() -> None:
    pool = template.user_pool_kwargs(TEMPLATE, LOCAL)
    mfa = template.user_pool_mfa_config_kwargs(TEMPLATE, "us-east-1_Local", LOCAL)

    assert "EnabledMfas" not in pool
    assert "MfaConfiguration" not in pool
    assert pool["PoolName"] == "local-users"
    assert pool["UserPoolTags"] == {"auth-api-stack": "local"}
    assert mfa == {
        "UserPoolId": "us-east-1_Local",
        "MfaConfiguration": "OPTIONAL",
        "SoftwareTokenMfaConfiguration": {"Enabled": True},
        "EmailMfaConfiguration": {},
    }


@pytest.mark.usefixtures("aws")
def test_the_emulator_builds_the_pool_and_client_make_dev_describes() -> None:
    idp = boto3.client("cognito-idp", region_name="us-east-1")

    pool_id = idp.create_user_pool(**template.user_pool_kwargs(TEMPLATE, LOCAL))["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(**template.user_pool_mfa_config_kwargs(TEMPLATE, pool_id, LOCAL))
    client_id = idp.create_user_pool_client(**template.user_pool_client_kwargs(TEMPLATE, pool_id, LOCAL))[
        "UserPoolClient"
    ]["ClientId"]

    pool = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["UserPoolTier"] == "ESSENTIALS"
    assert pool["DeletionProtection"] == "ACTIVE"
    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert pool["Policies"]["SignInPolicy"] == {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}
    mfa = idp.get_user_pool_mfa_config(UserPoolId=pool_id)
    assert mfa["MfaConfiguration"] == "OPTIONAL"
    assert mfa["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    client = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert client["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": 10}
    assert sorted(client["ExplicitAuthFlows"]) == ["ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
