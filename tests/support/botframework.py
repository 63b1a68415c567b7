"""A fake Microsoft Bot Framework for the tests: keys, signed tokens, activities, and the
stack (fake Bot Framework + action server + Rasa with the REST, socket.io and Teams channels)."""
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.servers import GUARDED_REST, GUARDED_SOCKETIO, ROOT, Servers, free_port, latest_model, wait_until_up

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_PASSWORD = "test-secret-not-a-real-one"
TENANT = "tenant-123"
ISSUER = "https://api.botframework.com"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = rsa_key()
OTHER_KEY = rsa_key()


def start_stack(workdir: Path, site_origin: str = "http://127.0.0.1:8080", *, registry_url: str | None = None,
                endpoints_extra: str = "", rasa_args: tuple = ()):
    """Start the fake Bot Framework and the servers; returns (servers, fake_url, fake_process)."""
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
    jwk.update({"kid": "test-key", "use": "sig", "endorsements": ["msteams"]})
    (workdir / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    fake_port = free_port()
    fake_log = workdir / "fake.log"
    fake = subprocess.Popen([sys.executable, str(ROOT / "tests/support/fake_botframework.py"), str(fake_port),
                             str(workdir / "jwks.json"), APP_ID, APP_PASSWORD, TENANT],
                            cwd=ROOT, stdout=fake_log.open("w"), stderr=subprocess.STDOUT)
    fake_url = f"http://127.0.0.1:{fake_port}"
    credentials = GUARDED_REST + GUARDED_SOCKETIO + (
        "channels.teams.TeamsInput:\n"
        f"  app_id: {APP_ID}\n  app_password: {APP_PASSWORD}\n  tenant_id: {TENANT}\n"
        f"  openid_metadata_url: {fake_url}/v1/.well-known/openidconfiguration\n"
        f"  token_url: {fake_url}/{{tenant_id}}/oauth2/v2.0/token\n"
        "  leeway_seconds: 60\n"
    )
    servers = Servers(workdir, {"BMA_DB_URL": registry_url or f"sqlite:///{workdir / 'r.sqlite3'}",
                                "BMA_TODAY": "2024-11-15", "BMA_SITE_ORIGINS": site_origin}, latest_model(),
                      credentials=credentials, endpoints_extra=endpoints_extra, rasa_args=rasa_args)
    wait_until_up(fake_url + "/health", fake, 60, fake_log)
    servers.start_actions()
    servers.start_rasa()
    return servers, fake_url, fake


def activity(fake_url, conversation_id, **fields):
    return {
        "type": "message", "id": uuid.uuid4().hex, "channelId": "msteams", "serviceUrl": fake_url,
        "from": {"id": "29:user-1", "name": "Anne Dupont"}, "recipient": {"id": f"28:{APP_ID}", "name": "Assistant BMA"},
        "conversation": {"id": conversation_id, "conversationType": "personal", "tenantId": TENANT},
        "text": "bonjour", **fields,
    }


def token(fake_url, *, key=SIGNING_KEY, alg="RS256", kid="test-key", **overrides):
    claims = {"iss": ISSUER, "aud": APP_ID, "exp": int(time.time()) + 600, "nbf": int(time.time()) - 10,
              "serviceUrl": fake_url, **overrides}
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


def post_teams(rasa_url, body, authorization=None, raw=None):
    headers = {"Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    request = urllib.request.Request(rasa_url + "/webhooks/teams/webhook", data=raw if raw is not None else json.dumps(body).encode(),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def received(fake_url, conversation_id):
    with urllib.request.urlopen(fake_url + "/_received", timeout=5) as reply:
        data = json.loads(reply.read())
    return [r["activity"] for r in data["received"] if r["conversation_id"] == conversation_id]


def reply_text(activities):
    parts = []
    for a in activities:
        parts.append(a.get("text") or "")
        for attachment in a.get("attachments") or []:
            parts.append(attachment["content"].get("text", ""))
    return "\n".join(parts)


def hs256_with_public_key(url):
    """The classic key-confusion forgery, built by hand (PyJWT refuses to make it)."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "test-key"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": APP_ID, "exp": int(time.time()) + 600, "serviceUrl": url}).encode())
    secret = SIGNING_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


