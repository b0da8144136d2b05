"""The functions' handlers invoked in-process, as Lambda invokes them, with the committed events of events/."""

from __future__ import annotations

import base64
import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

from werkzeug.datastructures import Headers

from local_api.gateway import LambdaContext
from tests.support.reply import Reply, parse_body

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())


def lambda_context(name: str = "test-function") -> LambdaContext:
    """What the Lambda runtime passes as `context`, with the template's 10 s timeout and 256 MB."""
    return LambdaContext(function_name=name, memory_limit_in_mb=256, timeout_seconds=10)


def reset_caches() -> None:
    """Forget everything a Lambda container caches, as a fresh container would."""
    from cognito_auth import aws, settings, tokens

    settings.get_settings.cache_clear()
    aws.reset()
    tokens.get_verifier.cache_clear()


def load_event(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((ROOT / "events" / f"{name}.json").read_text()))


_modules: dict[str, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py under a unique module name (every function is called `app`)."""
    if name not in _modules:
        spec = importlib.util.spec_from_file_location(f"functions_{name}_app", ROOT / "functions" / name / "app.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[name] = module
    return _modules[name]


def make_event(
    name: str,
    body: Any = None,
    *,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    token: str | None = None,
    base64_body: bool = False,
) -> dict[str, Any]:
    """The committed event of `name` with another body and more headers."""
    event = load_event(name)
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    event["isBase64Encoded"] = base64_body
    event["body"] = base64.b64encode(text.encode()).decode() if base64_body and text is not None else text
    extra = dict(headers or {})
    if token is not None:
        extra["Authorization"] = f"Bearer {token}"
    event["headers"] = {**event["headers"], **extra}
    event["multiValueHeaders"] = {**event.get("multiValueHeaders", {}), **{k: [v] for k, v in extra.items()}}
    return event


def invoke(name: str, event: dict[str, Any]) -> Reply:
    """Run one function's handler on `event`; its answer as a Reply."""
    response = load_function(name).lambda_handler(event, lambda_context(name))
    return Reply(response["statusCode"], parse_body(response.get("body")), response_headers(response), response)


def call(name: str, body: Any = None, **kwargs: Any) -> Reply:
    """Invoke one function's handler with its committed event, overriding body and headers."""
    return invoke(name, make_event(name, body, **kwargs))


def response_headers(response: dict[str, Any]) -> Headers:
    """A handler's response headers (REST API resolvers answer with multiValueHeaders)."""
    headers = Headers()
    for name, values in (response.get("multiValueHeaders") or {}).items():
        for value in values:
            headers.add(name, value)
    for name, value in (response.get("headers") or {}).items():
        headers.set(name, value)
    return headers
