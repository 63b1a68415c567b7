"""Broker events shaped exactly like Rasa 3.6's (``SQLEventBroker.publish``: one row per event,
``data`` = the event as JSON with the sender id), for the console's tests and load test.
Never written to the real events database: the caller chooses the database.

    events = conversation(random.Random(1), "conv-1", start=1.7e9)
    write(engine, events)
"""
from __future__ import annotations

import json
import random
import time
import uuid

from sqlalchemy import insert

from analytics.db import broker_events, broker_metadata
from bma import decisions
from bma.replies import ASSISTANT, Reply

MODEL_ID = "5fcc119bed014da08b067740565f0bd5"
META = {"model_id": MODEL_ID, "assistant_id": "bma-migration-assistant"}
FAQ_INTENTS = ["faq_lost_new_password", "faq_lost_old_password", "faq_no_email_received", "faq_how_to_migrate",
               "faq_what_changes", "faq_migration_steps", "faq_bma_definition", "faq_migration_reason",
               "faq_more_questions", "check_migration_status"]
PHRASES = {
    "faq_lost_new_password": ["j'ai perdu le nouveau mot de passe", "nouveau mdp perdu", "je ne retrouve plus le mot de passe reçu"],
    "faq_lost_old_password": ["je n'ai plus l'ancien mot de passe", "ancien mdp oublié", "j'ai oublié mon ancien code"],
    "faq_no_email_received": ["je n'ai reçu aucun mail", "pas reçu l'e-mail de migration", "rien reçu pour la migration"],
    "faq_how_to_migrate": ["que dois-je faire ?", "comment migrer ma boîte", "quelles démarches pour la migration"],
    "faq_what_changes": ["qu'est-ce qui change ?", "est-ce que mon adresse change", "quoi de neuf avec exchange"],
    "faq_migration_steps": ["quelles sont les étapes", "comment se passe la migration", "le calendrier de la migration"],
    "faq_bma_definition": ["c'est quoi une bma", "que veut dire BMA", "la boîte administrative c'est quoi"],
    "faq_migration_reason": ["pourquoi cette migration", "pourquoi changer de serveur", "à quoi sert la migration"],
    "faq_more_questions": ["j'ai encore des questions", "qui contacter", "un numéro pour la migration"],
    "check_migration_status": ["où en est ma boîte ?", "ma boîte est-elle migrée", "état de la migration de ma bma"],
}
UNCLEAR = ["ça marche pas", "outlook plante depuis hier", "le truc de la boite", "problème avec le lien",
           "impossible de me connecter au webmail", "message d'erreur bizarre", "je comprends rien"]
NOT_COVERED = ["est-ce que les archives de 2010 seront gardées", "peut-on avoir deux bma pour l'école",
               "la migration touche-t-elle teams", "combien coûte la migration"]


def _event(sender: str, kind: str, ts: float, **fields) -> dict:
    return {"sender_id": sender, "event": kind, "timestamp": ts, "metadata": dict(META), **fields}


def action(sender: str, ts: float, name: str, policy: str | None = "RulePolicy") -> dict:
    return _event(sender, "action", ts, name=name, policy=policy, confidence=1.0, action_text=None,
                  hide_rule_turn=policy is not None)


def user(sender: str, ts: float, text: str, intent: str, confidence: float, ranking: list | None = None) -> dict:
    ranking = ranking or [(intent, confidence)]
    return _event(sender, "user", ts, text=text, parse_data={
        "intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
        "message_id": uuid.uuid4().hex, "metadata": {},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }, input_channel="socketio", message_id=uuid.uuid4().hex)


def decision(topic: str, desks=(), lookup: str | None = None, phase: str | None = None,
             address_given: bool = False) -> dict:
    """The ``bma_decision`` an action records with its reply (bma/decisions.py)."""
    return decisions.decision(Reply("…", [], [ASSISTANT]), topic, desks=desks, period="during", lookup=lookup,
                              phase=phase, address_given=address_given)


def bot(sender: str, ts: float, text: str, buttons: list | None = None, decided: dict | None = None) -> dict:
    event = _event(sender, "bot", ts, text=text, data={"elements": None, "quick_replies": None, "buttons": buttons,
                                                       "attachment": None, "image": None, "custom": None})
    if decided is not None:
        event["metadata"][decisions.DECISION_KEY] = decided
    return event


def slot(sender: str, ts: float, name: str, value) -> dict:
    return _event(sender, "slot", ts, name=name, value=value)


def session_start(sender: str, ts: float) -> list[dict]:
    return [action(sender, ts, "action_session_start", None), _event(sender, "session_started", ts),
            action(sender, ts, "action_listen", None)]


def turn(sender: str, ts: float, text: str, intent: str, confidence: float, answer_action: str, answer: str,
         ranking: list | None = None, latency: float = 0.0, decided: dict | None = None) -> list[dict]:
    """One user message and its answer ``latency`` seconds later, as Rasa 3.6 publishes them
    (``decided``: the answer's recorded decision, when an action of the project gave it)."""
    return [user(sender, ts, text, intent, confidence, ranking),
            _event(sender, "user_featurization", ts, use_text_for_featurization=False),
            action(sender, ts + latency, answer_action), bot(sender, ts + latency, answer, decided=decided),
            action(sender, ts + latency, "action_listen")]


def answer_text(intent: str) -> str:
    return f"Réponse de la FAQ pour {intent}.\n\nD'autres questions ? Utilisez les boutons."


HANDOFF_DECISION = decision(decisions.HANDOFF_TOPIC, desks=("sgne", "etnic"))  # no topic asked: both desks


def conversation(rng: random.Random, sender: str, start: float) -> list[dict]:
    """A plausible conversation: 1 to 5 turns of FAQ answers, clarifications (some refused with
    « aucune de ces propositions »), questions outside the FAQ, hand-offs and thanks."""
    events, ts = session_start(sender, start), start
    for _ in range(rng.choices([1, 2, 3, 4, 5], [30, 30, 20, 12, 8])[0]):
        ts += rng.uniform(5, 60)
        roll = rng.random()
        latency = rng.uniform(0.02, 0.3) if rng.random() < 0.95 else rng.uniform(0.3, 4.0)
        if roll < 0.68:
            intent = rng.choice(FAQ_INTENTS)
            confidence = rng.uniform(0.5, 0.6) if rng.random() < 0.08 else rng.uniform(0.85, 1.0)
            text = rng.choice(PHRASES[intent]) + rng.choice(["", " ?", " svp", " merci", "!"])
            if intent == "check_migration_status" and rng.random() < 0.5:
                # The address given in the question: Rasa sets the slot from the entity.
                address = f"{rng.choice(['ec', 'po'])}{rng.randint(1, 500):06d}@adm.cfwb.be"
                answered = turn(sender, ts, f"{text} {address}", intent, confidence, "action_answer_faq",
                                answer_text(intent), latency=latency,
                                decided=decision(intent, lookup="not_found", address_given=True))
                events += answered[:2] + [slot(sender, ts, "bma_address", address)] + answered[2:]
                continue
            events += turn(sender, ts, text, intent, confidence, "action_answer_faq", answer_text(intent),
                           latency=latency, decided=decision(intent))
        elif roll < 0.76:
            guess = rng.choice(FAQ_INTENTS)
            text = rng.choice(UNCLEAR) + rng.choice(["", " ?", "..."])
            events += turn(sender, ts, text, "nlu_fallback", 0.5, "action_default_ask_affirmation",
                           "Je ne suis pas sûr d'avoir compris. Vouliez-vous dire…",
                           ranking=[("nlu_fallback", 0.5), (guess, rng.uniform(0.2, 0.49)), ("out_of_scope", 0.1)],
                           latency=latency)
            ts += rng.uniform(3, 20)
            if rng.random() < 0.4:
                events += turn(sender, ts, "/deny", "deny", 1.0, "action_human_handoff",
                               "Je vous oriente vers une personne.\n\nSGNE ou ETNIC selon le cas.", latency=latency,
                               decided=HANDOFF_DECISION)
            else:
                events += turn(sender, ts, f"/{guess}", guess, 1.0, "action_answer_faq", answer_text(guess),
                               latency=latency)
        elif roll < 0.80:
            events += turn(sender, ts, rng.choice(NOT_COVERED), "faq_not_covered", rng.uniform(0.7, 0.95),
                           "action_answer_faq", "La FAQ ne répond pas à cette question.\n\nContactez le SGNE.",
                           latency=latency)
        elif roll < 0.85:
            events += turn(sender, ts, "parler à une personne", "human_handoff", 0.99, "action_human_handoff",
                           "Je vous oriente vers une personne.\n\nSGNE ou ETNIC selon le cas.", latency=latency,
                           decided=HANDOFF_DECISION)
        else:
            events += turn(sender, ts, rng.choice(["merci", "merci beaucoup", "super merci"]), "thanks", 0.99,
                           "utter_thanks", "Avec plaisir !", latency=latency)
    return events


def rows(events: list[dict]) -> list[dict]:
    return [{"sender_id": e["sender_id"], "data": json.dumps(e)} for e in events]


def write(engine, events: list[dict]) -> None:
    broker_metadata.create_all(engine)  # as Rasa's SQLEventBroker does at start-up
    with engine.begin() as conn:
        conn.execute(insert(broker_events), rows(events))


def generate(engine, conversations: int, days: int = 90, seed: int = 14, chunk: int = 2000,
             now: float | None = None) -> int:
    """``conversations`` conversations spread over the last ``days`` days; returns the events written."""
    rng = random.Random(seed)
    now = now or time.time()
    written, pending = 0, []
    for i in range(conversations):
        pending += conversation(rng, f"synthetic-{seed}-{i}", now - rng.uniform(0, days * 86400))
        if (i + 1) % chunk == 0:
            write(engine, pending)
            written, pending = written + len(pending), []
    if pending:
        write(engine, pending)
        written += len(pending)
    return written
