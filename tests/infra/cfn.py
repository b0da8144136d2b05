"""What CloudFormation makes of a transformed template for given parameter values, as far as this API needs:
parameters and pseudo parameters substituted, Conditions and Fn::If decided, conditional resources and outputs
dropped, AWS::NoValue removed, and the template's Rules checked. References to resources stay symbolic
({"Ref": "UserPool"}, {"Fn::GetAtt": [...]}), because only a real deploy knows their values."""

from __future__ import annotations

import copy
import re
from typing import Any

PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "auth-api-test",
}
_NO_VALUE = object()
_SUB = re.compile(r"\$\{([^!}][^}]*)\}")


def parameter_values(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    unknown = set(overrides) - set(template["Parameters"])
    if unknown:
        raise KeyError(f"not parameters of the template: {sorted(unknown)}")
    values = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    return {**values, **overrides}


class Stack:
    def __init__(self, template: dict[str, Any], overrides: dict[str, str]) -> None:
        self.template = template
        self.parameters = parameter_values(template, overrides)
        self._conditions: dict[str, bool] = {}

    # ---------------------------------------------------------------- conditions and rules
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            self._conditions[name] = self.holds(self.template["Conditions"][name])
        return self._conditions[name]

    def holds(self, expression: Any) -> bool:
        (function, args), *_ = expression.items()
        if function == "Condition":
            return self.condition(args)
        if function == "Fn::Equals":
            left, right = (self.resolve(a) for a in args)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not self.holds(args[0])
        if function == "Fn::And":
            return all(self.holds(a) for a in args)
        if function == "Fn::Or":
            return any(self.holds(a) for a in args)
        if function == "Fn::Contains":
            values, value = (self.resolve(a) for a in args)
            return value in values
        raise NotImplementedError(function)

    def rule_failures(self) -> list[str]:
        """The AssertDescription of every assertion CloudFormation would refuse the stack with."""
        failures = []
        for rule in self.template.get("Rules", {}).values():
            if "RuleCondition" in rule and not self.holds(rule["RuleCondition"]):
                continue
            failures += [a["AssertDescription"] for a in rule["Assertions"] if not self.holds(a["Assert"])]
        return failures

    # ---------------------------------------------------------------- values
    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (function, args), *_ = node.items()
            if function == "Ref":
                if args == "AWS::NoValue":
                    return _NO_VALUE
                return self.parameters.get(args, PSEUDO.get(args, node))
            if function == "Fn::If":
                condition, when_true, when_false = args
                return self.resolve(when_true if self.condition(condition) else when_false)
            if function == "Fn::Sub":
                return self._sub(args)
            if function == "Fn::Select":
                index, values = self.resolve(args[0]), self.resolve(args[1])
                return values[int(index)] if isinstance(values, list) else {function: [index, values]}
            if function == "Fn::Split":
                separator, text = args[0], self.resolve(args[1])
                return text.split(separator) if isinstance(text, str) else {function: [separator, text]}
            if function == "Fn::Join":
                separator, values = args[0], self.resolve(args[1])
                if isinstance(values, list) and all(isinstance(v, str) for v in values):
                    return separator.join(values)
                return {function: [separator, values]}
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not _NO_VALUE}

    def _sub(self, args: Any) -> Any:
        text, extra = (args, {}) if isinstance(args, str) else (args[0], self.resolve(args[1]))
        known = {**PSEUDO, **self.parameters, **{k: v for k, v in extra.items() if isinstance(v, str)}}
        result = _SUB.sub(lambda m: known.get(m.group(1), m.group(0)), text)
        return result if not _SUB.search(result) else {"Fn::Sub": result}

    # ---------------------------------------------------------------- the deployed shape
    def deployed(self) -> dict[str, Any]:
        """Resources and outputs that exist for these parameter values, with everything decidable decided."""
        template = copy.deepcopy(self.template)
        result: dict[str, Any] = {}
        for section in ("Resources", "Outputs"):
            kept = {
                name: {k: v for k, v in item.items() if k != "Condition"}
                for name, item in template.get(section, {}).items()
                if "Condition" not in item or self.condition(item["Condition"])
            }
            result[section] = self.resolve(kept)
        return result
