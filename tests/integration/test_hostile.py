"""The hostile corpus over the REST webhook, the socket.io channel and the Teams channel: each
input gets a clear French reply or a 4xx — never a 500 or a traceback — and the assistant keeps
answering normal questions afterwards."""
import asyncio
import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
import socketio

from tests.support.botframework import activity, post_teams, received, reply_text, token
from tests.support.hostile_inputs import MESSAGES, REST_BODIES

FORBIDDEN = re.compile(r"Traceback|Exception|Error:|File \"/|sqlalchemy|NoneType", re.I)


def post_raw(url: str, body: bytes):
    request = urllib.request.Request(url + "/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def assert_french_or_4xx(status: int, body: str, what: str):
    assert status != 500 and status < 500, f"{what}: {status} {body[:200]}"
    assert not FORBIDDEN.search(body), f"{what}: {body[:300]}"
    if status == 200:
        replies = json.loads(body)
        assert replies and all(r.get("text") or r.get("buttons") for r in replies), f"{what}: silence"
    else:
        assert 400 <= status < 500, f"{what}: {status}"


def test_corpus_size():
    assert len(MESSAGES) + len(REST_BODIES) >= 50


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_rest_messages(channel_stack, name):
    servers, _ = channel_stack
    body = json.dumps({"sender": f"hostile-{uuid.uuid4().hex[:8]}", "message": MESSAGES[name]}).encode()
    status, text = post_raw(servers.rasa_url, body)
    assert_french_or_4xx(status, text, name)


@pytest.mark.parametrize("name", sorted(REST_BODIES))
def test_rest_bodies(channel_stack, name):
    servers, _ = channel_stack
    status, text = post_raw(servers.rasa_url, REST_BODIES[name])
    assert_french_or_4xx(status, text, name)


def test_rest_specific_refusals(channel_stack):
    servers, _ = channel_stack
    url = servers.rasa_url
    sender = f"h-{uuid.uuid4().hex[:8]}"
    status, text = post_raw(url, json.dumps({"sender": sender, "message": "a" * 10_000}).encode())
    assert status == 200 and "trop long" in text
    status, text = post_raw(url, json.dumps({"sender": sender, "message": "mdp: Secret123!"}).encode())
    assert "ne communiquez jamais un mot de passe" in json.loads(text)[0]["text"] and "Secret123!" not in text
    status, text = post_raw(url, REST_BODIES["malformed json"])
    assert status == 400 and "JSON" in json.loads(text)["error"]


def test_rest_still_answers_after_the_corpus(channel_stack):
    servers, _ = channel_stack
    replies = servers.say(f"after-{uuid.uuid4().hex[:8]}", "pourquoi cette migration ?")
    assert "SMAIL2" in " ".join(r.get("text", "") for r in replies)


async def socket_round(url: str, payloads: list, origin: str = "http://127.0.0.1:8080") -> list:
    """Send each payload over socket.io; returns the bot texts received for each."""
    client = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", lambda data: inbox.put_nowait(data))
    await client.connect(url, transports=["polling"], headers={"Origin": origin}, wait_timeout=10)
    session = f"hostile-{uuid.uuid4().hex[:8]}"
    await client.emit("session_request", {"session_id": session})
    answers = []
    for payload in payloads:
        await client.emit("user_uttered", payload if not isinstance(payload, str) else {"message": payload, "session_id": session})
        texts = []
        try:
            texts.append(await asyncio.wait_for(inbox.get(), 30))
            while True:
                texts.append(await asyncio.wait_for(inbox.get(), 0.7))
        except asyncio.TimeoutError:
            pass
        answers.append(texts)
    await client.disconnect()
    return answers


def test_socketio_corpus(channel_stack):
    servers, _ = channel_stack
    names = sorted(MESSAGES)
    extra = [42, "just a string", None, ["a"], {"message": "bonjour"}, {"message": {"a": 1}, "session_id": "x"}]
    answers = asyncio.run(socket_round(servers.rasa_url, [MESSAGES[n] for n in names] + extra + ["pourquoi cette migration ?"]))
    for name, texts in zip(names + [repr(e) for e in extra], answers):
        assert texts, f"socket.io {name}: silence"
        for data in texts:
            assert isinstance(data, dict) and (data.get("text") or data.get("quick_replies")), (name, data)
            assert not FORBIDDEN.search(json.dumps(data, ensure_ascii=False)), (name, data)
    assert "SMAIL2" in " ".join(d.get("text", "") for d in answers[-1])


def test_socketio_refuses_other_origins(channel_stack):
    servers, _ = channel_stack
    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(socket_round(servers.rasa_url, ["bonjour"], origin="https://evil.example"))


def test_teams_corpus(channel_stack):
    servers, fake_url = channel_stack
    for name in sorted(MESSAGES):
        cid = f"a:{uuid.uuid4().hex}"
        status = post_teams(servers.rasa_url, activity(fake_url, cid, text=MESSAGES[name]), "Bearer " + token(fake_url))
        assert status == 200, (name, status)
        replies = received(fake_url, cid)
        assert replies, f"Teams {name}: silence"
        assert not FORBIDDEN.search(reply_text(replies)), (name, reply_text(replies)[:300])
    cid = f"a:{uuid.uuid4().hex}"
    assert post_teams(servers.rasa_url, activity(fake_url, cid, text="pourquoi cette migration ?"), "Bearer " + token(fake_url)) == 200
    assert "SMAIL2" in reply_text(received(fake_url, cid))
