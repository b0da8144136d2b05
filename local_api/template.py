"""Read template.yaml so that local runs and tests use the deployed stack's own settings, never a second copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form intrinsic functions (!Ref, !Sub, !GetAtt ...)."""


def _intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open() as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return document


def parameter_defaults(template: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, spec in template.get("Parameters", {}).items():
        default = spec.get("Default")
        params[name] = int(default) if spec.get("Type") == "Number" and default is not None else default
    return params


# What the pseudo parameters are locally: a stack called "local" in the emulator's account and region.
PSEUDO_PARAMETERS: dict[str, str] = {
    "AWS::StackName": "local",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}
_NO_VALUE = object()  # AWS::NoValue: the key, or the list item, is left out


def conditions(template: dict[str, Any], params: dict[str, Any]) -> dict[str, bool]:
    """Every entry of the template's Conditions, decided for these parameter values as CloudFormation decides it
    (Fn::Equals, Fn::And, Fn::Or, Fn::Not and Condition)."""
    definitions: dict[str, Any] = template.get("Conditions", {})
    decided: dict[str, bool] = {}

    def holds(expression: Any) -> bool:
        if not isinstance(expression, dict) or len(expression) != 1:
            raise ValueError(f"not a condition: {expression!r}")
        ((function, args),) = expression.items()
        if function == "Condition":
            return decide(str(args))
        if function == "Fn::Equals":
            left, right = (resolve(arg, params) for arg in args)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not holds(args[0])
        if function == "Fn::And":
            return all(holds(arg) for arg in args)
        if function == "Fn::Or":
            return any(holds(arg) for arg in args)
        raise ValueError(f"condition function {function} is not supported here")

    def decide(name: str) -> bool:
        if name not in decided:
            decided[name] = holds(definitions[name])
        return decided[name]

    for name in definitions:
        decide(name)
    return decided


def resolve(value: Any, params: dict[str, Any], decided: dict[str, bool] | None = None) -> Any:
    """Substitute parameter and pseudo-parameter references and, given the `decided` conditions (`conditions()`),
    choose each Fn::If branch and leave out AWS::NoValue. References to resources stay as they are, and so does an
    Fn::If whose condition is not among `decided`."""
    result = _resolve(value, params, decided or {})
    return None if result is _NO_VALUE else result


def _resolve(value: Any, params: dict[str, Any], decided: dict[str, bool]) -> Any:
    if isinstance(value, list):
        return [v for v in (_resolve(item, params, decided) for item in value) if v is not _NO_VALUE]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((function, args),) = value.items()
        if function == "Ref":
            if args == "AWS::NoValue":
                return _NO_VALUE
            if args in params:
                return params[args]
            return PSEUDO_PARAMETERS.get(args, value)
        if function == "Fn::If" and args[0] in decided:
            return _resolve(args[1] if decided[args[0]] else args[2], params, decided)
        if function == "Fn::Sub":
            return _sub(args, params, decided)
        if function == "Fn::Split" and isinstance(args, list) and len(args) == 2:
            delimiter, text = args[0], _resolve(args[1], params, decided)
            if isinstance(delimiter, str) and isinstance(text, str):
                return text.split(delimiter)
        if function == "Fn::Select" and isinstance(args, list) and len(args) == 2:
            index, items = _resolve(args[0], params, decided), _resolve(args[1], params, decided)
            if str(index).isdigit() and isinstance(items, list) and int(index) < len(items):
                return items[int(index)]
    resolved = {k: _resolve(v, params, decided) for k, v in value.items()}
    return {k: v for k, v in resolved.items() if v is not _NO_VALUE}


def _sub(args: Any, params: dict[str, Any], decided: dict[str, bool]) -> Any:
    text, variables = (args, {}) if isinstance(args, str) else (args[0], _resolve(args[1], params, decided))
    if not isinstance(text, str):
        return {"Fn::Sub": args}
    for name, param in {**PSEUDO_PARAMETERS, **params, **variables}.items():
        if not isinstance(param, dict | list):
            text = text.replace("${" + name + "}", str(param))
    return text


def evaluate(template: dict[str, Any], value: Any, params: dict[str, Any] | None = None) -> Any:
    """`value` (a part of `template`) as CloudFormation would deploy it with these parameters (default: the
    template's defaults): parameters substituted, conditions decided."""
    params = parameter_defaults(template) if params is None else params
    return resolve(value, params, conditions(template, params))


def resource_properties(template: dict[str, Any], resource_type: str, params: dict[str, Any]) -> dict[str, Any]:
    matches = [r for r in template["Resources"].values() if r["Type"] == resource_type]
    if len(matches) != 1:
        raise ValueError(f"template.yaml must define exactly one {resource_type}")
    return dict(evaluate(template, matches[0].get("Properties", {}), params))


def user_pool_kwargs(template: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Arguments for cognito-idp CreateUserPool, taken from the template's AWS::Cognito::UserPool.

    UserPoolTier, DeletionProtection, EmailConfiguration, UserAttributeUpdateSettings, Policies (SignInPolicy too)
    and UserPoolTags are CreateUserPool parameters of the same names. MfaConfiguration and EnabledMfas are applied
    by CloudFormation after the pool exists, with SetUserPoolMfaConfig: `user_pool_mfa_config_kwargs`."""
    params = params or parameter_defaults(template)
    props = resource_properties(template, "AWS::Cognito::UserPool", params)
    props["PoolName"] = props.pop("UserPoolName", "local-users")
    for key in ("MfaConfiguration", "EnabledMfas"):
        props.pop(key, None)
    return props


def enabled_mfas(template: dict[str, Any], params: dict[str, Any] | None = None) -> tuple[str, ...]:
    """The second factors the template's pool offers (SOFTWARE_TOKEN_MFA, EMAIL_OTP, SMS_MFA)."""
    props = resource_properties(template, "AWS::Cognito::UserPool", params or parameter_defaults(template))
    return tuple(props.get("EnabledMfas", ()))


def user_pool_mfa_config_kwargs(
    template: dict[str, Any], user_pool_id: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Arguments for cognito-idp SetUserPoolMfaConfig: the pool's MfaConfiguration and EnabledMfas, as CloudFormation
    applies them."""
    props = resource_properties(template, "AWS::Cognito::UserPool", params or parameter_defaults(template))
    mfas = enabled_mfas(template, params)
    kwargs: dict[str, Any] = {
        "UserPoolId": user_pool_id,
        "MfaConfiguration": props.get("MfaConfiguration", "OFF"),
        "SoftwareTokenMfaConfiguration": {"Enabled": "SOFTWARE_TOKEN_MFA" in mfas},
    }
    if "EMAIL_OTP" in mfas:
        kwargs["EmailMfaConfiguration"] = {}
    return kwargs


def user_pool_client_kwargs(
    template: dict[str, Any], user_pool_id: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Arguments for cognito-idp CreateUserPoolClient, taken from the template's AWS::Cognito::UserPoolClient
    (RefreshTokenRotation is a CreateUserPoolClient parameter too)."""
    params = params or parameter_defaults(template)
    props = resource_properties(template, "AWS::Cognito::UserPoolClient", params)
    props["UserPoolId"] = user_pool_id
    return props


@dataclass(frozen=True)
class RefreshTokenRotation:
    """The app client's refresh token rotation: each refresh returns a new refresh token, and the one it replaces
    keeps working for `retry_grace_period_seconds` only."""

    enabled: bool
    retry_grace_period_seconds: int = 0


def refresh_token_rotation(template: dict[str, Any], params: dict[str, Any] | None = None) -> RefreshTokenRotation:
    props = resource_properties(template, "AWS::Cognito::UserPoolClient", params or parameter_defaults(template))
    rotation = props.get("RefreshTokenRotation") or {}
    return RefreshTokenRotation(
        enabled=rotation.get("Feature") == "ENABLED",
        retry_grace_period_seconds=int(rotation.get("RetryGracePeriodSeconds", 0)),
    )


@dataclass(frozen=True)
class TokenValidity:
    """How long the app client's tokens are valid."""

    access: timedelta
    id: timedelta
    refresh: timedelta


# Cognito's defaults when the client gives no value or no unit.
_TOKEN_DEFAULTS = {"AccessToken": (60, "minutes"), "IdToken": (60, "minutes"), "RefreshToken": (30, "days")}


def token_validity(template: dict[str, Any], params: dict[str, Any] | None = None) -> TokenValidity:
    props = resource_properties(template, "AWS::Cognito::UserPoolClient", params or parameter_defaults(template))
    units = props.get("TokenValidityUnits") or {}

    def validity(token: str) -> timedelta:
        default_value, default_unit = _TOKEN_DEFAULTS[token]
        value = int(props.get(f"{token}Validity", default_value))
        return timedelta(**{units.get(token, default_unit): value})

    return TokenValidity(access=validity("AccessToken"), id=validity("IdToken"), refresh=validity("RefreshToken"))


def function_environment(template: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, str]:
    """The Globals environment variables whose values do not depend on deployed resources, with the template's
    conditions decided (e.g. REFRESH_TOKEN_ROTATION, EMAIL_MFA)."""
    params = params or parameter_defaults(template)
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    resolved = evaluate(template, variables, params)
    return {k: str(v) for k, v in resolved.items() if not isinstance(v, dict)}


@dataclass(frozen=True)
class Route:
    """One `Api` event of one function: what API Gateway would route to it and how it authorizes the call."""

    function: str  # the function's logical id, e.g. SignUpFunction
    code_uri: str  # e.g. functions/signup/
    handler: str  # e.g. app.lambda_handler
    path: str  # as in the template, e.g. /auth/signup or /items/{id}
    method: str  # upper case; ANY matches every method
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cors:
    """The API's CORS preflight answer (SAM's `Cors` property; values are quoted strings in the template)."""

    allow_origin: str
    allow_headers: str | None = None
    allow_methods: str | None = None
    max_age: str | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class GatewayResponse:
    """One of SAM's GatewayResponses: how API Gateway dresses an answer it gives itself (401, 403, 5xx ...)."""

    status: int | None = None  # StatusCode, if it overrides the type's own
    headers: dict[str, str] = field(default_factory=dict)  # name -> "'static value'" or e.g. method.request.header.X
    templates: dict[str, str] = field(default_factory=dict)  # content type -> body template


@dataclass(frozen=True)
class Api:
    stage: str
    routes: tuple[Route, ...]
    cors: Cors | None = None
    authorizers: dict[str, str] = field(default_factory=dict)  # name -> identity header
    function_settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # logical id -> Timeout, MemorySize
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)  # response type -> response


def _unquote(value: Any) -> str | None:
    """SAM's Cors values are quoted ("'*'"); return the bare string."""
    if value is None:
        return None
    text = str(value)
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _cors(spec: Any) -> Cors | None:
    if spec is None:
        return None
    if isinstance(spec, str):  # the short form: Cors: "'origin'"
        return Cors(allow_origin=_unquote(spec) or "*")
    return Cors(
        allow_origin=_unquote(spec.get("AllowOrigin")) or "*",
        allow_headers=_unquote(spec.get("AllowHeaders")),
        allow_methods=_unquote(spec.get("AllowMethods")),
        max_age=_unquote(spec.get("MaxAge")),
        allow_credentials=bool(spec.get("AllowCredentials", False)),
    )


def _gateway_responses(spec: Any) -> dict[str, GatewayResponse]:
    responses = {}
    for response_type, response in (spec or {}).items():
        headers = (response.get("ResponseParameters") or {}).get("Headers") or {}
        status = response.get("StatusCode")
        responses[str(response_type)] = GatewayResponse(
            status=int(status) if str(status).isdigit() else None,
            headers={str(k): str(v) for k, v in headers.items() if isinstance(v, (str, int))},
            templates={str(k): str(v) for k, v in (response.get("ResponseTemplates") or {}).items()},
        )
    return responses


def api(template: dict[str, Any], params: dict[str, Any] | None = None) -> Api:
    """Every `Api` event of every AWS::Serverless::Function (path, method, authorizer, scopes), with the
    AWS::Serverless::Api settings that apply to them (stage, CORS, authorizers, gateway responses). The template is
    the only list."""
    params = params or parameter_defaults(template)
    decided = conditions(template, params)
    resources = template["Resources"]
    globals_function = resolve(template.get("Globals", {}).get("Function", {}), params, decided)
    globals_api = resolve(template.get("Globals", {}).get("Api", {}), params, decided)
    apis = {
        name: {**globals_api, **resolve(r.get("Properties", {}), params, decided)}
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Api"
    }
    implicit = dict(globals_api)
    routes: list[Route] = []
    used_apis: list[dict[str, Any]] = []
    function_settings: dict[str, dict[str, Any]] = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = {**globals_function, **resolve(resource.get("Properties", {}), params, decided)}
        function_settings[name] = {"Timeout": props.get("Timeout", 3), "MemorySize": props.get("MemorySize", 128)}
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "Api":
                continue
            event_props = event.get("Properties", {})
            rest_api = event_props.get("RestApiId")
            api_props = apis.get(rest_api["Ref"], implicit) if isinstance(rest_api, dict) else implicit
            used_apis.append(api_props)
            api_auth = api_props.get("Auth", {})
            event_auth = event_props.get("Auth", {})
            authorizer = event_auth.get("Authorizer", api_auth.get("DefaultAuthorizer"))
            if authorizer in (None, "NONE", "AWS_IAM"):
                authorizer, scopes = None, ()
            else:
                defaults = api_auth.get("Authorizers", {}).get(authorizer, {}).get("AuthorizationScopes", [])
                scopes = tuple(event_auth.get("AuthorizationScopes", defaults))
            routes.append(
                Route(
                    function=name,
                    code_uri=str(props["CodeUri"]),
                    handler=str(props.get("Handler", "app.lambda_handler")),
                    path=str(event_props["Path"]),
                    method=str(event_props["Method"]).upper(),
                    authorizer=authorizer,
                    scopes=scopes,
                )
            )
    if len({id(a) for a in used_apis}) > 1:
        raise ValueError("template.yaml: the local API serves one REST API; every Api event must use the same one")
    api_props = used_apis[0] if used_apis else implicit
    auth = api_props.get("Auth", {})
    return Api(
        stage=str(api_props.get("StageName", "Prod")),
        routes=tuple(routes),
        cors=_cors(api_props.get("Cors")),
        authorizers={
            name: str(spec.get("Identity", {}).get("Header", "Authorization"))
            for name, spec in auth.get("Authorizers", {}).items()
            if "UserPoolArn" in spec
        },
        function_settings=function_settings,
        gateway_responses=_gateway_responses(api_props.get("GatewayResponses")),
    )


def layer_dirs(template: dict[str, Any]) -> list[Path]:
    """The content directory of every AWS::Serverless::LayerVersion: what Lambda puts on a function's import path."""
    return [
        ROOT / str(r["Properties"]["ContentUri"])
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Serverless::LayerVersion" and isinstance(r.get("Properties", {}).get("ContentUri"), str)
    ]
