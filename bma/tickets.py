"""The prepared message to a desk: what to send, what to say on the phone (no Rasa import)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from bma.desks import Route
from bma.replies import ASSISTANT, Q_STATUS, Reply, faq

NAME_RE = re.compile(r"^[^\W\d_][^\W\d_' \-.]*(?:[' \-.]+[^\W\d_]+)*\.?$")
MAX_NAME = 60
MAX_DESCRIPTION = 300


@dataclass(frozen=True)
class Draft:
    route: Route
    last_name: str
    first_name: str
    address: str | None
    description: str

    @property
    def subject(self) -> str:
        return f"BMA {self.address or '(adresse inconnue)'} : demande d'aide migration"

    @property
    def body(self) -> str:
        return (
            "Bonjour,\n\n"
            f"{self.description}\n\n"
            f"Nom : {self.last_name}\nPrénom : {self.first_name}\n"
            f"Adresse mail administrative : {self.address or 'inconnue'}\n\n"
            f"Je vous remercie par avance.\n{self.first_name} {self.last_name}"
        )

    @property
    def mailto(self) -> str:
        return f"mailto:{self.route.contact.email}?subject={quote(self.subject)}&body={quote(self.body)}"



def clean_field(slot: str, text: str) -> tuple[str | None, str | None]:
    """(value, None) when ``text`` is acceptable for ``slot``, else (None, French reason)."""
    value = " ".join(text.split())
    if slot in ("ticket_last_name", "ticket_first_name"):
        what = "nom" if slot == "ticket_last_name" else "prénom"
        if not value or len(value) > MAX_NAME or not NAME_RE.match(value):
            return None, f"Je n'ai pas compris ce {what} : indiquez-le en lettres, par exemple « Dupont »."
        return value, None
    if len(value) < 3:
        return None, "Décrivez votre problème en une phrase, s'il vous plaît."
    if len(value) > MAX_DESCRIPTION:
        value = value[: MAX_DESCRIPTION - 1] + "…"
    return value, None


def draft(*, route: Route, last_name: str, first_name: str, address: str | None, description: str) -> Draft:
    return Draft(route, last_name, first_name, address, description)


def of_desk(name: str) -> str:
    """« relève du Service Desk… », « de l'équipe… », « du service… » (French contraction of de + le)."""
    return f"du {name[3:]}" if name.startswith("le ") else f"de {name}"


def reply(d: Draft, ticket_number: int | None) -> Reply:
    contact = d.route.contact
    text = (
        f"Votre demande relève {of_desk(contact.name)} : {d.route.reason}.\n"
        f"[Envoyer le message préparé à {contact.email}]({d.mailto})"
    )
    if contact.phone:
        text += (f"\nVous pouvez aussi téléphoner au {contact.phone} en indiquant vos nom, prénom et adresse mail "
                 "administrative.")
    send_it = "envoyez le message préparé ou téléphonez" if contact.phone else "envoyez le message préparé"
    if ticket_number is not None:
        text += (
            f"\n\nL'assistant garde une trace de cette demande sous le numéro {ticket_number} (un numéro interne, "
            f"que le service ne connaît pas). Elle n'est pas transmise automatiquement : {send_it}."
        )
    return Reply(text, [Q_STATUS], (*faq(*d.route.sections), ASSISTANT))
