"""One sample of `make bench`: a fresh interpreter that starts the way a Lambda container does.

bench/run.py starts one process per sample (`python -I -B bench/cold.py SPEC.json`). The process imports the target
the way Lambda's runtime imports `app.lambda_handler` (function code and layer first on sys.path, production
environment), serves the first request, records the times and the peak RSS, then optionally serves warm requests.

Nothing leaves the machine: botocore's HTTP send is replaced by canned Cognito and Secrets Manager answers the moment
`botocore.httpsession` is imported, so client creation, endpoint resolution, serialisation, signing, retries and
parsing all still run. Targets:
  function  functions/<name>/app.py with the layer, first request = the function's committed event;
  boto3     the floor of a function that calls Cognito: import boto3, create a cognito-idp client, one call;
  bare      the floor of everything: the interpreter and this harness, nothing imported;
  tracer    a reference: import Powertools (Logger, Metrics), then create a Powertools Tracer.
"""

import sys
import time

T_MAIN = time.perf_counter()

# What Lambda's runtime (awslambdaric: bootstrap, runtime client, marshaller, log utils) has imported before it imports
# the handler, so that neither the floors nor the functions are charged for it.
import datetime  # noqa: E402, F401
import decimal  # noqa: E402, F401
import enum  # noqa: E402, F401
import importlib  # noqa: E402, F401
import json  # noqa: E402
import logging  # noqa: E402, F401
import math  # noqa: E402, F401
import os  # noqa: E402, F401
import site  # noqa: E402
import traceback  # noqa: E402, F401
from concurrent.futures import ThreadPoolExecutor  # noqa: E402, F401
from importlib.machinery import ModuleSpec, PathFinder  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

ACCESS_TOKEN = "eyJraWQiOiJiZW5jaCJ9." + "a" * 900 + "." + "s" * 342
CODE_DELIVERY = {"Destination": "j***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
AUTH_RESULT = {"AccessToken": ACCESS_TOKEN, "IdToken": ACCESS_TOKEN, "ExpiresIn": 3600, "TokenType": "Bearer"}

# What Cognito and Secrets Manager answer, by X-Amz-Target operation (shapes from their API references).
RESPONSES: dict[str, dict[str, Any]] = {
    "SignUp": {"UserConfirmed": False, "UserSub": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "CodeDeliveryDetails": {}},
    "ConfirmSignUp": {},
    "ResendConfirmationCode": {"CodeDeliveryDetails": CODE_DELIVERY},
    "ForgotPassword": {"CodeDeliveryDetails": CODE_DELIVERY},
    "ConfirmForgotPassword": {},
    "InitiateAuth": {"ChallengeParameters": {}, "AuthenticationResult": {**AUTH_RESULT, "RefreshToken": "r" * 1700}},
    "GlobalSignOut": {},
    "GetTokensFromRefreshToken": {"AuthenticationResult": {**AUTH_RESULT, "RefreshToken": "r" * 1700}},
    "RevokeToken": {},
    "GetUser": {
        "Username": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "UserAttributes": [
            {"Name": "sub", "Value": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
            {"Name": "email", "Value": "jane@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "name", "Value": "Jane Doe"},
        ],
        "UserMFASettingList": ["SOFTWARE_TOKEN_MFA"],
        "PreferredMfaSetting": "SOFTWARE_TOKEN_MFA",
    },
    "UpdateUserAttributes": {"CodeDeliveryDetailsList": [CODE_DELIVERY]},
    "VerifyUserAttribute": {},
    "ChangePassword": {},
    "DeleteUser": {},
    "RespondToAuthChallenge": {"ChallengeParameters": {}, "AuthenticationResult": {**AUTH_RESULT, "RefreshToken": "r"}},
    "AssociateSoftwareToken": {"SecretCode": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"},
    "VerifySoftwareToken": {"Status": "SUCCESS"},
    "SetUserMFAPreference": {},
    "GetParameter": {
        "Parameter": {"Name": "/bench/client-secret", "Type": "SecureString", "Version": 1, "Value": "bench-secret"},
    },
    "GetSecretValue": {
        "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf",
        "Name": "bench",
        "VersionId": "3f0e8a5e-0000-4000-8000-000000000000",
        "SecretString": "bench-client-secret-not-a-real-one-0123456789abcdefghij",
        "CreatedDate": 1_700_000_000.0,
    },
}
RESPONSES["SignUp"]["CodeDeliveryDetails"] = CODE_DELIVERY
BODIES = {operation: json.dumps(body).encode() for operation, body in RESPONSES.items()}
# InitiateAuth for the passwordless USER_AUTH flow: Cognito emails a code and answers with the EMAIL_OTP challenge.
USER_AUTH_BODY = json.dumps(
    {
        "ChallengeName": "EMAIL_OTP",
        "Session": "s" * 900,
        "ChallengeParameters": {"USER_ID_FOR_SRP": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
    }
).encode()

# The one stubbed call of the boto3 floor: what /auth/signin sends.
FLOOR_CALL: dict[str, Any] = {
    "ClientId": "1example23456789abcdefghij",
    "AuthFlow": "USER_PASSWORD_AUTH",
    "AuthParameters": {"USERNAME": "jane@example.com", "PASSWORD": "Example-Passw0rd", "SECRET_HASH": "x" * 44},
}

SENT: list[tuple[str, bytes]] = []  # (operation, request body) of every request botocore sent


class _Raw:
    """The part of a urllib3 response that botocore reads for a non-streaming answer."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *_: Any, **__: Any) -> Any:
        yield self._body


def _send(self: Any, request: Any) -> Any:
    """Stand-in for URLLib3Session.send: answer from RESPONSES instead of opening a connection."""
    target = request.headers.get("X-Amz-Target") or b""
    operation = (target.decode() if isinstance(target, bytes) else target).rpartition(".")[2]
    SENT.append((operation, bytes(request.body or b"")))
    body = USER_AUTH_BODY if b'"USER_AUTH"' in bytes(request.body or b"") else BODIES.get(operation)
    status = 200
    if body is None:
        status, body = 400, json.dumps({"__type": "UnknownOperationException", "message": operation}).encode()
    headers = {
        "x-amzn-RequestId": "00000000-0000-4000-8000-000000000000",
        "Content-Type": "application/x-amz-json-1.1",
        "Content-Length": str(len(body)),
    }
    return sys.modules["botocore.awsrequest"].AWSResponse(request.url, status, headers, _Raw(body))


class _StubHttpOnImport:
    """Meta path finder that patches botocore.httpsession right after it is executed, whoever imports it."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if name != "botocore.httpsession":
            return None
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            module.URLLib3Session.send = _send

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


class LambdaContext:
    """What Lambda's runtime passes as `context` (the attributes Powertools reads)."""

    def __init__(self, name: str, memory_mb: int) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_mb
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.aws_request_id = "6f0c2a56-0000-4000-8000-000000000000"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "2025/01/01/[$LATEST]00000000000000000000000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _peak_rss_kb(ru_maxrss: int) -> int:
    """This process's peak RSS. Linux keeps ru_maxrss across exec, so a child started by a large parent reports the
    parent's peak there; /proc's VmHWM belongs to this process's own memory map."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return ru_maxrss


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": ordered[len(ordered) // 2] * 1000,
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
        "n": len(ordered),
    }


def main(spec_path: str) -> None:
    with open(spec_path) as handle:
        spec = json.load(handle)
    sys.meta_path.insert(0, _StubHttpOnImport())
    target = spec["target"]
    context = LambdaContext(spec.get("name", target), int(spec.get("memory_mb", 128)))
    event = spec.get("event")
    handler: Any = None
    statuses: list[int] = []

    # Lambda's sys.path: the spec's paths (function, layer, runtime) and the standard library, not this venv's packages.
    venv = set(site.getsitepackages())
    sys.path[:] = [*spec["path"], *(p for p in sys.path if p not in venv)]

    clock, cpu = time.perf_counter, time.process_time
    t_ready, cpu_ready = clock(), cpu()
    if target == "function":
        handler = __import__("app").lambda_handler
    elif target == "boto3":
        import boto3
    elif target == "tracer":
        import aws_lambda_powertools  # noqa: F401 - Logger and Metrics, as every function imports them
    t_imported, cpu_imported = clock(), cpu()
    t_client = None
    if target == "function":
        statuses.append(handler(event, context)["statusCode"])
    elif target == "boto3":
        client = boto3.client("cognito-idp")
        t_client = clock()
        client.initiate_auth(**FLOOR_CALL)
    elif target == "tracer":
        from aws_lambda_powertools import Tracer

        Tracer()  # what a function would add to use the Powertools tracer (imports aws-xray-sdk, patches botocore)
    t_first, cpu_first = clock(), cpu()

    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    result: dict[str, Any] = {
        "cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
        "t_main": T_MAIN,
        "t_ready": t_ready,
        "t_imported": t_imported,
        "t_first": t_first,
        "t_client": t_client,
        "cpu_ready_ms": cpu_ready * 1000,
        "cpu_import_ms": (cpu_imported - cpu_ready) * 1000,
        "cpu_first_request_ms": (cpu_first - cpu_imported) * 1000,
        "peak_rss_kb": _peak_rss_kb(usage.ru_maxrss),
        "cognito_calls": [operation for operation, _ in SENT],
        "imported": sorted(
            m for m in ("boto3", "botocore.session", "msgspec", "pydantic", "jose", "aws_xray_sdk") if m in sys.modules
        ),
        "modules": len(sys.modules),
    }
    if target == "function" and spec.get("invocations"):
        result["warm"] = _warm(handler, event, context, int(spec["invocations"]), statuses)
    result["statuses"] = sorted(set(statuses))
    with open(spec["result"], "w") as handle:
        json.dump(result, handle)


def _warm(handler: Any, event: dict[str, Any], context: LambdaContext, count: int, statuses: list[int]) -> Any:
    """Warm invocations, each followed by the same Cognito request made with a bare boto3 client (the floor).

    Interleaving the two keeps them under the same machine noise; the bare call replays the exact request body the
    handler sent (including SECRET_HASH), so only the handler's own work differs.
    """
    import boto3
    from botocore import xform_name

    client = boto3.client("cognito-idp")
    # Every Cognito call the handler made, in order (update_profile, set_mfa and the TOTP routes make two or three).
    bare_calls = [
        (getattr(client, xform_name(operation)), json.loads(body))
        for operation, body in SENT
        if operation not in ("GetSecretValue", "GetParameter")
    ]
    clock = time.perf_counter
    handler_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(count):
        SENT.clear()
        start = clock()
        response = handler(event, context)
        handler_times.append(clock() - start)
        statuses.append(response["statusCode"])
        if bare_calls:
            start = clock()
            for method, params in bare_calls:
                method(**params)
            bare_times.append(clock() - start)
    return {"handler": _percentiles(handler_times), "bare": _percentiles(bare_times) if bare_times else None}


if __name__ == "__main__":
    main(sys.argv[1])
