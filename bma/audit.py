"""Every reply the assistant can give, rendered for a person to read (``make replies`` →
docs/replies.md): each intent × period (before, during, after the campaign) × mailbox situation
(no address, unknown address, registry empty or down, each phase, nothing sent) × kind (école / PO)
× MODE (in, out, unknown) × provenance (import, demonstration), with its sources. Identical replies
are printed once, with the situations that give them. A test fails when the committed file differs
from what the code renders, so every change of wording shows in review. No Rasa import.
"""
from __future__ import annotations

import datetime as dt
import sys
from collections import OrderedDict
from pathlib import Path

from bma import answers, desks, intents, prompts, tickets, what_changes
from bma.answers import Lookup, Situation
from bma.mailbox import DEMO_PROVENANCE, Mailbox, Provenance
from bma.phases import CampaignPeriod, MailboxDates, Phase
from bma.replies import Reply

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "replies.md"
PERIOD_DAYS = {
    CampaignPeriod.BEFORE: dt.date(2024, 9, 20),
    CampaignPeriod.DURING: dt.date(2024, 11, 15),
    CampaignPeriod.OVER: dt.date(2026, 12, 6),
}
# Days from the reference date to e-mails 1, 2, 3 and the migration, for each phase.
PHASE_OFFSETS = {
    Phase.NOT_STARTED: (10, 17, 38, 45),
    Phase.ANNOUNCED: (-3, 4, 25, 32),
    Phase.PASSWORD_SENT: (-10, -3, 18, 25),
    Phase.SCHEDULED: (-31, -24, -3, 4),
    Phase.MIGRATED: (-60, -53, -32, -25),
}
def imported(today: dt.date) -> Provenance:
    """An import made on the reference day itself (the freshest registry the situation allows)."""
    return Provenance(demo=False, label=f"import de registre.csv du {today:%d/%m/%Y}")
MODE_LABELS = {True: "dans MODE", False: "hors MODE", None: "MODE inconnu"}
ADDRESS = {"ec": "ec123456@adm.cfwb.be", "po": "po123456@adm.cfwb.be"}


def situations():
    """(label, Situation) for every column the answers distinguish."""
    for period, today in PERIOD_DAYS.items():
        when = desks.PERIOD_LABELS_FR[period]
        yield f"{when}, sans adresse", Situation(today)
        yield f"{when}, adresse absente du registre", Situation(today, Lookup.NOT_FOUND, ADDRESS["ec"])
        yield f"{when}, registre vide", Situation(today, Lookup.NO_REGISTRY, ADDRESS["ec"])
        yield f"{when}, registre injoignable", Situation(today, Lookup.UNAVAILABLE, ADDRESS["ec"])
        for kind in ("ec", "po"):
            for in_mode in (True, False, None):
                for phase, offsets in PHASE_OFFSETS.items():
                    if period is CampaignPeriod.BEFORE and phase is not Phase.NOT_STARTED:
                        continue  # before 01/10/2024 only the pilot had e-mails, which the FAQ does not describe
                    dates = MailboxDates(*(today + dt.timedelta(days=n) for n in offsets))
                    for provenance in (imported(today), DEMO_PROVENANCE) if (kind, in_mode) == ("ec", True) else (imported(today),):
                        mailbox = Mailbox(ADDRESS[kind], kind, "123456", in_mode, dates, provenance=provenance)
                        origin = "démo" if provenance.demo else "import"
                        yield (f"{when}, {kind}, {MODE_LABELS[in_mode]}, {phase.value}, {origin}",
                               Situation(today, Lookup.FOUND, mailbox.address, mailbox))
                mailbox = Mailbox(ADDRESS[kind], kind, "123456", in_mode, MailboxDates(), provenance=imported(today))
                yield (f"{when}, {kind}, {MODE_LABELS[in_mode]}, rien envoyé, import",
                       Situation(today, Lookup.FOUND, mailbox.address, mailbox))
    today = PERIOD_DAYS[CampaignPeriod.DURING]
    yield ("pendant les dates de la campagne, toutes les boîtes du registre migrées, sans adresse",
           Situation(today, all_migrated=True))


def replies_by_question():
    """OrderedDict: question title → list of (label, Reply)."""
    out: OrderedDict[str, list] = OrderedDict()
    every = list(situations())
    for intent, answer in intents.GENERAL_ANSWERS.items():
        if intent == "faq_what_changes":
            for topic in what_changes.CHANGE_TOPICS:
                out[f"{intent} — {topic}"] = [(label, what_changes.what_changes(s, topic)) for label, s in every]
        elif intent in ("faq_more_questions", "faq_not_covered"):
            for first in ("SGNE", "ETNIC"):
                out[f"{intent} — {first} en premier"] = [
                    (label, answer(s, technical_first=first == "ETNIC")) for label, s in every]
        else:
            out[intent] = [(label, answer(s)) for label, s in every]
    for topic in (*desks.TABLE, None):
        rows = []
        for label, s in every:
            contacts = desks.handoff_contacts(topic, s.phase, s.lookup is Lookup.NOT_FOUND, **answers.desk_where(s))
            rows.append((label, answers.handoff(s, contacts, not_understood=False, intent=topic)))
        out[f"parler à une personne, après {topic or 'aucune question'}"] = rows
    for topic in (*desks.TABLE, None):
        rows = []
        for label, s in every:
            route = desks.route(topic, s.phase, "je ne sais pas quoi faire", **answers.desk_where(s))
            draft = tickets.draft(route=route, last_name="Dupont", first_name="Anne",
                                  address=s.address, description="Je ne sais pas quoi faire.")
            rows.append((label, tickets.reply(draft, 12)))
        out[f"message préparé, après {topic or 'aucune question'}"] = rows
    out["accueil"] = [("registre importé", prompts.greeting(demo=False)),
                      ("données de démonstration", prompts.greeting(demo=True))]
    for slot, reply in prompts.ASK.items():
        out[f"question du formulaire : {slot}"] = [("toujours", reply)]
    out["message préparé annulé"] = [("toujours", prompts.TICKET_CANCELLED)]
    out["secours (dialogue perdu)"] = [("toujours", prompts.DEFAULT_FALLBACK)]
    return out


def describe(labels: list[str], every: list[str]) -> str:
    """The situations of a group, a whole period said in one phrase (« pendant la campagne : toutes »)."""
    if labels == every:
        return "toutes les situations"
    chosen, out = set(labels), []
    for period in desks.PERIOD_LABELS_FR.values():
        of_period = [label for label in every if label.startswith(period + ",")]
        mine = [label for label in of_period if label in chosen]
        if mine and mine == of_period:
            out.append(f"{period} : toutes les situations")
        elif mine:
            out.append(f"{period} : " + " ; ".join(label[len(period) + 2:] for label in mine))
    rest = [label for label in labels if not any(label.startswith(p + ",") for p in desks.PERIOD_LABELS_FR.values())]
    return " — ".join(out + rest)


def render_reply(reply: Reply) -> str:
    lines = [f"> {line}" if line else ">" for line in reply.rendered.split("\n")]
    if reply.buttons:
        lines.append(">")
        lines.append("> " + " · ".join(f"[{title}]" for title, _ in reply.buttons))
    return "\n".join(lines)


def render() -> str:
    parts = [
        "# Every reply, by question and situation",
        "",
        "Generated by `make replies` from `bma/` (do not edit by hand: `tests/unit/test_audit.py` fails when",
        "this file differs from what the code renders). Each reply is printed once, under the situations",
        "that give it: the period (avant, pendant, après la campagne — reference days "
        + ", ".join(f"{d:%d/%m/%Y}" for d in PERIOD_DAYS.values()) + "), the mailbox (école `ec`, PO `po`),",
        "MODE membership, the phase and where the registry's row comes from (an import made that day, or the",
        "demonstration data). A mailbox's dates are synthetic, set relative to the reference day so that each",
        "phase occurs (e-mail n°1 ten days ahead, three days ago…): they need not fall inside the FAQ's",
        "windows, and after the campaign they exercise the rare box still on its way. The domain's",
        "conversational turns (`utter_*` in `domain.yml`) are listed at the end.",
        "",
    ]
    for question, rows in replies_by_question().items():
        parts.append(f"## {question}")
        parts.append("")
        groups: OrderedDict[tuple, list[str]] = OrderedDict()
        for label, reply in rows:
            key = (reply.rendered, tuple(reply.buttons))
            groups.setdefault(key, [reply, []])[1].append(label)
        for number, (reply, labels) in enumerate(groups.values(), 1):
            parts.append(f"**{question} ({number}/{len(groups)})** — " + describe(labels, [label for label, _ in rows]))
            parts.append("")
            parts.append(render_reply(reply))
            parts.append("")
    parts.append("## Réponses du domaine (domain.yml)")
    parts.append("")
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain.get("responses", {}).items():
        for variant in variants:
            parts.append(f"**{name}**")
            parts.append("")
            parts.append("\n".join(f"> {line}" for line in variant.get("text", "").split("\n")))
            buttons = variant.get("buttons") or []
            if buttons:
                parts.append(">")
                parts.append("> " + " · ".join(f"[{b['title']}]" for b in buttons))
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print("docs/replies.md is out of date: run `make replies`", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {text.count('**') // 2} replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
