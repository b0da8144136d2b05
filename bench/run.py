"""`make bench`: cold start, warm cost, memory, artifact size and token verification of every function, with budgets.

Every cold sample is a fresh interpreter (bench/cold.py) started the way a Lambda container starts: the function's
code laid out as /var/task (source only, as `sam build` copies it; Lambda cannot write bytecode there), the layer as
/opt/python (its package and the .venv's installed files of its pinned requirements, compiled as
layers/cognito_auth/Makefile compiles them), boto3 as the runtime ships it, the environment of template.yaml, and AWS
answered by canned responses below botocore's HTTP send. Samples run one at a time, round-robin in a shuffled order
so that machine noise falls on every target alike; each function is compared with its floor from the same round.

    python -m bench.run [--processes 15] [--invocations 1000] [--json bench-results.json] [--no-build] [--summary-only]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.metadata
import json
import os
import py_compile
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

from local_api import template as cfn

ROOT = Path(__file__).resolve().parent.parent
COLD = Path(__file__).resolve().parent / "cold.py"
LAYER_SOURCE = ROOT / "layers" / "cognito_auth"

# Budgets, as ratios so that they hold across machines (issue 6).
COLD_RATIO_COGNITO = 1.15  # a Cognito-calling function's cold init / the boto3 floor (issue 9)
COLD_RATIO_NO_SDK = 0.4  # /getData's cold init / the boto3 floor (issue 9)
WARM_OVERHEAD_MS = 1.0  # handler p50 minus the bare Cognito call's p50
MEMORY_HEADROOM = 0.30  # peak RSS leaves this share of MemorySize free
ARTIFACT_BYTES = 20 * 1024  # each function's own artifact

BARE, BOTO3 = "floor: bare interpreter", "floor: boto3 + cognito-idp call"
TRACER = "reference: Powertools, then Tracer()"
SECRET_OPERATIONS = {"GetSecretValue", "GetParameter"}  # reading the app client's secret, not calling Cognito
# Lambda allocates CPU in proportion to memory: one vCPU at 1,769 MB (Lambda developer guide, memory configuration).
MB_PER_VCPU = 1769

# What the default deployment (UserPoolMode=create) puts in the variables that depend on resources or conditions
# (fake, well-formed values); None: the variable is not set.
DEPLOYED: dict[str, str | None] = {
    "USER_POOL_ID": "us-east-1_Bench0001",
    "USER_POOL_CLIENT_ID": "1example23456789abcdefghij",
    "USER_POOL_CLIENT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf",
    "USER_POOL_CLIENT_SECRET_PARAMETER": None,
}
# The app client secret cold.py's Secrets Manager answers with (bench/cold.py RESPONSES["GetSecretValue"]).
BENCH_CLIENT_SECRET = "bench-client-secret-not-a-real-one-0123456789abcdefghij"
# A production stack sends email through SES, which turns email MFA and passwordless codes on (as `make dev` does).
BENCH_PARAMETERS = {
    "SesIdentityArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
    "SesFromAddress": "no-reply@example.com",
}
# Claims API Gateway's Cognito authorizer puts in the event of every route behind it.
AUTHORIZER_CLAIMS = {
    "sub": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "username": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
    "token_use": "access",
    "scope": "aws.cognito.signin.user.admin",
    "client_id": str(DEPLOYED["USER_POOL_CLIENT_ID"]),
}


# ---------------------------------------------------------------------------------------------- what gets measured


def functions_from_template(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every AWS::Serverless::Function: its folder name, logical id, environment and whether it reads the secret."""
    params = cfn.parameter_defaults(template)
    found: dict[str, dict[str, Any]] = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        name = Path(props["CodeUri"]).name
        variables = props.get("Environment", {}).get("Variables", {})
        found[name] = {
            "logical_id": logical_id,
            "environment": {k: v for k, v in cfn.resolve(variables, params).items() if not isinstance(v, dict)},
        }
    return dict(sorted(found.items()))


def function_environment(template: dict[str, Any], name: str, function: dict[str, Any], task: Path) -> dict[str, str]:
    """The environment Lambda gives the function: its runtime variables, template Globals, fake credentials."""
    globals_function = template.get("Globals", {}).get("Function", {})
    variables = globals_function.get("Environment", {}).get("Variables", {})
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "HOME": str(task.parent),
        # Never read a real profile or credentials, never ask an instance metadata service.
        "AWS_CONFIG_FILE": str(task.parent / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(task.parent / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ACCESS_KEY_ID": "ASIABENCHFAKE0000000",
        "AWS_SECRET_ACCESS_KEY": "bench-fake-secret-access-key",
        "AWS_SESSION_TOKEN": "bench-fake-session-token",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "AWS_LAMBDA_FUNCTION_NAME": f"auth-api-{name}",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size(template)),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/auth-api-{name}",
        "LAMBDA_TASK_ROOT": str(task),
        "_HANDLER": str(globals_function.get("Handler", "app.lambda_handler")),
        "_X_AMZN_TRACE_ID": "Root=1-65a1b2c3-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=1",
    }
    params = {**cfn.parameter_defaults(template), **BENCH_PARAMETERS}
    for key, value in cfn.evaluate(template, variables, params).items():
        if not isinstance(value, dict):
            continue
        if key not in DEPLOYED:
            raise RuntimeError(f"bench/run.py: add the deployed value of {key} (from template.yaml) to DEPLOYED")
        if DEPLOYED[key] is not None:
            env[key] = str(DEPLOYED[key])
    env.update(cfn.function_environment(template, params))
    env.update(function["environment"])
    return env


def memory_size(template: dict[str, Any]) -> int:
    return int(template.get("Globals", {}).get("Function", {}).get("MemorySize", 128))


def first_event(name: str, template: dict[str, Any]) -> dict[str, Any]:
    """The function's committed event, completed the way API Gateway delivers it to a signed-in caller: the bearer
    token, the authorizer's claims behind the Cognito authorizer (a sign-in a moment ago), and for /auth/challenge a
    session sealed as /auth/signin seals it."""
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    route = next(r for r in cfn.api(template).routes if Path(r.code_uri).name == name)
    if route.authorizer is not None:
        claims = {**AUTHORIZER_CLAIMS, "auth_time": str(int(time.time()))}
        event.setdefault("requestContext", {})["authorizer"] = {"claims": claims}
    if route.authorizer is not None or name == "signout":
        token = "eyJraWQiOiJiZW5jaCJ9." + "a" * 900 + "." + "s" * 342
        event["headers"] = {**(event.get("headers") or {}), "Authorization": f"Bearer {token}"}
        event["multiValueHeaders"] = {**(event.get("multiValueHeaders") or {}), "Authorization": [f"Bearer {token}"]}
    if name == "answer_challenge":
        from cognito_auth.sessions import ChallengeSession, seal

        cognito_session = ChallengeSession("s" * 900, AUTHORIZER_CLAIMS["sub"], "SOFTWARE_TOKEN_MFA", time.time())
        session = seal(cognito_session, secret=BENCH_CLIENT_SECRET, client_id=str(DEPLOYED["USER_POOL_CLIENT_ID"]))
        event["body"], event["isBase64Encoded"] = json.dumps({"session": session, "code": "123456"}), False
    return event


# -------------------------------------------------------------------------------------- the container's file tree


def requirements_file(path: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def distributions(requirements: list[Requirement]) -> list[importlib.metadata.Distribution]:
    """The installed distributions that `pip install` of these requirements puts in place (their closure)."""
    pending = list(requirements)
    seen: dict[str, importlib.metadata.Distribution] = {}
    while pending:
        requirement = pending.pop()
        key = requirement.name.lower().replace("_", "-")
        if key in seen:
            continue
        dist = importlib.metadata.distribution(requirement.name)
        seen[key] = dist
        for text in dist.requires or []:
            dependency = Requirement(text)
            extras = requirement.extras or {""}
            if dependency.marker is None or any(dependency.marker.evaluate({"extra": e}) for e in extras):
                pending.append(dependency)
    return [seen[key] for key in sorted(seen)]


def install(dists: list[importlib.metadata.Distribution], target: Path, *, bytecode: bool) -> None:
    """Lay the installed files of these distributions out in `target`, with or without their .pyc files."""
    for dist in dists:
        for file in dist.files or []:
            if file.parts[0] == ".." or (not bytecode and ("__pycache__" in file.parts or file.suffix == ".pyc")):
                continue
            source = Path(str(dist.locate_file(file)))
            if source.exists():
                (target / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / file)


def build_tree(root: Path, names: Iterable[str], *, layer_bytecode: bool = True) -> dict[str, Any]:
    """The container's paths: /var/runtime (boto3 as the python3.13 runtime ships it, compiled), /opt/python (the
    layer: its package and dependencies, compiled as its build compiles them) and /var/task of each function (source
    only, as `sam build` copies it)."""
    runtime = root / "var" / "runtime"
    runtime_dists = distributions([Requirement("boto3")])
    install(runtime_dists, runtime, bytecode=True)
    # Only for the Tracer reference: aws-xray-sdk (installed in .venv with moto) and what it needs beyond the runtime.
    xray: str | None = str(root / "opt" / "xray")
    known = {d.metadata["Name"] for d in runtime_dists}
    try:
        tracing = [d for d in distributions([Requirement("aws-xray-sdk")]) if d.metadata["Name"] not in known]
        install(tracing, root / "opt" / "xray", bytecode=True)
    except importlib.metadata.PackageNotFoundError:
        xray = None
    layer = root / "opt" / "python"
    shutil.copytree(LAYER_SOURCE / "cognito_auth", layer / "cognito_auth", ignore=shutil.ignore_patterns("__pycache__"))
    install(distributions(requirements_file(LAYER_SOURCE / "requirements.txt")), layer, bytecode=False)
    if layer_bytecode:
        compile_layer(layer)
    tasks = {}
    for name in names:
        task = root / "task" / name
        task.mkdir(parents=True)
        shutil.copy2(ROOT / "functions" / name / "app.py", task / "app.py")
        tasks[name] = str(task)
    return {"runtime": str(runtime), "layer": str(layer), "xray": xray, "tasks": tasks}


def compile_layer(layer: Path) -> None:
    """What layers/cognito_auth/Makefile does after installing: bytecode that Lambda uses without checking sources."""
    ok = compileall.compile_dir(layer, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    if not ok:
        raise RuntimeError(f"could not compile {layer}")


# ------------------------------------------------------------------------------------------------------ sampling


def sample(spec: dict[str, Any], env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """Start one fresh interpreter and return its timings (ms, from the moment it was spawned)."""
    spec_path = workdir / "spec.json"
    result_path = workdir / "result.json"
    result_path.unlink(missing_ok=True)
    spec_path.write_text(json.dumps({**spec, "result": str(result_path)}))
    # -I: no user site, no PYTHON* variables, no script directory on the path; -B: no bytecode written, as on Lambda's
    # read-only disk. The child keeps only the spec's paths and the standard library on sys.path.
    command = [sys.executable, "-I", "-B", str(COLD), str(spec_path)]
    spawned = time.perf_counter()  # CLOCK_MONOTONIC on Linux: the same clock in parent and child
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    if done.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"{spec.get('name', spec['target'])} sample failed:\n{done.stderr.decode()[-3000:]}")
    raw: dict[str, Any] = json.loads(result_path.read_text())
    raw["startup_ms"] = (raw["t_ready"] - spawned) * 1000
    raw["import_ms"] = (raw["t_imported"] - raw["t_ready"]) * 1000
    raw["first_request_ms"] = (raw["t_first"] - raw["t_imported"]) * 1000
    raw["cold_ms"] = (raw["t_first"] - spawned) * 1000
    return raw


def run_samples(
    functions: dict[str, dict[str, Any]],
    template: dict[str, Any],
    processes: int,
    invocations: int,
    work: Path,
    *,
    layer_bytecode: bool = True,
) -> dict[str, list[dict[str, Any]]]:
    tree = build_tree(work, functions, layer_bytecode=layer_bytecode)
    memory = memory_size(template)
    targets: dict[str, tuple[dict[str, Any], dict[str, str]]] = {}
    floor_env = function_environment(template, "floor", {"environment": {}}, work / "task")
    targets[BARE] = ({"target": "bare", "name": "floor", "path": []}, floor_env)
    targets[BOTO3] = ({"target": "boto3", "name": "floor", "path": [tree["runtime"]]}, floor_env)
    if tree["xray"]:
        tracer_path = [tree["layer"], tree["xray"], tree["runtime"]]
        targets[TRACER] = ({"target": "tracer", "name": "floor", "path": tracer_path}, floor_env)
    for name, function in functions.items():
        task = tree["tasks"][name]
        spec = {
            "target": "function",
            "name": name,
            # Lambda's order: the function, the layer, then the runtime's boto3.
            "path": [task, tree["layer"], tree["runtime"]],
            "event": first_event(name, template),
            "memory_mb": memory,
        }
        targets[name] = (spec, function_environment(template, name, function, Path(task)))
    samples: dict[str, list[dict[str, Any]]] = {label: [] for label in targets}
    order = list(targets)
    shuffler = random.Random(6)
    for round_number in range(processes):
        shuffler.shuffle(order)
        for label in order:
            spec, env = targets[label]
            # The first round's processes go on to serve the warm invocations. Events are made afresh: a challenge
            # session lives 3 minutes, a recent sign-in 15, and a run can take longer.
            spec = {**spec, "invocations": invocations if round_number == 0 else 0}
            if spec["target"] == "function":
                spec["event"] = first_event(label, template)
            samples[label].append({**sample(spec, env, work), "round": round_number})
    return samples


# --------------------------------------------------------------------------------------------- other measurements


def token_throughput(verifications: int) -> dict[str, Any]:
    """Verifications per second of the layer's TokenVerifier with a warm key cache, and JWKS fetches they caused."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jose import jwk, jwt

    from cognito_auth.tokens import TokenVerifier

    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = jwk.construct(pem.decode(), algorithm="RS256").public_key().to_dict()
    issuer = f"https://cognito-idp.us-east-1.amazonaws.com/{DEPLOYED['USER_POOL_ID']}"
    fetches: list[str] = []

    def fetch(url: str) -> dict[str, Any]:
        fetches.append(url)
        return {"keys": [{**public, "kid": "bench-key", "use": "sig", "alg": "RS256"}]}

    verifier = TokenVerifier(
        issuer=issuer,
        client_id=str(DEPLOYED["USER_POOL_CLIENT_ID"]),
        jwks_url=f"{issuer}/.well-known/jwks.json",
        fetch=fetch,
    )
    now = int(time.time())
    tokens = [
        jwt.encode(
            {**AUTHORIZER_CLAIMS, "sub": f"user-{i}", "iss": issuer, "iat": now, "exp": now + 3600, "jti": str(i)},
            pem.decode(),
            algorithm="RS256",
            headers={"kid": "bench-key"},
        )
        for i in range(min(100, verifications))
    ]
    verifier.verify(tokens[0])  # the first one fetches the JWKS and builds the key object: warm from here on
    start = time.perf_counter()
    for i in range(1, verifications):
        verifier.verify(tokens[i % len(tokens)])
    elapsed = time.perf_counter() - start
    return {
        "verifications": verifications,
        "jwks_fetches": len(fetches),
        "per_second": round((verifications - 1) / elapsed),
        "us_per_verification": round(elapsed / (verifications - 1) * 1e6, 1),
    }


def sam_build_sizes(functions: dict[str, dict[str, Any]], work: Path) -> dict[str, Any]:
    """`sam build` for the template's architecture (arm64): bytes of each function's artifact and of the layer."""
    sam = os.environ.get("SAM_BIN") or str(ROOT / ".venv-sam" / "bin" / "sam")
    python313 = subprocess.run(
        [str(ROOT / "scripts" / "find-python313")], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PATH": f"{Path(python313).parent}:{os.environ.get('PATH', '')}"}
    build = work / "sam-build"
    done = subprocess.run(
        [sam, "build", "--build-dir", str(build), "--template-file", str(ROOT / "template.yaml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"sam build failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    sizes: dict[str, Any] = {"functions": {}, "layer": None}
    for name, function in functions.items():
        sizes["functions"][name] = artifact_size(build / function["logical_id"])
    layers = [p for p in build.iterdir() if p.is_dir() and (p / "python").is_dir()]
    if layers:
        layer = artifact_size(layers[0])
        top = sorted(((directory_bytes(p), p.name) for p in (layers[0] / "python").iterdir()), reverse=True)
        layer["largest"] = {name: size for size, name in top[:6]}
        layer["pyc_files"] = sum(1 for _ in layers[0].rglob("*.pyc"))
        tag = sys.implementation.cache_tag
        layer["py_without_pyc"] = sum(
            1 for py in layers[0].rglob("*.py") if not (py.parent / "__pycache__" / f"{py.stem}.{tag}.pyc").exists()
        )
        sizes["layer"] = layer
    return sizes


def directory_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def artifact_size(path: Path) -> dict[str, Any]:
    """Unzipped bytes and the size of the zip Lambda would receive."""
    archive = path.parent / f"{path.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as handle:
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            handle.write(file, file.relative_to(path))
    size = {"bytes": directory_bytes(path), "zip_bytes": archive.stat().st_size}
    archive.unlink()
    return size


def versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for dist in ("boto3", "botocore", "aws-lambda-powertools", "msgspec", "python-jose", "cryptography"):
        found[dist] = importlib.metadata.version(dist)
    return found


# ----------------------------------------------------------------------------------------------------- the report


def median(values: Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


def summarise(
    samples: dict[str, list[dict[str, Any]]], functions: dict[str, dict[str, Any]], memory_mb: int
) -> dict[str, Any]:
    def per_round(label: str) -> dict[int, float]:
        return {s["round"]: s["cold_ms"] for s in samples[label]}

    floors = {label: per_round(label) for label in (BARE, BOTO3)}
    rows: dict[str, Any] = {}
    for label, runs in samples.items():
        cold = [s["cold_ms"] for s in runs]
        low, high = quartiles(cold)
        row: dict[str, Any] = {
            "processes": len(runs),
            "startup_ms": median(s["startup_ms"] for s in runs),
            "import_ms": median(s["import_ms"] for s in runs),
            "first_request_ms": median(s["first_request_ms"] for s in runs),
            "cold_ms": median(cold),
            "cold_iqr_pct": (high - low) / median(cold) * 100,
            "cold_cpu_ms": median(s["cpu_ms"] for s in runs),
            "cpu_import_ms": median(s["cpu_import_ms"] for s in runs),
            "cpu_first_request_ms": median(s["cpu_first_request_ms"] for s in runs),
            # On Lambda a request gets memory/1,769 of a vCPU, while the init phase of an on-demand function runs
            # unthrottled (docs/performance.md): the CPU-bound first request, stretched to the configured memory.
            "first_request_at_memory_ms": median(s["cpu_first_request_ms"] for s in runs) * MB_PER_VCPU / memory_mb,
            "peak_rss_mb": median(s["peak_rss_kb"] for s in runs) / 1024,
            "imported": runs[0]["imported"],
            "cognito_calls": runs[0]["cognito_calls"],
            "statuses": sorted({status for s in runs for status in s.get("statuses", [])}),
        }
        if label == BOTO3:
            row["client_ms"] = median((s["t_client"] - s["t_imported"]) * 1000 for s in runs)
            row["call_ms"] = median((s["t_first"] - s["t_client"]) * 1000 for s in runs)
        if label in functions:
            calls_cognito = any(c not in SECRET_OPERATIONS for c in runs[0]["cognito_calls"])
            row["floor"] = BOTO3
            row["budget_ratio"] = COLD_RATIO_COGNITO if calls_cognito else COLD_RATIO_NO_SDK
            ratios = [s["cold_ms"] / floors[BOTO3][s["round"]] for s in runs]
            row["ratio"] = median(ratios)
            row["ratio_iqr"] = list(quartiles(ratios))
            row["ratio_to_bare"] = median(s["cold_ms"] / floors[BARE][s["round"]] for s in runs)
            # CPU time is far less sensitive to other processes on a busy machine than wall time: a cross-check.
            row["cpu_ratio"] = row["cold_cpu_ms"] / median(s["cpu_ms"] for s in samples[BOTO3])
            row["cold_ok"] = row["ratio"] <= row["budget_ratio"]
            row["headroom"] = 1 - row["peak_rss_mb"] / memory_mb
            row["memory_ok"] = row["headroom"] >= MEMORY_HEADROOM
            warm = next((s["warm"] for s in runs if "warm" in s), None)
            if warm is not None:
                bare = warm["bare"]["p50_ms"] if warm["bare"] else 0.0
                row["warm"] = {
                    "invocations": warm["handler"]["n"],
                    "p50_ms": warm["handler"]["p50_ms"],
                    "p99_ms": warm["handler"]["p99_ms"],
                    "bare_call_p50_ms": bare if warm["bare"] else None,
                    "bare_call_p99_ms": warm["bare"]["p99_ms"] if warm["bare"] else None,
                    "overhead_p50_ms": warm["handler"]["p50_ms"] - bare,
                }
                row["warm_ok"] = row["warm"]["overhead_p50_ms"] < WARM_OVERHEAD_MS
        rows[label] = row
    return rows


def budgets_missed(report: dict[str, Any]) -> list[str]:
    missed = []
    for name in report["functions"]:
        row = report["targets"][name]
        for key, what in (("cold_ok", "cold init"), ("warm_ok", "warm overhead"), ("memory_ok", "memory headroom")):
            if row.get(key) is False:
                missed.append(f"{name}: {what}")
        size = (report.get("artifacts") or {}).get("functions", {}).get(name)
        if size and size["bytes"] >= ARTIFACT_BYTES:
            missed.append(f"{name}: artifact size")
    if report["tokens"]["jwks_fetches"] != 1:
        missed.append("token verification: JWKS fetches")
    return missed


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render(report: dict[str, Any]) -> str:
    targets, functions = report["targets"], report["functions"]
    memory = report["memory_mb"]
    lines = [
        f"Cold init: median of {report['processes']} fresh processes per row, ms from spawn to first response "
        "(start = interpreter and Lambda's runtime imports, import = the handler module (Lambda's init phase), "
        "1st request = its first invocation); ratio = cold init / the boto3 floor of the same round.",
        "",
        f"| function | start | import | 1st request | cold init | IQR | ratio (p25-p75) | budget | CPU ratio "
        f"| 1st request at {memory} MB (est.) | peak RSS |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label in (BARE, BOTO3, *functions):
        row = targets[label]
        if label in functions:
            low, high = row["ratio_iqr"]
            ratio = f"{row['ratio']:.2f} ({low:.2f}-{high:.2f})"
            budget = f"<= {row['budget_ratio']} {'ok' if row['cold_ok'] else 'MISSED'}"
            cpu = f"{row['cpu_ratio']:.2f}"
        else:
            ratio = budget = cpu = ""
        lines.append(
            f"| {label} | {fmt(row['startup_ms'])} | {fmt(row['import_ms'])} | {fmt(row['first_request_ms'])} | "
            f"{fmt(row['cold_ms'])} | {fmt(row['cold_iqr_pct'])}% | {ratio} | {budget} | {cpu} | "
            f"{fmt(row['first_request_at_memory_ms'])} | {fmt(row['peak_rss_mb'], 1)} MB |"
        )
    floor = targets[BOTO3]
    lines += [
        "",
        f"The boto3 floor's first request: creating the cognito-idp client {fmt(floor['client_ms'])} ms, the call "
        f"{fmt(floor['call_ms'])} ms. 1st request at {memory} MB (est.) = its CPU time x 1769/{memory} (Lambda gives "
        f"a request {memory}/1769 of a vCPU; the init phase runs on a full one).",
    ]
    if TRACER in targets:
        tracer = targets[TRACER]
        lines.append(
            f"Reference (not deployed): importing Powertools' Logger and Metrics {fmt(tracer['import_ms'])} ms; "
            f"creating a Powertools Tracer on top {fmt(tracer['first_request_ms'])} ms (aws-xray-sdk, botocore "
            "patched); the template's Tracing: Active has Lambda record the trace instead."
        )
    lines += [
        "",
        f"Warm: {next(iter(t['warm']['invocations'] for t in targets.values() if 'warm' in t), 0)} invocations each, "
        "interleaved with the same Cognito request made by a bare boto3 client; memory against "
        f"MemorySize {memory} MB; artifact = the function's own `sam build` output (arm64).",
        "",
        "| function | warm p50 | warm p99 | bare call p50 | overhead p50 | budget | RSS headroom | artifact |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    sizes = (report.get("artifacts") or {}).get("functions", {})
    for name in functions:
        row = targets[name]
        warm = row.get("warm")
        size = sizes.get(name)
        artifact = f"{size['bytes']} B" if size else "-"
        if size:
            artifact += " ok" if size["bytes"] < ARTIFACT_BYTES else " MISSED"
        lines.append(
            f"| {name} | {fmt(warm and warm['p50_ms'], 2)} | {fmt(warm and warm['p99_ms'], 2)} | "
            f"{fmt(warm and warm['bare_call_p50_ms'], 2)} | {fmt(warm and warm['overhead_p50_ms'], 2)} | "
            f"< {WARM_OVERHEAD_MS} {'ok' if row.get('warm_ok') else 'MISSED' if warm else '-'} | "
            f"{row['headroom'] * 100:.0f}% {'ok' if row['memory_ok'] else 'MISSED'} | {artifact} |"
        )
    tokens = report["tokens"]
    layer = (report.get("artifacts") or {}).get("layer")
    lines += [
        "",
        f"Token verification (warm key cache): {tokens['per_second']}/s ({tokens['us_per_verification']} us each); "
        f"JWKS fetches for {tokens['verifications']} verifications (the first with a cold cache): "
        f"{tokens['jwks_fetches']}"
        f" ({'ok' if tokens['jwks_fetches'] == 1 else 'MISSED'}).",
    ]
    if layer:
        lines.append(
            f"Layer: {layer['bytes'] / 1e6:.1f} MB unzipped, {layer['zip_bytes'] / 1e6:.1f} MB zipped, "
            f"{layer['pyc_files']} .pyc files ({layer['py_without_pyc']} modules without one); largest: "
            + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in layer["largest"].items())
            + "."
        )
    lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()) + ".")
    missed = budgets_missed(report)
    lines.append("Budgets: " + ("all met." if not missed else "MISSED: " + "; ".join(missed) + "."))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--processes", type=int, default=15, help="fresh processes per function and floor (>= 15)")
    parser.add_argument("--invocations", type=int, default=1000, help="warm invocations per function (>= 1000)")
    parser.add_argument("--verifications", type=int, default=1000, help="token verifications for the throughput")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-results.json", help="where to write the results")
    parser.add_argument("--no-build", action="store_true", help="skip `sam build` (no artifact sizes)")
    parser.add_argument("--functions", help="comma-separated subset of functions/<name>")
    parser.add_argument(
        "--summary-only",
        action="store_true",
        help="leave each process's raw sample out of the JSON, keeping medians and spreads (bench/results.json)",
    )
    parser.add_argument(
        "--no-layer-bytecode",
        action="store_true",
        help="ship the layer without .pyc files, as BuildMethod python3.13 does (for comparison)",
    )
    args = parser.parse_args(argv)

    template = cfn.load_template()
    functions = functions_from_template(template)
    if args.functions:
        functions = {name: functions[name] for name in args.functions.split(",")}
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        work = Path(tmp)
        samples = run_samples(
            functions, template, args.processes, args.invocations, work, layer_bytecode=not args.no_layer_bytecode
        )
        artifacts = None if args.no_build else sam_build_sizes(functions, work)
    report: dict[str, Any] = {
        "processes": args.processes,
        "invocations": args.invocations,
        "layer_bytecode": not args.no_layer_bytecode,
        "memory_mb": memory_size(template),
        "functions": list(functions),
        "targets": summarise(samples, functions, memory_size(template)),
        "tokens": token_throughput(args.verifications),
        "artifacts": artifacts,
        "versions": versions(),
        "machine": {"cpus": os.cpu_count(), "platform": sys.platform, "load_average": list(os.getloadavg())},
        "seconds": round(time.time() - started),
    }
    if not args.summary_only:
        report["samples"] = {
            label: [{k: v for k, v in s.items() if k != "warm"} for s in runs] for label, runs in samples.items()
        }
    report["budgets_missed"] = budgets_missed(report)
    table = render(report)
    report["table"] = table
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(table)
    print(f"\nWrote {args.json} ({report['seconds']} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
