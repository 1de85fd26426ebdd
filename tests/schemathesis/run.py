"""Schemathesis against /openapi.json: every operation, all checks, a bounded number of
examples each, against a real server holding data (members, answers, a recovery case,
experiments, coupon codes, signed sessions) so generated requests reach the logic behind
the validation. Passes only when no answer breaks the document and the document allows
nothing the server refuses. Usage: run.py SERVER_BINARY [MAX_EXAMPLES]."""

import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ADMIN_KEY = "schemathesis-admin-key-0123456789abcdef"
VISITOR = "schemathesis-visitor"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, admin=False):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if admin:
        request.add_header("authorization", f"Bearer {ADMIN_KEY}")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def member_token(member):
    """A member token for the demo site, as its backend would sign it (HS256, kid `demo`)."""
    part = lambda data: base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    now = int(time.time())
    signed = part({"alg": "HS256", "typ": "JWT", "kid": "demo"}) + "." + part({"sub": member, "aud": "demo", "iat": now, "exp": now + 3000})
    signature = hmac.new(b"demo-secret-not-for-real-visitors", signed.encode(), hashlib.sha256).digest()
    return signed + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


def seed(base):
    """Data for the generated requests to find, and the ids they are told about."""
    sessions = [call(base, "POST", "/v1/session", {"site": "demo", "visitor_id": VISITOR})["session_id"] for _ in range(2)]
    answer = str(uuid.uuid4())
    events = [{"type": "feedback", "id": answer, "at": time.time() * 1000, "scale": "csat5", "score": 1, "comment": "Too slow"},
              {"type": "track", "id": str(uuid.uuid4()), "at": time.time() * 1000, "name": "purchase", "value": 12}]
    call(base, "POST", "/v1/events", {"site": "demo", "visitor_id": VISITOR, "session_id": sessions[0], "events": events})
    call(base, "POST", "/v1/admin/sites/demo/coupon-pools/apology/codes", {"codes": [f"SORRY-{n}" for n in range(50)]}, admin=True)
    call(base, "POST", "/v1/admin/sites/demo/members/alice/events", {"name": "purchase", "value": 80, "idempotency_key": "order-1"}, admin=True)
    variants = [{"key": "a", "weight": 0.5, "text": {"en": "Hello"}}, {"key": "b", "weight": 0.5, "text": {"en": "Hi"}}]
    for key in ("st-draft", "st-running"):
        call(base, "POST", "/v1/admin/sites/demo/experiments", {"key": key, "slot": "greeting", "coverage": 1, "control": "a", "variants": variants}, admin=True)
    call(base, "POST", "/v1/admin/sites/demo/experiments/st-running/start", {}, admin=True)
    surprise = call(base, "POST", "/v1/admin/sites/demo/members/alice/surprises", {"rule": "apology-coupon", "idempotency_key": "ticket-1"}, admin=True)
    # A public address, so no name has to resolve here (the machine has no DNS to ask).
    webhook = call(base, "POST", "/v1/admin/sites/demo/webhooks", {"url": "https://93.184.216.34/hook", "events": ["points.changed"]}, admin=True)
    call(base, "POST", f"/v1/admin/sites/demo/webhooks/{webhook['endpoint']['id']}/test", {}, admin=True)
    return {"sessions": sessions, "surprise": surprise["id"], "webhook": webhook["endpoint"]["id"]}


def config(ids, max_examples, bearer):
    """schemathesis.toml: the checks, and values from the seeded data that parameters take often."""
    values = lambda *v: {"values": list(v)}
    dictionaries = {
        "sites": values("demo"),
        "members": values("alice", "bob"),
        "visitors": values(VISITOR),
        "experiments": values("st-draft", "st-running"),
        "pools": values("apology"),
        "sessions": values(*ids["sessions"]),
        "rules": values("apology-coupon"),
        "tokens": values(member_token("alice")),
    }
    bind = lambda name, p=0.8: {"dictionary": name, "probability": p}
    parameters = {
        "path.site": bind("sites"), "path.member": bind("members"), "path.visitor": bind("visitors"),
        "path.key": bind("experiments"), "path.pool": bind("pools"),
        "body.site": bind("sites"), "body.visitor_id": bind("visitors"), "body.session_id": bind("sessions"), "body.rule": bind("rules"),
        "body.member_token": bind("tokens", 0.5),
    }
    lines = [f"seed = {int(os.environ.get('SCHEMATHESIS_SEED', '20261130'))}", f"hooks = {toml(os.path.join(HERE, 'hooks.py'))}",
             "[auth.openapi.admin_key]", f"bearer = {toml(bearer)}",
             # Ids and keys are the point of a failure report; the admin key is a test one.
             "[output.sanitization]", "enabled = false",
             "[checks]", "enabled = true",
             "[generation]", f"max-examples = {max_examples}"]
    lines += ["[dictionaries]"] + [f"{k} = {toml(v)}" for k, v in dictionaries.items()]
    lines += ["[parameters]"] + [f"{toml(k)} = {toml(v)}" for k, v in parameters.items()]
    # `id` is a surprise's UUID in one path and a recovery case's number in another: fixed
    # per operation (operation settings take values, not dictionaries).
    for path, value in (("/v1/surprises/{id}/claim", ids["surprise"]), ("/v1/admin/sites/{site}/recovery/{id}/resolve", 1)):
        lines += ["[[operations]]", f"include-path = {toml(path)}", f"parameters = {toml({'path.id': value})}"]
    # The seeded endpoint, for every webhook operation but DELETE (which would take it from the
    # others; it gets what the stateful phase creates, and 404s otherwise).
    lines += ["[[operations]]", f"include-path-regex = {toml('^/v1/admin/sites/{site}/webhooks/{id}')}", f"include-method = {toml(['GET', 'PATCH', 'POST'])}",
              f"parameters = {toml({'path.id': ids['webhook']})}"]
    lines += open(os.path.join(HERE, "operations.toml")).read().splitlines()
    return "\n".join(lines) + "\n"


def toml(value):
    """A TOML inline value (strings, numbers, lists and tables of them)."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml(k)} = {toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return json.dumps(value)


def run_schemathesis(work, base, settings):
    toml = os.path.join(work, "schemathesis.toml")
    with open(toml, "w") as f:
        f.write(settings)
    document = call(base, "GET", "/openapi.json")
    key_pattern = document["components"]["schemas"]["PointsRequest"]["properties"]["idempotency_key"]["pattern"]
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    run_env = dict(os.environ, MOMENTS_IDEMPOTENCY_KEY_PATTERN=key_pattern)
    # Every check, as `--checks all` would (the flag would override operations.toml).
    command = [schemathesis, "--config-file", toml, "run", f"{base}/openapi.json", "--no-color"]
    return subprocess.run(command, env=run_env).returncode


def main():
    server_binary = sys.argv[1]
    max_examples = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with tempfile.TemporaryDirectory() as work:
        port = free_port()
        settings = os.path.join(work, "moments.toml")
        with open(settings, "w") as f:
            f.write(f'[server]\naddr = "127.0.0.1:{port}"\ndatabase_url = "sqlite://{work}/moments.db"\nadmin_key = "{ADMIN_KEY}"\n')
        env = dict(os.environ, MOMENTS_RATE_LIMIT="off", RUST_LOG="warn")
        server = subprocess.Popen([server_binary, "--config", settings, "--demo"], stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "server.log"), "w"), env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            # A debug build generating the demo's 90 days takes about 7 s on an idle 2-core
            # machine; a busy one, more.
            for _ in range(1200):
                try:
                    call(base, "GET", "/healthz")
                    break
                except OSError:
                    time.sleep(0.05)
            ids = seed(base)
            # A shop's key as well as the operator's: every scope but keys:write (so the run
            # cannot revoke the key it runs with), its operations answering 403 as documented.
            # Made after the admin key's pass, which may revoke any key there is.
            document = call(base, "GET", "/openapi.json")
            named = {scope for item in document["paths"].values() for op in item.values() for req in op.get("security", []) for scope in req.get("admin_key", [])}
            scopes = sorted(named - {"keys:write"})
            site_key = lambda: call(base, "POST", "/v1/admin/sites/demo/keys", {"name": "schemathesis", "scopes": scopes}, admin=True)["secret"]
            for label, bearer in (("the admin key", lambda: ADMIN_KEY), ("a site key", site_key)):
                print(f"== schemathesis with {label}", flush=True)
                returncode = run_schemathesis(work, base, config(ids, max_examples, bearer()))
                if server.poll() is not None:
                    print("the server died during the run", file=sys.stderr)
                    return 1
                if returncode != 0:
                    print(open(os.path.join(work, "server.log")).read()[-4000:], file=sys.stderr)
                    return returncode
            return 0
        finally:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
