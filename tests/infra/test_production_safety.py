"""What makes the stack safe to run in production (issue 12), on the template CloudFormation would build after the
SAM transform: per-client limits at the firewall, a pool that cannot be lost, email through SES, the pool's plan and
what it turns on, alarms and a dashboard, one CORS origin, and an account-wide logging role only on request."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from local_api import template as local_template
from local_api.template import load_template
from tests.infra.cfn import Stack
from tests.infra.conftest import CASES, EXISTING_POOL, NEW_POOL, ROOT, SES, transform
from tests.infra.test_transformed_template import api_body, of_type, the

every_case = pytest.mark.parametrize("case", list(CASES))
WAF_ON = [case for case in CASES if CASES[case].get("EnableWaf", "true") == "true"]
API_NAME = "auth-api-test-api"  # the RestApi's Name for the tests' stack name (tests/infra/cfn.py PSEUDO)


def deploy(stacks: dict[str, Stack], case: str, **overrides: str) -> dict[str, Any]:
    """The case's transformed template deployed with other parameter values."""
    stack = Stack(stacks[case].template, {**CASES[case], **overrides})
    assert stack.rule_failures() == []
    return stack.deployed()


def environment(resources: dict[str, Any]) -> dict[str, Any]:
    """The environment every function gets (Globals): the same for each, checked."""
    variables = [
        r["Properties"]["Environment"]["Variables"] for r in of_type(resources, "AWS::Lambda::Function").values()
    ]
    assert all(v == variables[0] for v in variables)
    return variables[0]


# --------------------------------------------------------------------------------------------- a pool that stays
@pytest.mark.parametrize("case", NEW_POOL)
def test_the_pool_outlives_the_stack_and_any_replacement(case: str, deployed: dict[str, Any]) -> None:
    (pool,) = of_type(deployed[case]["Resources"], "AWS::Cognito::UserPool").values()

    assert pool["DeletionPolicy"] == "Retain"
    assert pool["UpdateReplacePolicy"] == "Retain"


@pytest.mark.parametrize(("case", "protection"), [("prod", "ACTIVE"), ("prod-with-ses", "ACTIVE"), ("dev", "INACTIVE")])
def test_production_refuses_to_delete_its_pool_and_dev_can_be_torn_down(
    case: str, protection: str, deployed: dict[str, Any]
) -> None:
    assert the(deployed[case]["Resources"], "AWS::Cognito::UserPool")["DeletionProtection"] == protection


def test_deletion_protection_is_on_unless_a_deployment_turns_it_off() -> None:
    assert load_template()["Parameters"]["UserPoolDeletionProtection"]["Default"] == "ACTIVE"


# ---------------------------------------------------------------------------------------------------- email
def test_production_email_goes_through_the_given_ses_identity(deployed: dict[str, Any]) -> None:
    email = the(deployed["prod-with-ses"]["Resources"], "AWS::Cognito::UserPool")["EmailConfiguration"]

    assert email == {
        "EmailSendingAccount": "DEVELOPER",
        "SourceArn": SES["SesIdentityArn"],
        "From": SES["SesFromAddress"],
        "ConfigurationSet": SES["SesConfigurationSet"],
    }


@pytest.mark.parametrize("case", ["dev", "prod"])
def test_without_an_ses_identity_the_pool_keeps_cognitos_own_sender(case: str, deployed: dict[str, Any]) -> None:
    email = the(deployed[case]["Resources"], "AWS::Cognito::UserPool")["EmailConfiguration"]

    assert email == {"EmailSendingAccount": "COGNITO_DEFAULT"}


# ------------------------------------------------------------------------------------- the plan and what it allows
# case -> (plan, rotation, email codes): Essentials rotates refresh tokens; email codes need SES as well; Lite has
# neither, SES or not.
PLANS = {
    "dev": ("ESSENTIALS", True, False),
    "prod": ("ESSENTIALS", True, False),
    "prod-with-ses": ("ESSENTIALS", True, True),
    "dev-lite": ("LITE", False, False),
}


@pytest.mark.parametrize("case", NEW_POOL)
def test_the_plan_turns_on_what_it_has_and_leaves_off_what_it_lacks(case: str, deployed: dict[str, Any]) -> None:
    plan, rotation, email_codes = PLANS[case]
    resources = deployed[case]["Resources"]
    pool = the(resources, "AWS::Cognito::UserPool")
    client = the(resources, "AWS::Cognito::UserPoolClient")

    assert pool["UserPoolTier"] == plan
    assert client["RefreshTokenRotation"]["Feature"] == ("ENABLED" if rotation else "DISABLED")
    assert ("ALLOW_REFRESH_TOKEN_AUTH" in client["ExplicitAuthFlows"]) is not rotation
    assert ("PasswordHistorySize" in pool["Policies"]["PasswordPolicy"]) is (plan != "LITE")
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA", *(["EMAIL_OTP"] if email_codes else [])]
    assert pool["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"] == [
        "PASSWORD",
        *(["EMAIL_OTP"] if email_codes else []),
    ]
    env = environment(resources)
    assert (env["REFRESH_TOKEN_ROTATION"], env["EMAIL_MFA"], env["EMAIL_SIGN_IN"]) == (
        str(rotation).lower(),
        str(email_codes).lower(),
        str(email_codes).lower(),
    )


def test_rotation_keeps_the_chosen_grace_period(stacks: dict[str, Stack]) -> None:
    client = the(
        deploy(stacks, "prod", RefreshTokenRotationGracePeriodSeconds="45")["Resources"], "AWS::Cognito::UserPoolClient"
    )

    assert client["RefreshTokenRotation"] == {"Feature": "ENABLED", "RetryGracePeriodSeconds": "45"}


def test_the_plan_defaults_to_essentials() -> None:
    assert load_template()["Parameters"]["UserPoolTier"]["Default"] == "ESSENTIALS"


@pytest.mark.parametrize("case", NEW_POOL)
def test_mfa_is_optional_with_totp_and_never_sms(case: str, deployed: dict[str, Any], stacks: dict[str, Stack]) -> None:
    pool = the(deployed[case]["Resources"], "AWS::Cognito::UserPool")
    required = the(deploy(stacks, case, MfaConfiguration="ON")["Resources"], "AWS::Cognito::UserPool")

    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert required["MfaConfiguration"] == "ON"
    assert "SOFTWARE_TOKEN_MFA" in pool["EnabledMfas"]
    assert "SMS_MFA" not in pool["EnabledMfas"]
    assert "SmsConfiguration" not in pool


@pytest.mark.parametrize("case", NEW_POOL)
def test_a_changed_email_counts_only_once_verified(case: str, deployed: dict[str, Any]) -> None:
    pool = the(deployed[case]["Resources"], "AWS::Cognito::UserPool")

    assert pool["UserAttributeUpdateSettings"] == {"AttributesRequireVerificationBeforeUpdate": ["email"]}
    assert "email" in pool["AutoVerifiedAttributes"]


@every_case
def test_functions_learn_how_recent_a_sign_in_must_be(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    assert environment(deployed[case]["Resources"])["RECENT_SIGN_IN_MINUTES"] == "15"
    assert environment(deploy(stacks, case, RecentSignInMinutes="5")["Resources"])["RECENT_SIGN_IN_MINUTES"] == "5"


@pytest.mark.parametrize("case", EXISTING_POOL)
def test_an_existing_pools_features_are_off_unless_the_team_says_it_has_them(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    # The stack cannot see an existing pool's plan, email or client: the plan and SES parameters do not count.
    flags = ("REFRESH_TOKEN_ROTATION", "EMAIL_MFA", "EMAIL_SIGN_IN")
    assert [environment(deployed[case]["Resources"])[f] for f in flags] == ["false"] * 3
    plus = deploy(stacks, case, UserPoolTier="PLUS")
    assert [environment(plus["Resources"])[f] for f in flags] == ["false"] * 3

    declared = deploy(
        stacks,
        case,
        ExistingUserPoolRefreshTokenRotation="true",
        ExistingUserPoolEmailMfa="true",
        ExistingUserPoolEmailSignIn="false",
    )
    assert [environment(declared["Resources"])[f] for f in flags] == ["true", "true", "false"]


# ------------------------------------------------------------------------------------------ per-client limits
# Routes that take an email, a password or a code, and the account and challenge routes: the firewall's tighter
# per-IP limit. The first six exist; the others are being built (a path that does not exist matches nothing).
TIGHT = [
    "/auth/signup",
    "/auth/confirm",
    "/auth/resend-code",
    "/auth/signin",
    "/auth/forgot-password",
    "/auth/reset-password",
    "/auth/signin/email-code",
    "/auth/challenge",
    "/auth/change-password",
    "/auth/change-email",
    "/auth/verify-email",
    "/auth/me",
    "/auth/mfa",
    "/auth/mfa/totp",
    "/auth/mfa/totp/verify",
]
# Need a valid token; only the per-IP limit on every route applies to them.
LOOSE = ["/auth/refresh", "/auth/signout", "/auth/revoke", "/getData", "/auth/signins", "/auth/me/data"]


def web_acl(resources: dict[str, Any]) -> dict[str, Any]:
    return the(resources, "AWS::WAFv2::WebACL")


def rules(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["Name"]: rule for rule in web_acl(resources)["Rules"]}


@pytest.mark.parametrize("case", WAF_ON)
def test_the_firewall_guards_the_apis_only_stage(case: str, deployed: dict[str, Any]) -> None:
    resources = deployed[case]["Resources"]
    (stage,) = of_type(resources, "AWS::ApiGateway::Stage")
    association = the(resources, "AWS::WAFv2::WebACLAssociation")

    assert association["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert association["ResourceArn"] == {
        "Fn::Sub": f"arn:aws:apigateway:us-east-1::/restapis/${{AuthApi}}/stages/${{{stage}}}"
    }
    assert web_acl(resources)["Scope"] == "REGIONAL"
    assert web_acl(resources)["DefaultAction"] == {"Allow": {}}


@pytest.mark.parametrize("case", WAF_ON)
def test_each_ip_has_its_own_budget_tighter_on_the_routes_worth_guessing(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    found = rules(deployed[case]["Resources"])
    parameters = stacks[case].parameters
    tight = found["per-ip-auth-routes"]["Statement"]["RateBasedStatement"]
    every = found["per-ip-all-routes"]["Statement"]["RateBasedStatement"]

    assert tight["AggregateKeyType"] == every["AggregateKeyType"] == "IP"
    assert tight["Limit"] == parameters["WafAuthRateLimit"]
    assert every["Limit"] == parameters["WafRateLimit"]
    assert int(tight["Limit"]) < int(every["Limit"])
    assert "ScopeDownStatement" not in every
    pattern = re.compile(tight["ScopeDownStatement"]["RegexMatchStatement"]["RegexString"])
    stage = parameters["StageName"]
    for path in TIGHT:
        # Through the stage's URL, a custom domain without it, and with a trailing slash.
        for seen in (f"/{stage}{path}", path, f"/{stage}{path}/"):
            assert pattern.search(seen), seen
    for path in LOOSE:
        assert not pattern.search(f"/{stage}{path}"), path


@pytest.mark.parametrize("case", WAF_ON)
def test_a_limited_client_gets_429_with_retry_after_and_cors_like_the_stages_own(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    resources = deployed[case]["Resources"]
    bodies = web_acl(resources)["CustomResponseBodies"]

    for name in ("per-ip-auth-routes", "per-ip-all-routes"):
        response = rules(resources)[name]["Action"]["Block"]["CustomResponse"]
        assert response["ResponseCode"] == 429
        assert json.loads(bodies[response["CustomResponseBodyKey"]]["Content"]) == {"message": "Too Many Requests"}
        headers = {h["Name"]: h["Value"] for h in response["ResponseHeaders"]}
        assert int(headers["Retry-After"]) > 0
        assert headers["Access-Control-Allow-Origin"] == stacks[case].parameters["AllowedOrigins"]


@pytest.mark.parametrize("case", WAF_ON)
def test_addresses_known_for_attacks_are_refused_by_awss_reputation_list(case: str, deployed: dict[str, Any]) -> None:
    rule = rules(deployed[case]["Resources"])["aws-ip-reputation"]

    assert rule["Statement"]["ManagedRuleGroupStatement"] == {
        "VendorName": "AWS",
        "Name": "AWSManagedRulesAmazonIpReputationList",
    }
    assert rule["OverrideAction"] == {"None": {}}  # its own Block actions apply, not Count
    assert rule["Priority"] < min(
        r["Priority"] for n, r in rules(deployed[case]["Resources"]).items() if n != rule["Name"]
    )


@pytest.mark.parametrize("case", WAF_ON)
def test_the_firewall_logs_blocked_requests_without_their_tokens(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    resources = deployed[case]["Resources"]
    logging = the(resources, "AWS::WAFv2::LoggingConfiguration")
    group = resources["WafLogGroup"]["Properties"]

    assert logging["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}]
    assert logging["LoggingFilter"]["DefaultBehavior"] == "DROP"
    assert logging["LoggingFilter"]["Filters"] == [
        {"Behavior": "KEEP", "Requirement": "MEETS_ANY", "Conditions": [{"ActionCondition": {"Action": "BLOCK"}}]}
    ]
    assert group["LogGroupName"].startswith("aws-waf-logs-")
    assert group["RetentionInDays"] == stacks[case].parameters["LogRetentionDays"]
    # Sampled requests would keep blocked requests' Authorization headers for three hours.
    configs = [web_acl(resources)["VisibilityConfig"], *(r["VisibilityConfig"] for r in rules(resources).values())]
    assert all(c["SampledRequestsEnabled"] is False and c["CloudWatchMetricsEnabled"] is True for c in configs)


@pytest.mark.parametrize("case", [c for c in CASES if c not in WAF_ON])
def test_without_the_firewall_nothing_of_it_is_deployed_or_paid_for(case: str, deployed: dict[str, Any]) -> None:
    assert [r["Type"] for r in deployed[case]["Resources"].values() if r["Type"].startswith("AWS::WAFv2::")] == []
    assert "WafBlocksAlarm" not in deployed[case]["Resources"]


def test_dev_runs_without_the_firewall_and_prod_with_it() -> None:
    assert CASES["dev"]["EnableWaf"] == "false"
    assert CASES["prod"]["EnableWaf"] == "true"


# ------------------------------------------------------------------------------------------------------- CORS
@every_case
def test_the_preflight_and_api_gateways_own_answers_name_the_one_allowed_origin(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    body = api_body(deployed[case]["Resources"])
    origin = f"'{stacks[case].parameters['AllowedOrigins']}'"

    for path, methods in body["paths"].items():
        preflight = methods["options"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
        assert preflight["method.response.header.Access-Control-Allow-Origin"] == origin, path
        allowed = preflight["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert set(allowed) >= {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}, path
    for kind, response in body["x-amazon-apigateway-gateway-responses"].items():
        assert response["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == origin, kind


def test_production_serves_its_web_origin() -> None:
    assert CASES["prod-with-ses"]["AllowedOrigins"] == "https://app.example.com"


# ------------------------------------------------------------------------------------- account-wide logging role
@every_case
def test_the_accounts_api_gateway_logging_role_is_left_alone_unless_asked(
    case: str, deployed: dict[str, Any], stacks: dict[str, Stack]
) -> None:
    assert not of_type(deployed[case]["Resources"], "AWS::ApiGateway::Account")
    asked = deploy(stacks, case, ApiGatewayLoggingRole="create")["Resources"]
    (account,) = of_type(asked, "AWS::ApiGateway::Account").values()
    assert account["DeletionPolicy"] == "Retain"
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayCloudWatchLogsRole", "Arn"]}


# ---------------------------------------------------------------------------------------- alarms and dashboard
ALARMS = {
    "api-5xx-rate",
    "api-p99-latency",
    "function-failures",
    "lambda-throttles",
    "cognito-throttled",
    "cognito-unavailable",
}


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        a["Properties"]["AlarmName"].removeprefix("auth-api-test-"): a["Properties"]
        for a in of_type(resources, "AWS::CloudWatch::Alarm").values()
    }


@every_case
def test_every_alarm_notifies_the_alarm_topic_when_it_fires_and_when_it_clears(
    case: str, deployed: dict[str, Any]
) -> None:
    found = alarms(deployed[case]["Resources"])

    assert set(found) == ALARMS | ({"waf-blocks"} if case in WAF_ON else set())
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert len(alarm["AlarmDescription"]) > 30, name


@pytest.mark.parametrize(("case", "address"), [("prod-with-ses", "oncall@example.com"), ("prod", None), ("dev", None)])
def test_an_alarm_address_is_subscribed_only_when_given(
    case: str, address: str | None, deployed: dict[str, Any]
) -> None:
    subscriptions = of_type(deployed[case]["Resources"], "AWS::SNS::Subscription")

    assert [s["Properties"]["Endpoint"] for s in subscriptions.values()] == ([address] if address else [])
    assert all(s["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"} for s in subscriptions.values())


def dimensions(metric: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}


@every_case
def test_the_api_alarms_watch_this_apis_stage(case: str, deployed: dict[str, Any], stacks: dict[str, Stack]) -> None:
    resources = deployed[case]["Resources"]
    found = alarms(resources)
    stage = {"ApiName": API_NAME, "Stage": stacks[case].parameters["StageName"]}
    (api,) = of_type(resources, "AWS::ApiGateway::RestApi").values()

    assert api["Properties"]["Name"] == API_NAME
    assert dimensions(found["api-p99-latency"]) == stage
    assert found["api-p99-latency"]["ExtendedStatistic"] == "p99"
    assert found["api-p99-latency"]["Threshold"] == stacks[case].parameters["LatencyAlarmMilliseconds"]
    rate = {m["Id"]: m for m in found["api-5xx-rate"]["Metrics"]}
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in rate.values() if "MetricStat" in m} == {
        "5XXError",
        "Count",
    }
    assert all(dimensions(m["MetricStat"]["Metric"]) == stage for m in rate.values() if "MetricStat" in m)
    assert [m["Id"] for m in rate.values() if m.get("ReturnData")] == ["rate"]


@pytest.mark.parametrize("case", WAF_ON)
def test_the_firewall_alarm_watches_this_web_acl(case: str, deployed: dict[str, Any]) -> None:
    resources = deployed[case]["Resources"]

    assert dimensions(alarms(resources)["waf-blocks"]) == {
        "WebACL": web_acl(resources)["Name"],
        "Region": "us-east-1",
        "Rule": "ALL",
    }


def access_log_fields(resources: dict[str, Any]) -> set[str]:
    stage = the(resources, "AWS::ApiGateway::Stage")
    return set(json.loads(re.sub(r"\$context\.[\w.]+", "x", stage["AccessLogSetting"]["Format"])))


@every_case
def test_the_log_based_alarms_count_from_fields_their_logs_have(case: str, deployed: dict[str, Any]) -> None:
    resources = deployed[case]["Resources"]
    filters = {
        f["Properties"]["MetricTransformations"][0]["MetricName"]: f["Properties"]
        for f in of_type(resources, "AWS::Logs::MetricFilter").values()
    }
    found = alarms(resources)

    assert set(filters) == {"FunctionFailures", "CognitoThrottled", "CognitoUnavailable"}
    assert filters["FunctionFailures"]["LogGroupName"] == {"Ref": "FunctionLogGroup"}
    assert "platform.report" in filters["FunctionFailures"]["FilterPattern"]
    for name in ("CognitoThrottled", "CognitoUnavailable"):
        assert filters[name]["LogGroupName"] == {"Ref": "ApiAccessLogGroup"}
        # Only answers a function gave (Lambda's own status 200), not API Gateway's throttling or the firewall's.
        assert '$.integrationStatus = "200"' in filters[name]["FilterPattern"]
        assert set(re.findall(r"\$\.(\w+)", filters[name]["FilterPattern"])) <= access_log_fields(resources)
    for alarm, metric in (
        ("function-failures", "FunctionFailures"),
        ("cognito-throttled", "CognitoThrottled"),
        ("cognito-unavailable", "CognitoUnavailable"),
    ):
        assert found[alarm]["MetricName"] == metric
        assert found[alarm]["Namespace"] == filters[metric]["MetricTransformations"][0]["MetricNamespace"]
    assert found["lambda-throttles"]["Namespace"] == "AWS/Lambda"


# What the functions publish (Powertools, namespace AuthApi, dimension service=auth-api): found in their code and in
# the layer's one answer point (any 4xx, any 5xx a function answers).
PUBLISHED = {
    name
    for source in [*(ROOT / "functions").glob("*/app.py"), ROOT / "layers/cognito_auth/cognito_auth/http.py"]
    for name in re.findall(r'add_metric\(\s*name="(\w+)"', source.read_text())
}
COMING: set[str] = set()


@every_case
def test_the_dashboard_shows_the_auth_funnel_from_the_functions_own_metrics(
    case: str, deployed: dict[str, Any]
) -> None:
    dashboard = the(deployed[case]["Resources"], "AWS::CloudWatch::Dashboard")
    body = json.loads(dashboard["DashboardBody"])
    metrics = [m for w in body["widgets"] for m in w["properties"]["metrics"]]
    shown = {m[1] for m in metrics if m[0] == "AuthApi"}

    assert {"SignUps", "Confirmations", "SignIns", "SignInFailures", "ClientErrors", "ServerErrors"} <= PUBLISHED
    assert shown == PUBLISHED | COMING
    assert all(m[2:4] == ["service", "auth-api"] for m in metrics if m[0] == "AuthApi")
    (funnel,) = [w for w in body["widgets"] if w["properties"]["title"].startswith("Auth funnel")]
    assert [m[1] for m in funnel["properties"]["metrics"]] == ["SignUps", "Confirmations", "SignIns", "SignInFailures"]
    # The alarms' own metrics and the API's, for this stack only.
    assert {m[1] for m in metrics if m[0] == "AuthApi/auth-api-test"} == {
        "FunctionFailures",
        "CognitoThrottled",
        "CognitoUnavailable",
    }
    assert all(API_NAME in m for m in metrics if m[0] in ("AWS/ApiGateway", "AWS/WAFV2"))


# ---------------------------------------------------------------------------------------- the cost of a route
def test_a_new_route_adds_its_function_role_and_permission_and_nothing_else(
    transformed: dict[str, Any], tmp_path: Path
) -> None:
    template = load_template()
    template["Resources"]["WhoAmIFunction"] = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "CodeUri": "functions/get_data/",
            "Events": {
                "Api": {
                    "Type": "Api",
                    "Properties": {"RestApiId": {"Ref": "AuthApi"}, "Path": "/auth/whoami", "Method": "get"},
                }
            },
        },
    }
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))

    grown = transform(path, {"prod": CASES["prod"]})["prod"]

    def kinds(t: dict[str, Any]) -> Counter[str]:
        return Counter(r["Type"] for r in t["Resources"].values())

    assert kinds(grown) - kinds(transformed["prod"]) == Counter(
        {"AWS::Lambda::Function": 1, "AWS::IAM::Role": 1, "AWS::Lambda::Permission": 1}
    )
    assert kinds(transformed["prod"]) - kinds(grown) == Counter()
    function = grown["Resources"]["WhoAmIFunction"]["Properties"]
    assert function["LoggingConfig"]["LogGroup"] == {"Ref": "FunctionLogGroup"}
    assert function["Environment"] == transformed["prod"]["Resources"]["SignInFunction"]["Properties"]["Environment"]


@every_case
def test_make_devs_evaluator_decides_every_condition_as_cloudformation_would(
    case: str, stacks: dict[str, Stack]
) -> None:
    source = load_template()
    params = {**local_template.parameter_defaults(source), **CASES[case]}

    assert local_template.conditions(source, params) == {
        name: stacks[case].condition(name) for name in source["Conditions"]
    }
