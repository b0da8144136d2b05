"""Read template.yaml so that local runs and tests use the deployed stack's own settings, never a second copy."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that understands CloudFormation's short-form intrinsic functions (!Ref, !Sub, !GetAtt ...)."""


def _intrinsic(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
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


def _sub(text: str, variables: dict[str, Any]) -> str:
    for name, value in variables.items():
        if not isinstance(value, (dict, list)):
            text = text.replace("${" + name + "}", str(value))
    return text


def resolve(value: Any, params: dict[str, Any]) -> Any:
    """Substitute parameter references (Ref, Fn::Sub, and Fn::Select and Fn::Split over them); leave references to
    resources as they are."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in params:
            return params[value["Ref"]]
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return _sub(value["Fn::Sub"], {**params, "AWS::StackName": "local"})
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], list) and len(value["Fn::Sub"]) == 2:
            text, variables = value["Fn::Sub"][0], resolve(value["Fn::Sub"][1], params)
            if isinstance(text, str) and isinstance(variables, dict):
                return _sub(text, {**params, "AWS::StackName": "local", **variables})
        if set(value) == {"Fn::Split"} and isinstance(value["Fn::Split"], list) and len(value["Fn::Split"]) == 2:
            delimiter, text = value["Fn::Split"][0], resolve(value["Fn::Split"][1], params)
            if isinstance(delimiter, str) and isinstance(text, str):
                return text.split(delimiter)
        if set(value) == {"Fn::Select"} and isinstance(value["Fn::Select"], list) and len(value["Fn::Select"]) == 2:
            index, items = resolve(value["Fn::Select"][0], params), resolve(value["Fn::Select"][1], params)
            if str(index).isdigit() and isinstance(items, list) and int(index) < len(items):
                return items[int(index)]
        return {k: resolve(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, params) for v in value]
    return value


def resource_properties(template: dict[str, Any], resource_type: str, params: dict[str, Any]) -> dict[str, Any]:
    matches = [r for r in template["Resources"].values() if r["Type"] == resource_type]
    if len(matches) != 1:
        raise ValueError(f"template.yaml must define exactly one {resource_type}")
    return dict(resolve(matches[0].get("Properties", {}), params))


def user_pool_kwargs(template: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Arguments for cognito-idp CreateUserPool, taken from the template's AWS::Cognito::UserPool."""
    params = params or parameter_defaults(template)
    props = resource_properties(template, "AWS::Cognito::UserPool", params)
    props["PoolName"] = props.pop("UserPoolName", "local-users")
    for key in ("DeletionProtection", "UserPoolTags", "UserPoolTier"):
        props.pop(key, None)
    return props


def user_pool_client_kwargs(
    template: dict[str, Any], user_pool_id: str, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Arguments for cognito-idp CreateUserPoolClient, taken from the template's AWS::Cognito::UserPoolClient."""
    params = params or parameter_defaults(template)
    props = resource_properties(template, "AWS::Cognito::UserPoolClient", params)
    props["UserPoolId"] = user_pool_id
    return props


def function_environment(template: dict[str, Any], params: dict[str, Any] | None = None) -> dict[str, str]:
    """The Globals environment variables whose values do not depend on deployed resources."""
    params = params or parameter_defaults(template)
    variables = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    resolved = resolve(variables, params)
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
    resources = template["Resources"]
    globals_function = resolve(template.get("Globals", {}).get("Function", {}), params)
    globals_api = resolve(template.get("Globals", {}).get("Api", {}), params)
    apis = {
        name: {**globals_api, **resolve(r.get("Properties", {}), params)}
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
        props = {**globals_function, **resolve(resource.get("Properties", {}), params)}
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
