"""Read template.yaml so that local runs and tests use the deployed stack's own settings, never a second copy."""

from __future__ import annotations

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


def resolve(value: Any, params: dict[str, Any]) -> Any:
    """Substitute parameter references; leave references to resources as they are."""
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in params:
            return params[value["Ref"]]
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            text = value["Fn::Sub"]
            for name, param in {**params, "AWS::StackName": "local"}.items():
                text = text.replace("${" + name + "}", str(param))
            return text
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
