"""The situation an answer is given in (no Rasa import): the reference date, how the mailbox was
looked up and what the registry says of it, the campaign's period; what the desk table says for it
(bma/desks.py), and the few phrasings every answer shares (bma/answers.py)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from bma import desks, facts
from bma.facts import SGNE, contact_lines
from bma.mailbox import Mailbox
from bma.phases import (
    CampaignPeriod,
    Phase,
    WindowStatus,
    campaign_period,
    email1_window_status,
)
from bma.replies import (
    Reply,
    registry,
)


class Lookup(str, Enum):
    NO_ADDRESS = "no_address"  # the user gave none (or declined)
    FOUND = "found"
    NOT_FOUND = "not_found"  # well-formed, but not in the registry
    UNAVAILABLE = "unavailable"  # the registry could not be read
    NO_REGISTRY = "no_registry"  # the registry holds no mailbox at all: the state is unknown


@dataclass(frozen=True)
class Situation:
    today: dt.date
    lookup: Lookup = Lookup.NO_ADDRESS
    address: str | None = None
    mailbox: Mailbox | None = None
    all_migrated: bool | None = None  # has every mailbox of the registry migrated? None: unknown

    @property
    def period(self) -> CampaignPeriod:
        return desks.period_of(self.today, self.all_migrated)

    @property
    def calendar(self) -> CampaignPeriod:
        """The campaign's period by the date alone: the tense of what is said follows it."""
        return campaign_period(self.today)

    @property
    def phase(self) -> Phase | None:
        return self.mailbox.phase(self.today) if self.mailbox else None

    @property
    def nothing_sent(self) -> bool:
        """A known mailbox to which nothing was sent although its e-mail-1 window is over (§8)."""
        return (self.mailbox is not None and self.phase is Phase.NOT_STARTED
                and email1_window_status(self.mailbox.kind, self.today) is WindowStatus.CLOSED)

    @property
    def over(self) -> bool:
        return self.period is CampaignPeriod.OVER

    @property
    def in_progress(self) -> bool:
        """A known mailbox on its way: e-mails sent, not migrated yet (its phase's rules apply)."""
        return self.phase in (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED)

    @property
    def not_started_after_campaign(self) -> bool:
        """Not started although the campaign is over, yet not « nothing sent » (the registry says every
        box migrated, or e-mail 1 is planned after the FAQ's windows): a question for the SGNE (§9)."""
        return self.over and self.phase is Phase.NOT_STARTED and not self.nothing_sent

    @property
    def general_after_campaign(self) -> bool:
        """After the campaign, with no mailbox on its way: the §3 rule (ETNIC) applies."""
        return self.over and not (self.lookup is Lookup.FOUND and (self.in_progress or self.phase is Phase.NOT_STARTED))

    @property
    def beyond_faq_calendar(self) -> bool:
        """A mailbox still on its way later than the FAQ's rules allow (e-mail n°3 at the latest on
        ``facts.LATEST_EMAIL3``)."""
        return self.in_progress and self.today > facts.LATEST_EMAIL3


def desk_case(intent: str, s: Situation) -> desks.Case | None:
    """The desk table's cell for ``intent`` in this situation."""
    return desks.case(intent, s.phase, s.lookup is Lookup.NOT_FOUND, **desk_where(s))


def desks_named(intent: str | None, s: Situation) -> tuple[facts.Contact, ...]:
    """The desks the table gives for ``intent`` in this situation (what a reply's decision records)."""
    cell = desk_case(intent or "", s)
    return cell.contacts if cell else ()


def desk_where(s: Situation) -> dict:
    """The situation as the desk table reads it (period, nothing sent, state unknown)."""
    return {"period": s.period, "nothing_sent": s.nothing_sent,
            "state_unknown": s.lookup in (Lookup.UNAVAILABLE, Lookup.NO_REGISTRY)}


def tense(period: CampaignPeriod, before: str, during: str, over: str) -> str:
    return {CampaignPeriod.BEFORE: before, CampaignPeriod.DURING: during, CampaignPeriod.OVER: over}[period]


def details_reminder() -> str:
    return f"Précisez bien {facts.CONTACT_DETAILS_TO_GIVE}."


def contact_block(contact: facts.Contact, why: str | None = None) -> str:
    head = f"Contactez {contact.name}"
    head += f" ({why}) :" if why else " :"
    return f"{head}\n{contact_lines(contact)}"


def contact_inline(contact: facts.Contact) -> str:
    """« par e-mail à [x](mailto:x) ou par téléphone au +32 … » in one sentence."""
    phone = f" ou par téléphone au {contact.phone}" if contact.phone else ""
    return f"par e-mail à {facts.mailto(contact)}{phone}"


def lower_first(text: str) -> str:
    return text[0].lower() + text[1:]


# --- Where the state comes from -----------------------------------------------------------------

DEMO_WARNING = (
    "Attention, données de démonstration : l'état ci-dessous vient des données de démonstration "
    "du registre, pas d'une vraie boîte."
)


def state_note(s: Situation) -> str | None:
    """Why a state-dependent answer is general, or that its state is demonstration data."""
    if s.lookup is Lookup.NOT_FOUND:
        return (
            f"Je ne trouve pas {s.address} dans le registre de la migration. Vérifiez l'adresse ; "
            f"si elle est correcte, contactez {SGNE.name} : {facts.mailto(SGNE)} ou {SGNE.phone}.\n\n"
            "En attendant, voici ce que prévoit la FAQ :"
        )
    if s.lookup is Lookup.UNAVAILABLE:
        return ("Je ne peux pas consulter le registre de la migration pour le moment : je ne connais pas l'état "
                "de votre boîte. Voici ce que prévoit la FAQ dans chaque cas.")
    if s.lookup is Lookup.NO_REGISTRY:
        return ("Le registre de la migration n'est pas chargé ici : je ne connais pas l'état de votre boîte. "
                "Voici ce que prévoit la FAQ dans chaque cas.")
    if s.lookup is Lookup.FOUND and s.mailbox.demo:
        return DEMO_WARNING
    return None


def situated(s: Situation, reply: Reply) -> Reply:
    """A state-dependent answer: the note on where its state comes from, and the registry as a source."""
    note = state_note(s)
    if note:
        reply.text = f"{note}\n\n{reply.text}"
    if s.lookup is Lookup.FOUND:
        reply.with_sources(registry(s.mailbox.provenance))
    return reply


# --- Sections 1, 2, 4, 5: the same for everybody (tense follows the date) ---------------
