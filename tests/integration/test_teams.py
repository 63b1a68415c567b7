"""The Teams channel against a fake Bot Framework (a real Sanic server on 127.0.0.1 speaking
the protocol) and the real Rasa and action servers."""
import time
import uuid

import jwt
import pytest

from channels.teams import clean_text
from tests.support.botframework import (
    APP_ID, ISSUER, OTHER_KEY, activity, hs256_with_public_key, post_teams, received, reply_text, token,
)


@pytest.fixture(scope="module")
def teams(channel_stack):
    return channel_stack


def test_signed_message_gets_the_french_answer_with_a_hero_card(teams):
    servers, fake_url = teams
    cid = f"a:{uuid.uuid4().hex}"
    body = activity(fake_url, cid, text="<at>Assistant BMA</at> pourquoi cette migration ?")
    assert post_teams(servers.rasa_url, body, "Bearer " + token(fake_url)) == 200
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
    assert post_teams(servers.rasa_url, click, "Bearer " + token(fake_url)) == 200
    assert "Environ 3500 boîtes" in reply_text(received(fake_url, cid)[len(replies):])


def test_bot_added_to_a_conversation_says_welcome(teams):
    servers, fake_url = teams
    cid = f"a:{uuid.uuid4().hex}"
    update = activity(fake_url, cid, type="conversationUpdate", text=None,
                      membersAdded=[{"id": f"28:{APP_ID}"}, {"id": "29:user-1"}])
    assert post_teams(servers.rasa_url, update, "Bearer " + token(fake_url)) == 200
    assert "assistant automatique" in reply_text(received(fake_url, cid))


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
    status = post_teams(servers.rasa_url, activity(fake_url, cid, text="pourquoi cette migration ?"), FORGERIES[forgery](fake_url))
    assert status == 401
    time.sleep(0.3)
    assert received(fake_url, cid) == []


def test_bad_bodies_get_400(teams):
    servers, fake_url = teams
    assert post_teams(servers.rasa_url, None, "Bearer " + token(fake_url), raw=b"{not json") == 400
    assert post_teams(servers.rasa_url, None, "Bearer " + token(fake_url), raw=b"[1, 2]") == 400


def test_clean_text():
    assert clean_text({"text": "<at>Assistant BMA</at> mdp perdu"}) == "mdp perdu"
    assert clean_text({"text": "a &amp; b <b>gras</b>"}) == "a & b gras"
    assert clean_text({"text": "x", "value": {"payload": "/greet"}}) == "/greet"
    assert clean_text({"text": 42}) == ""
