"""The local API's command line: settings, the embedded Cognito (or a real pool), the server, and a clean stop."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

from local_api import template
from local_api.console import printable

if TYPE_CHECKING:
    from local_api.emulator import Outbox
    from local_api.gateway import AdminUsers

# Nothing of the shared layer is imported at module level: as in Lambda, the functions' environment is set first
# (the layer's logger reads POWERTOOLS_* when it is created).

HOST = "127.0.0.1"  # loopback only: this is a developer's tool, never a server for others
DEFAULT_PORT = 3000
EMULATOR_REGION = "us-east-1"

DESCRIPTION = """\
Serve every route of template.yaml on http://127.0.0.1:PORT, each request running the real handler of its
function with an API Gateway REST proxy event, the Cognito authorizer enforced as API Gateway enforces it.
`make dev` runs it; give it flags with `make dev ARGS='--param AllowedOrigins=http://localhost:8081'`.
"""

EPILOG = """\
Cognito, by default: an embedded emulator (moto) on a free loopback port, its user pool and app client made from
template.yaml's UserPool and UserPoolClient (password policy, email sign-in, client secret). No AWS account is
used and nothing is emailed: the codes Cognito would send are printed here and listed by GET /_local/outbox
(JSON [{to, purpose, code}], newest last; ?to=EMAIL filters). A wrong, reused or expired code is refused as
Cognito refuses it. POST /_local/admin/users {email, name?, temporary_password} creates a user as an
administrator would: they set a new password at their first sign-in.

Cognito, a real pool instead: set --user-pool-id and --client-id (or USER_POOL_ID and USER_POOL_CLIENT_ID), and
USER_POOL_CLIENT_SECRET if the app client has a secret (environment only: it stays out of your shell history and
the process list). No emulator and no outbox then: Cognito emails the codes. Sign-up and the other public Cognito
calls need no AWS credentials.

state:
  Everything the emulator holds (users, tokens, codes) lives in this process's memory: it starts empty and is
  gone when the server stops; each start makes a new pool with new ids. With a real pool, users live in that pool.

routes:
  every Api event of every function in template.yaml, plus the local-only GET /_local/outbox, POST
  /_local/admin/users and GET or PUT /_local/clock (emulator only: PUT {"offset_seconds": n} runs the emulator's
  clock n seconds from this computer's, for grace periods and a sign-in's age), GET /docs (Swagger UI of
  openapi.yaml) and GET /docs/openapi.json. Unknown routes get API Gateway's 403
  {"message": "Missing Authentication Token"}.

stop: Ctrl-C (or SIGTERM, or the end of the process that started it, e.g. make) stops the server and everything
  it started.
"""


def say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local_api",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    env = os.environ.get
    parser.add_argument(
        "--port",
        type=int,
        default=int(env("PORT") or DEFAULT_PORT),
        help="port on 127.0.0.1, loopback only (env PORT; default 3000; 0 picks a free one)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter, e.g. AllowedOrigins=http://localhost:8081 (repeatable)",
    )
    parser.add_argument(
        "--openapi",
        type=Path,
        default=template.ROOT / "openapi.yaml",
        metavar="PATH",
        help="the document shown at /docs (default: this repository's openapi.yaml)",
    )
    parser.add_argument(
        "--user-pool-id",
        default=env("USER_POOL_ID") or None,
        help="a real pool, e.g. eu-west-1_AbC123 (env USER_POOL_ID)",
    )
    parser.add_argument(
        "--client-id", default=env("USER_POOL_CLIENT_ID") or None, help="its app client (env USER_POOL_CLIENT_ID)"
    )
    parser.add_argument("--region", help="the real pool's region (default: the one its id starts with)")
    parser.add_argument(
        "--endpoint-url",
        default=env("COGNITO_ENDPOINT_URL") or None,
        help="a Cognito-compatible endpoint for the real pool instead of AWS's (env COGNITO_ENDPOINT_URL)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, not {args.port}")
    if bool(args.user_pool_id) != bool(args.client_id):
        parser.error("a real pool needs both --user-pool-id (USER_POOL_ID) and --client-id (USER_POOL_CLIENT_ID)")
    for item in args.param:
        if "=" not in item:
            parser.error(f"--param takes NAME=VALUE, not {item!r}")
    return args


# `make dev` runs with every feature of the pool on, as if the pool sent its email through SES (which Cognito
# requires for email MFA and sign-in with an emailed code): a made-up identity; nothing is sent, codes go to the
# outbox. --param overrides these like any other default.
LOCAL_PARAMETERS = {
    "SesIdentityArn": "arn:aws:ses:us-east-1:123456789012:identity/example.com",
    "SesFromAddress": "Auth API (local) <no-reply@example.com>",
}


def template_params(document: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    params = template.parameter_defaults(document)
    params.update({name: value for name, value in LOCAL_PARAMETERS.items() if name in params})
    for item in overrides:
        name, _, value = item.partition("=")
        if name not in params:
            raise SystemExit(f"unknown template parameter {name!r}; the template has: {', '.join(params)}")
        if document["Parameters"][name].get("Type") == "Number":
            if not value.strip().lstrip("-").isdigit():
                raise SystemExit(f"template parameter {name} is a Number, not {value!r}")
            params[name] = int(value)
        else:
            params[name] = value
    return params


@dataclass
class Cognito:
    description: str
    stop: Any = None
    outbox: Outbox | None = None
    admin_users: AdminUsers | None = None


def start_emulator(document: dict[str, Any], params: dict[str, Any]) -> Cognito:
    """moto's Cognito on a free loopback port, with the template's pool and client; the layer pointed at it."""
    import boto3
    from moto.server import ThreadedMotoServer

    from local_api import emulator

    os.environ.update(
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",
        AWS_REGION=EMULATOR_REGION,
        AWS_DEFAULT_REGION=EMULATOR_REGION,
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    emulator.install()
    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        idp = boto3.client("cognito-idp", region_name=EMULATOR_REGION, endpoint_url=endpoint)
        pool_id = idp.create_user_pool(**template.user_pool_kwargs(document, params))["UserPool"]["Id"]
        idp.set_user_pool_mfa_config(**template.user_pool_mfa_config_kwargs(document, pool_id, params))
        client_args = template.user_pool_client_kwargs(document, pool_id, params)
        client = idp.create_user_pool_client(**client_args)["UserPoolClient"]
        outbox = emulator.Outbox(on_send=lambda m: say(f"  [outbox] {m.purpose} code for {printable(m.to)}: {m.code}"))
        emulator.deliver_codes(pool_id, outbox)
    except BaseException:
        server.stop()
        raise
    os.environ.update(
        USER_POOL_ID=pool_id,
        USER_POOL_CLIENT_ID=client["ClientId"],
        COGNITO_ENDPOINT_URL=endpoint,
    )
    if client.get("ClientSecret"):
        os.environ["USER_POOL_CLIENT_SECRET"] = client["ClientSecret"]
    else:
        os.environ.pop("USER_POOL_CLIENT_SECRET", None)
    from local_api.gateway import AdminUsers

    description = f"embedded Cognito emulator (moto) on {endpoint}, user pool {pool_id}"
    return Cognito(description, server.stop, outbox, AdminUsers(idp, pool_id))


def use_real_pool(args: argparse.Namespace) -> Cognito:
    region = args.region or args.user_pool_id.partition("_")[0]
    os.environ.update(
        USER_POOL_ID=args.user_pool_id, USER_POOL_CLIENT_ID=args.client_id, AWS_REGION=region, AWS_DEFAULT_REGION=region
    )
    if args.endpoint_url:
        os.environ["COGNITO_ENDPOINT_URL"] = args.endpoint_url
    else:
        os.environ.pop("COGNITO_ENDPOINT_URL", None)
    secret = "with" if os.environ.get("USER_POOL_CLIENT_SECRET") else "without"
    where = args.endpoint_url or region
    return Cognito(f"real Cognito user pool {args.user_pool_id} ({where}), app client {secret} a secret")


class StopRequest:
    """Set by Ctrl-C, SIGTERM or SIGHUP, read by the main loop. The handler only assigns an attribute: it may run at any
    point of the main thread, even while it holds a lock or stops the emulator, and a second signal changes nothing."""

    def __init__(self) -> None:
        self.requested = False

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    document = template.load_template()
    params = template_params(document, args.param)
    api = template.api(document, params)
    # The functions' environment, as the template's Globals give it; the pool settings come next.
    os.environ.update(template.function_environment(document, params))
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")  # keep the console for requests and codes
    for name in ("USER_POOL_CLIENT_SECRET_ARN", "USER_POOL_CLIENT_SECRET_PARAMETER"):
        os.environ.pop(name, None)

    # Ctrl-C stops us even when started from a script that ignores SIGINT for background jobs.
    stop = StopRequest()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop.on_signal)
    # The emulator and its keys are on loopback: never send those requests through a configured HTTP proxy.
    for name in ("no_proxy", "NO_PROXY"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), HOST, "localhost"]))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's own request log; ours is shorter
    cognito = use_real_pool(args) if args.user_pool_id else start_emulator(document, params)
    try:
        return serve(args, api, cognito, stop)
    finally:
        if cognito.stop is not None:
            cognito.stop()
        say("Stopped.")


def serve(args: argparse.Namespace, api: template.Api, cognito: Cognito, stop: StopRequest) -> int:
    from cognito_auth.settings import get_settings
    from cognito_auth.tokens import fetch_jwks
    from local_api.authorizer import CognitoAuthorizer
    from local_api.gateway import LocalApi, RequestHandler, load_functions, swagger_ui_assets

    settings = get_settings()
    authorizers = {
        name: CognitoAuthorizer(issuer=settings.issuer, jwks_url=settings.jwks_url, fetch=fetch_jwks)
        for name in api.authorizers
    }
    app = LocalApi(
        api,
        load_functions(api, template.ROOT),
        authorizers,
        outbox=cognito.outbox,
        admin_users=cognito.admin_users,
        emulator_clock=cognito.outbox is not None,
        openapi=args.openapi,
        docs_assets=swagger_ui_assets(),
        log=say,
    )
    try:
        server = make_server(HOST, args.port, app, threaded=True, request_handler=RequestHandler)
    except SystemExit:  # werkzeug has printed why (e.g. the port is in use) and exits
        say(f"Cannot listen on {HOST}:{args.port}. Choose another port, e.g. make dev PORT={args.port + 1}")
        return 1
    base = f"http://{HOST}:{server.port}"
    say(f"Auth API (local) on {base}  (stage {api.stage!r}, routes from template.yaml)")
    say(f"Cognito: {cognito.description}")
    width = max(len(r.path) for r in api.routes)
    for route in api.routes:
        auth = f"  [{route.authorizer}: {' '.join(route.scopes) or 'id token'}]" if route.authorizer else ""
        say(f"  {route.method:<7} {base}{route.path:<{width}}  {route.function}{auth}")
    if cognito.outbox is not None:
        say(f"  GET     {base}/_local/outbox  codes Cognito would have emailed (local only)")
    if cognito.admin_users is not None:
        say(f"  POST    {base}/_local/admin/users  create a user as an administrator would (local only)")
        say(f'  PUT     {base}/_local/clock   the emulator\'s clock, {{"offset_seconds": n}} from now (local only)')
    say(f"  GET     {base}/docs  API docs of {args.openapi.name} (local only)")
    say("Press Ctrl-C to stop.")
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="local-api")
    serving.start()
    try:
        parent = os.getppid()
        while not stop.requested and serving.is_alive():
            if os.getppid() != parent:  # e.g. `make dev` was killed: nobody is left to press Ctrl-C
                say("The process that started the local API has ended.")
                break
            time.sleep(0.1)
    finally:
        server.shutdown()  # waits for serve_forever to return; it closes the socket
        serving.join()
    return 0
