"""The Teams feedback cards (hero cards with messageBack buttons) and the vote a click carries back
(channels/teams.py stores it like the web widget's, feedback/)."""
from __future__ import annotations

HERO = "application/vnd.microsoft.card.hero"
FEEDBACK_KEY = "bma_feedback"
FEEDBACK_QUESTION_FR = "Cette réponse vous a-t-elle aidé ?"
FEEDBACK_THANKS_FR = "Merci pour votre avis."
FEEDBACK_WHY_FR = "Merci pour votre avis. Pourquoi ? (facultatif)"
FEEDBACK_FAILED_FR = "Votre avis n'a pas pu être enregistré. Réessayez plus tard."
REASON_TITLES_FR = {"not_my_question": "Pas ma question", "unclear": "Pas clair", "incorrect": "Incorrect"}


def feedback_button(title: str, rated: dict, **vote: str) -> dict:
    """A messageBack action: nothing is shown in the chat, the value comes back to the bot."""
    return {"type": "messageBack", "title": title, "text": title, "value": {FEEDBACK_KEY: {**rated, **vote}}}


def feedback_card(bubble_digest: str, occurrence: int) -> dict:
    rated = {"digest": bubble_digest, "occurrence": occurrence}
    return {"contentType": HERO, "content": {"text": FEEDBACK_QUESTION_FR, "buttons": [
        feedback_button("👍 Oui", rated, rating="up"), feedback_button("👎 Non", rated, rating="down")]}}


def reasons_card(rated: dict) -> dict:
    rated = {"digest": rated.get("digest"), "occurrence": rated.get("occurrence")}
    return {"contentType": HERO, "content": {"text": FEEDBACK_WHY_FR, "buttons": [
        feedback_button(title, rated, rating="down", reason=code) for code, title in REASON_TITLES_FR.items()]}}


def feedback_value(activity: dict) -> dict | None:
    """The vote carried by a click on a feedback card, or None for any other activity."""
    value = activity.get("value")
    if isinstance(value, dict) and FEEDBACK_KEY in value:
        return value[FEEDBACK_KEY] if isinstance(value[FEEDBACK_KEY], dict) else {}
    return None
