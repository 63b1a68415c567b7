"""The dashboard's figures for a period: sums of the daily counters (analytics.ingest), the
registry's tickets and the feedback table. A few indexed queries, whatever the traffic."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from analytics.db import DailyCount, Feedback
from bma.intents import INTENTS
from bma.phases import PHASE_LABELS_FR, Phase
from bma.registry.store import (
    RegistrySource,
    TicketRow,
    count_demo_mailboxes,
    count_mailboxes,
    count_mailboxes_without_source,
    registry_sources,
)
from console.db import session
from feedback.votes import REASONS

# « non enregistré »: a reply recorded before the desks and the phase were (analytics/decisions.py).
UNRECORDED_FR = "non enregistré"
TICKET_DESKS_FR = {"sgne": "SGNE (équipe migration)", "etnic": "Service Desk de l'ETNIC",
                   "enseignement_be": "Enseignement.be"}
DESKS_FR = {**TICKET_DESKS_FR, "unrecorded": UNRECORDED_FR}  # also the hand-offs' desks, as their replies recorded them
OTHER_LABELS_FR = {
    "nlu_fallback": "non compris",
    "out_of_scope": "hors sujet",
    "affirm": "oui",
    "deny": "non",
    "inform": "adresse donnée",
    "": "sujet inconnu",
}
MAX_DAYS = 366
# The phases of the mailboxes looked up, in the campaign's order (« unknown »: not in the registry).
PHASES_FR = {**{p.value: PHASE_LABELS_FR[p] for p in (*[p for p in Phase if p is not Phase.UNKNOWN], Phase.UNKNOWN)},
             "unavailable": "registre injoignable", "no_registry": "registre vide", "unrecorded": UNRECORDED_FR}
KEYED = ("handoff_desk", "lookup_phase")  # daily counters shown by key


def intent_label(intent: str | None) -> str:
    if intent in INTENTS and INTENTS[intent].label:
        return INTENTS[intent].label
    return OTHER_LABELS_FR.get(intent or "", intent or "sujet inconnu")


def is_faq_topic(intent: str) -> bool:
    return intent in INTENTS and INTENTS[intent].answer is not None


class PeriodError(ValueError):
    """A French message about the chosen dates."""


def period(start: str | None, end: str | None, today: dt.date) -> tuple[dt.date, dt.date]:
    """The chosen period (YYYY-MM-DD), by default the last 30 days including today."""
    try:
        last = dt.date.fromisoformat(end) if end else today
        first = dt.date.fromisoformat(start) if start else last - dt.timedelta(days=29)
    except ValueError as error:
        raise PeriodError("Dates attendues au format AAAA-MM-JJ.") from error
    if first > last:
        raise PeriodError("La date de début est après la date de fin.")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"Choisissez une période d'au plus {MAX_DAYS} jours.")
    return first, last


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    totals: Counter = field(default_factory=Counter)  # metric → count
    intents: Counter = field(default_factory=Counter)  # intent → messages
    per_day: dict = field(default_factory=dict)  # day → messages
    tickets: Counter = field(default_factory=Counter)  # desk → tickets
    feedback: dict = field(default_factory=lambda: defaultdict(Counter))  # intent → {up, down}
    feedback_reasons: Counter = field(default_factory=Counter)
    keyed: dict = field(default_factory=lambda: defaultdict(Counter))  # metric of KEYED → key → count

    def rate(self, metric: str) -> float | None:
        messages = self.totals["messages"]
        return self.totals[metric] / messages if messages else None

    @property
    def faq_topics(self) -> list[tuple[str, int]]:
        return sorted(((i, n) for i, n in self.intents.items() if is_faq_topic(i)), key=lambda x: (-x[1], x[0]))

    @property
    def handoff_desks(self) -> list[tuple[str, int]]:
        """(desk, hand-offs that named it), most named first."""
        return sorted(self.keyed["handoff_desk"].items(), key=lambda x: (-x[1], x[0]))

    @property
    def lookup_phases(self) -> list[tuple[str, int]]:
        """(phase, addresses looked up in that phase), in the campaign's order."""
        found = self.keyed["lookup_phase"]
        return [(phase, found[phase]) for phase in PHASES_FR if found[phase]] + \
            sorted((k, n) for k, n in found.items() if k not in PHASES_FR and n)

    @property
    def feedback_by_topic(self) -> list[tuple[str, int, int]]:
        rows = [(intent, c["up"], c["down"]) for intent, c in self.feedback.items()]
        return sorted(rows, key=lambda r: (-(r[1] + r[2]), r[0]))


def figures(url: str, start: dt.date, end: dt.date) -> Figures:
    result = Figures(start, end)
    within = DailyCount.day.between(start, end)
    with session(url) as db:
        for metric, key, total in db.execute(select(DailyCount.metric, DailyCount.key, func.sum(DailyCount.count))
                                             .where(within).group_by(DailyCount.metric, DailyCount.key)):
            result.totals[metric] += int(total)
            if metric == "intent":
                result.intents[key] += int(total)
            elif metric in KEYED:
                result.keyed[metric][key] += int(total)
        result.per_day = {day: int(n) for day, n in db.execute(
            select(DailyCount.day, func.sum(DailyCount.count)).where(within, DailyCount.metric == "messages")
            .group_by(DailyCount.day))}
        since = dt.datetime.combine(start, dt.time())
        until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time())
        for route, n in db.execute(select(TicketRow.route, func.count()).where(
                TicketRow.created_at >= since, TicketRow.created_at < until).group_by(TicketRow.route)):
            result.tickets[route] += n
        for intent, rating, reason, status, n in db.execute(
                select(Feedback.intent, Feedback.rating, Feedback.reason, Feedback.status, func.count())
                .where(Feedback.day.between(start, end))
                .group_by(Feedback.intent, Feedback.rating, Feedback.reason, Feedback.status)):
            topic = intent if status == "resolved" else ""
            result.feedback[topic or ""][rating] += n
            result.totals[f"feedback_{rating}"] += n
            if reason:
                result.feedback_reasons[reason] += n
    result.totals["tickets"] = sum(result.tickets.values())
    return result


@dataclass
class RegistryOverview:
    """Where the registry's rows come from (the dashboard's « Registre des boîtes » section);
    ``loaded_at`` of each source in the console's time zone, keyed by source id."""

    total: int
    demo_rows: int
    without_source: int
    sources: list[RegistrySource]
    loaded_at: dict[int, dt.datetime]


def registry_overview(url: str, timezone: str) -> RegistryOverview:
    zone = ZoneInfo(timezone)
    sources = registry_sources(url)
    loaded_at = {s.id: s.loaded_at.replace(tzinfo=dt.timezone.utc).astimezone(zone) for s in sources}
    return RegistryOverview(count_mailboxes(url), count_demo_mailboxes(url), count_mailboxes_without_source(url),
                            sources, loaded_at)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def as_csv(f: Figures) -> str:
    """Every aggregate of the period, one per line (; separated, UTF-8 with BOM for spreadsheets)."""
    out = io.StringIO()
    w = csv.writer(out, delimiter=";")
    w.writerow(["section", "indicateur", "clé", "valeur"])
    w.writerow(["période", "du", "", f.start.isoformat()])
    w.writerow(["période", "au", "", f.end.isoformat()])
    for metric, label in (("conversations", "conversations"), ("messages", "messages"),
                          ("clarification", "clarifications (« Vouliez-vous dire… »)"),
                          ("fallback", "non compris (repli)"), ("none_of_these", "« Aucune de ces propositions »"),
                          ("not_covered", "questions hors FAQ"), ("handoff", "transferts vers une personne"),
                          ("tickets", "messages préparés (tickets)"), ("feedback_up", "réponses jugées utiles"),
                          ("feedback_down", "réponses jugées pas utiles")):
        w.writerow(["totaux", label, metric, f.totals[metric]])
    for metric in ("clarification", "fallback"):
        rate = f.rate(metric)
        w.writerow(["taux", f"taux de {'clarification' if metric == 'clarification' else 'repli'}", metric,
                    "" if rate is None else f"{rate:.4f}"])
    for intent, n in sorted(f.intents.items(), key=lambda x: (-x[1], x[0])):
        w.writerow(["messages par intention", intent_label(intent), intent or "", n])
    for desk, n in sorted(f.tickets.items()):
        w.writerow(["tickets par service", DESKS_FR.get(desk, desk), desk, n])
    for desk, n in f.handoff_desks:
        w.writerow(["transferts par service", DESKS_FR.get(desk, desk), desk, n])
    for phase, n in f.lookup_phases:
        w.writerow(["boîtes consultées par phase", PHASES_FR.get(phase, phase), phase, n])
    for intent, up, down in f.feedback_by_topic:
        w.writerow(["avis par sujet", intent_label(intent), f"{intent or ''}:up", up])
        w.writerow(["avis par sujet", intent_label(intent), f"{intent or ''}:down", down])
    for reason, n in sorted(f.feedback_reasons.items()):
        w.writerow(["raisons des avis pas utiles", REASONS.get(reason, reason), reason, n])
    for day in days(f.start, f.end):
        w.writerow(["messages par jour", day.isoformat(), "", f.per_day.get(day, 0)])
    return "\ufeff" + out.getvalue()
