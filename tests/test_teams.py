"""The Teams channel against a fake Bot Framework (a real Sanic server on 127.0.0.1 speaking
the protocol) and the real Rasa and action servers."""
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

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from channels.teams import clean_text
from tests.servers import ROOT, Servers, free_port, latest_model, wait_until_up

APP_ID = "11111111-2222-3333-4444-555555555555"
APP_PASSWORD = "test-secret-not-a-real-one"
TENANT = "tenant-123"
ISSUER = "https://api.botframework.com"


def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = rsa_key()
OTHER_KEY = rsa_key()


@pytest.fixture(scope="module")
def teams(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("teams")
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
    jwk.update({"kid": "test-key", "use": "sig", "endorsements": ["msteams"]})
    (workdir / "jwks.json").write_text(json.dumps({"keys": [jwk]}))
    fake_port = free_port()
    fake_log = workdir / "fake.log"
    fake = subprocess.Popen([sys.executable, str(ROOT / "tests/fake_botframework.py"), str(fake_port),
                             str(workdir / "jwks.json"), APP_ID, APP_PASSWORD, TENANT],
                            cwd=ROOT, stdout=fake_log.open("w"), stderr=subprocess.STDOUT)
    fake_url = f"http://127.0.0.1:{fake_port}"
    credentials = (
        "rest:\nchannels.teams.TeamsInput:\n"
        f"  app_id: {APP_ID}\n  app_password: {APP_PASSWORD}\n  tenant_id: {TENANT}\n"
        f"  openid_metadata_url: {fake_url}/v1/.well-known/openidconfiguration\n"
        f"  token_url: {fake_url}/{{tenant_id}}/oauth2/v2.0/token\n"
        "  leeway_seconds: 60\n"
    )
    servers = Servers(workdir, {"BMA_DB_URL": f"sqlite:///{workdir / 'r.sqlite3'}", "BMA_TODAY": "2024-11-15",
                                "PYTHONPATH": str(ROOT)}, latest_model(), credentials=credentials)
    try:
        wait_until_up(fake_url + "/health", fake, 60, fake_log)
        servers.start_actions()
        servers.start_rasa()
        yield servers, fake_url
        assert APP_PASSWORD not in (workdir / "rasa.log").read_text()  # never logged
    finally:
        servers.stop()
        fake.terminate()
        fake.wait(10)


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


def post(rasa_url, body, authorization=None, raw=None):
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


def test_signed_message_gets_the_french_answer_with_a_hero_card(teams):
    servers, fake_url = teams
    cid = f"a:{uuid.uuid4().hex}"
    body = activity(fake_url, cid, text="<at>Assistant BMA</at> pourquoi cette migration ?")
    assert post(servers.rasa_url, body, "Bearer " + token(fake_url)) == 200
    replies = received(fake_url, cid)
    assert "SMAIL2" in reply_text(replies) and "multipliée par 25" in reply_text(replies)
    card = next(a["attachments"][0] for a in replies if a.get("attachments"))
    assert card["contentType"] == "application/vnd.microsoft.card.hero"
    button = card["content"]["buttons"][0]
    assert button["type"] == "messageBack" and button["value"]["payload"].startswith("/")
    reply = replies[0]
    assert reply["conversation"]["id"] == cid and reply["replyToId"] == body["id"]
    assert reply["recipient"]["id"] == "29:user-1" and reply["from"]["id"] == f"28:{APP_ID}"

    # The card click comes back with the payload: the intended answer follows.
    click = activity(fake_url, cid, text="Les étapes", value={"payload": "/faq_migration_steps"})
    assert post(servers.rasa_url, click, "Bearer " + token(fake_url)) == 200
    assert "Environ 3500 boîtes" in reply_text(received(fake_url, cid)[len(replies):])


def test_bot_added_to_a_conversation_says_welcome(teams):
    servers, fake_url = teams
    cid = f"a:{uuid.uuid4().hex}"
    update = activity(fake_url, cid, type="conversationUpdate", text=None,
                      membersAdded=[{"id": f"28:{APP_ID}"}, {"id": "29:user-1"}])
    assert post(servers.rasa_url, update, "Bearer " + token(fake_url)) == 200
    assert "assistant automatique" in reply_text(received(fake_url, cid))


def hs256_with_public_key(url):
    """The classic key-confusion forgery, built by hand (PyJWT refuses to make it)."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "test-key"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": APP_ID, "exp": int(time.time()) + 600, "serviceUrl": url}).encode())
    secret = SIGNING_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


FORGERIES = {
    "no token": lambda url: None,
    "not bearer": lambda url: "Basic " + token(url),
    "bad signature": lambda url: "Bearer " + token(url, key=OTHER_KEY),
    "wrong issuer": lambda url: "Bearer " + token(url, iss="https://evil.example"),
    "wrong audience": lambda url: "Bearer " + token(url, aud="another-bot"),
    "expired": lambda url: "Bearer " + token(url, exp=int(time.time()) - 3600),
    "no expiry": lambda url: "Bearer " + token(url, exp=None),
    "serviceUrl mismatch": lambda url: "Bearer " + token(url, serviceUrl="https://evil.example/"),
    "unknown kid": lambda url: "Bearer " + token(url, kid="who-knows"),
    "alg none": lambda url: "Bearer " + jwt.encode({"iss": ISSUER, "aud": APP_ID, "exp": int(time.time()) + 600,
                                                    "serviceUrl": url}, None, algorithm="none"),
    "HS256 with the public key": lambda url: "Bearer " + hs256_with_public_key(url),
    "garbage": lambda url: "Bearer not.a.jwt",
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_requests_get_401_and_nothing_is_processed(teams, forgery):
    servers, fake_url = teams
    cid = f"a:{uuid.uuid4().hex}"
    status = post(servers.rasa_url, activity(fake_url, cid, text="pourquoi cette migration ?"), FORGERIES[forgery](fake_url))
    assert status == 401
    time.sleep(0.3)
    assert received(fake_url, cid) == []


def test_bad_bodies_get_400(teams):
    servers, fake_url = teams
    assert post(servers.rasa_url, None, "Bearer " + token(fake_url), raw=b"{not json") == 400
    assert post(servers.rasa_url, None, "Bearer " + token(fake_url), raw=b"[1, 2]") == 400


def test_clean_text():
    assert clean_text({"text": "<at>Assistant BMA</at> mdp perdu"}) == "mdp perdu"
    assert clean_text({"text": "a &amp; b <b>gras</b>"}) == "a & b gras"
    assert clean_text({"text": "x", "value": {"payload": "/greet"}}) == "/greet"
    assert clean_text({"text": 42}) == ""
