"""The sealed gate's scoring (scripts/nlu_sealed_gate.py): each question sent to the real servers as
a new conversation, what the assistant decided read back from the tracker store, and the verdict
of each reply (answered, offered one click away, confidently wrong, other)."""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bma import registry
from bma.demo import is_demo_address
from evaluation.paths import DOMAIN
from harness.servers import SQLITE_TRACKER, Servers

# Replies given by a response of domain.yml (no action, hence no ``bma_decision``): the topic they answer.
RESPONSE_TOPICS = {"utter_goodbye": "goodbye", "utter_thanks": "thanks", "utter_bot_challenge": "bot_challenge",
                   "utter_out_of_scope": "out_of_scope"}
# Answers that serve one another's question (same content).
SAME_ANSWER = [{"faq_how_to_migrate", "faq_migration_steps"}, {"faq_more_questions", "human_handoff"}]


def same_answer(needed: str, given: str) -> bool:
    return needed == given or any(needed in group and given in group for group in SAME_ANSWER)


def answers(need: tuple[str, str | None], decision: dict) -> bool:
    """Does a reply's decision give the answer ``need`` (intent, sub-answer of §3 or None)?"""
    intent, sub = need
    topic, given_sub = decision.get("topic"), decision.get("sub")
    if intent == "faq_not_covered" or (intent == "faq_what_changes" and sub == "not_in_faq"):
        # What the FAQ does not answer (a detail of the new box included): the honest « la FAQ ne
        # répond pas / ne précise pas » reply, of faq_not_covered or of section 3 (both name the desks).
        return topic == "faq_not_covered" or (topic == "faq_what_changes" and given_sub == "not_in_faq")
    if intent == "faq_what_changes":
        return topic == intent and (sub is None or given_sub == sub)
    return same_answer(intent, topic or "")


def offers(need: tuple[str, str | None], decision: dict) -> bool:
    """Is the needed answer one click away in this reply's quick replies?"""
    intent, sub = need
    payloads = decision.get("offers") or []
    if intent == "faq_what_changes" and sub:
        return any(p.startswith("/faq_what_changes") and f'"{sub}"' in p for p in payloads)
    return any(same_answer(intent, p.lstrip("/").split("{")[0]) for p in payloads)


def judge(needs: list[tuple[str, str | None]], decisions: list[dict]) -> str:
    """answered, offered, confident_wrong or other (no answer given, nothing offered)."""
    given = [d for d in decisions if d.get("topic") not in (None, "ask_bma_address")]
    answered = [need for need in needs if any(answers(need, d) for d in given)]
    if len(answered) == len(needs):
        return "answered"
    missing = [need for need in needs if need not in answered]
    if all(any(offers(need, d) for d in given) for need in missing):
        return "offered"
    content = [d for d in given if d["topic"] not in ("clarify", "fallback", "greet") or d["topic"] in dict(needs)]
    wrong = [d for d in content if not any(answers(need, d) for need in needs)]
    return "confident_wrong" if wrong and not any(d["topic"] == "clarify" for d in given) else "other"


def read_back(tracker_db: Path, senders: list[str]) -> dict[str, dict]:
    """Per conversation: the first user intent and the decisions of the replies, read back through
    Rasa's own SQL tracker store."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered

    store = SQLTrackerStore(Domain.load(str(DOMAIN)), dialect="sqlite", db=str(tracker_db))

    async def read() -> dict[str, dict]:
        conversations = {}
        for sender in senders:
            tracker = await store.retrieve_full_tracker(sender)
            seen = conversations[sender] = {"intent": None, "decisions": []}
            for event in tracker.events if tracker else []:
                if isinstance(event, UserUttered) and seen["intent"] is None:
                    # The classifier's best intent (behind a « Vouliez-vous dire… », the first of the ranking).
                    ranking = [r["name"] for r in event.parse_data.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
                    seen["intent"] = ranking[0] if ranking else event.intent_name
                elif isinstance(event, BotUttered) and event.metadata.get("bma_decision"):
                    seen["decisions"].append(event.metadata["bma_decision"])
                elif isinstance(event, BotUttered) and event.metadata.get("utter_action") in RESPONSE_TOPICS:
                    seen["decisions"].append({"topic": RESPONSE_TOPICS[event.metadata["utter_action"]]})
        return conversations

    return asyncio.run(read())


def run(model: str, questions: list[dict]) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="nlu-gate-") as tmp:
        workdir = Path(tmp)
        registry_url = f"sqlite:///{workdir / 'registry.sqlite3'}"
        registry.load_demo(registry_url, environ={})
        with registry.session(registry_url) as db:
            address = next(a for (a,) in db.query(registry.MailboxRow.address).order_by(registry.MailboxRow.address)
                           if is_demo_address(a))
        registry.dispose_engines()
        tracker_db = workdir / "tracker.sqlite3"
        servers = Servers(workdir, {"BMA_DB_URL": registry_url}, Path(model),
                          endpoints_extra=SQLITE_TRACKER.format(path=tracker_db))
        try:
            servers.start_actions()
            servers.start_rasa()
            for number, question in enumerate(questions):
                sender = f"sealed-{number}"
                replies = servers.say(sender, question["text"])
                if any("adresse de votre BMA" in (r.get("text") or "") and "?" in (r.get("text") or "") for r in replies):
                    servers.say(sender, address)
        finally:
            servers.stop()
        return read_back(tracker_db, [f"sealed-{n}" for n in range(len(questions))])
