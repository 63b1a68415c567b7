"""The Teams channel against a fake Bot Framework (a real Sanic server on 127.0.0.1 speaking
the protocol) and the real Rasa and action servers."""
import json
import re
import sqlite3
import time
import uuid

import jwt
import pytest

from analytics.rated_answers import resolve_pending
from channels.teams import FEEDBACK_QUESTION_FR, clean_text
from console.config import settings
from console.db import dispose
from feedback.votes import bubbles, digest
from tests.support.botframework import (
    APP_ID,
    ISSUER,
    OTHER_KEY,
    activity,
    hs256_with_public_key,
    post_teams,
    received,
    reply_text,
    token,
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
    assert not feedback_cards(received(fake_url, cid))  # no « Cette réponse vous a-t-elle aidé ? » on the welcome


def feedback_cards(activities):
    return [a["attachments"][0]["content"] for a in activities
            if a.get("attachments") and a["attachments"][0]["content"].get("text") == FEEDBACK_QUESTION_FR]


def click(fake_url, cid, button):
    """What Teams sends when a messageBack button is clicked: its text and value, no display text."""
    return activity(fake_url, cid, text=button["text"], value=button["value"])


def test_feedback_card_actions_are_stored_like_the_web_votes(teams):
    """👍 / 👎 under each answer as messageBack actions; a click is stored in the feedback table
    exactly like the widget's vote (conversation, digest of the rated bubble, occurrence), linked
    by the console to the answer's intent, action, phase and model; never sent to Rasa."""
    servers, fake_url = teams
    db_url = servers.env["BMA_DB_URL"]
    cid = f"a:{uuid.uuid4().hex}"
    auth = "Bearer " + token(fake_url)
    for _ in range(2):  # the same answer twice: its bubbles are numbered 1 then 2
        assert post_teams(servers.rasa_url, activity(fake_url, cid, text="pourquoi cette migration ?"), auth) == 200
    replies = received(fake_url, cid)
    cards = feedback_cards(replies)
    assert len(cards) == 2 and replies[-1]["attachments"][0]["content"] == cards[1]  # after the answer
    answer = next(a for a in reversed(replies[:-1]) if a.get("text") or a.get("attachments"))
    shown = answer.get("text") or answer["attachments"][0]["content"]["text"]
    # The answer's « Source : » line is shown in italics; the rated bubble is the text Rasa stored.
    assert re.search(r"\n\n_Source : FAQ BMA \(octobre 2024\), [^\n]*_$", shown), shown[-120:]
    answer_text = re.sub(r"\n\n_(Source : [^\n]*)_$", r"\n\n\1", shown)
    up, down = cards[1]["buttons"]
    assert (up["title"], down["title"]) == ("👍 Oui", "👎 Non") and up["type"] == down["type"] == "messageBack"
    assert "displayText" not in down  # nothing written in the user's name
    rated = down["value"]["bma_feedback"]
    assert rated == {"digest": digest(bubbles(answer_text)[-1]), "occurrence": 2, "rating": "down"}
    assert cards[0]["buttons"][1]["value"]["bma_feedback"]["occurrence"] == 1

    # 👎: thanked, with the optional reasons as card actions; then a reason.
    seen = len(received(fake_url, cid))
    assert post_teams(servers.rasa_url, click(fake_url, cid, down), auth) == 200
    why = received(fake_url, cid)[seen:]
    assert len(why) == 1 and why[0]["attachments"][0]["content"]["text"] == "Merci pour votre avis. Pourquoi ? (facultatif)"
    reasons = why[0]["attachments"][0]["content"]["buttons"]
    assert [b["title"] for b in reasons] == ["Pas ma question", "Pas clair", "Incorrect"]
    assert post_teams(servers.rasa_url, click(fake_url, cid, reasons[1]), auth) == 200
    assert reply_text(received(fake_url, cid)[seen + 1:]) == "Merci pour votre avis."
    # A vote is not a message to the assistant: Rasa never saw « 👎 Non » nor « Pas clair ».
    events = sqlite3.connect(servers.workdir / "events.sqlite3").execute(
        "SELECT data FROM events WHERE sender_id = ?", (cid,)).fetchall()
    users = [json.loads(d)["text"] for (d,) in events if json.loads(d)["event"] == "user"]
    assert users == ["pourquoi cette migration ?"] * 2

    rows = sqlite3.connect(db_url.removeprefix("sqlite:///")).execute(
        "SELECT conversation_id, digest, occurrence, rating, reason, status FROM feedback WHERE conversation_id = ?",
        (cid,)).fetchall()
    assert rows == [(cid, rated["digest"], 2, "down", "unclear", "pending")]
    columns = {c[1] for c in sqlite3.connect(db_url.removeprefix("sqlite:///")).execute("PRAGMA table_info(feedback)")}
    assert not {"text", "address", "user_text", "name", "teams_user"} & columns
    # The console links it to the answer it rates, as it does for the web widget's votes.
    config = settings({"BMA_DB_URL": db_url, "BMA_EVENTS_DB_URL": f"sqlite:///{servers.workdir / 'events.sqlite3'}"})
    try:
        assert resolve_pending(config) >= 1
    finally:
        dispose()
    (intent, action, model_id, status), = sqlite3.connect(db_url.removeprefix("sqlite:///")).execute(
        "SELECT intent, action, model_id, status FROM feedback WHERE conversation_id = ?", (cid,)).fetchall()
    assert (intent, action, status) == ("faq_migration_reason", "action_answer_faq", "resolved")
    assert re.fullmatch(r"[0-9a-f]{32}", model_id)

    # A malformed vote is refused; a vote without a valid token is refused like any activity.
    bad = activity(fake_url, cid, text="x", value={"bma_feedback": {**rated, "reason": "<script>"}})
    assert post_teams(servers.rasa_url, bad, auth) == 400
    assert post_teams(servers.rasa_url, click(fake_url, cid, up), None) == 401


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


def test_a_password_typed_in_teams_is_masked_and_the_user_told_to_delete_it(teams):
    servers, fake_url = teams
    cid = f"a:{uuid.uuid4().hex}"
    body = activity(fake_url, cid, text="mon mot de passe est Ecole2024! et il ne marche pas")
    assert post_teams(servers.rasa_url, body, "Bearer " + token(fake_url)) == 200
    text = reply_text(received(fake_url, cid))
    # The message stays in the user's own Teams history: the reply says so and asks to delete it.
    assert "historique Teams" in text and "supprimez-le" in text
    assert "Ecole2024!" not in text
