"""The shape of an answer: French text, quick replies and where it comes from (no Rasa import).

Every reply declares its sources (``Reply`` refuses to exist without one): a section of the FAQ,
the migration registry (an import, or the demonstration data) or the assistant's own conversation
turns. The sources are printed under the answer (``Reply.rendered``); the widget and Teams show
the « Source : » line discreetly, the shell prints it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bma import facts

# Quick replies: intent payloads are deterministic (no NLU guess on a click).
Q_REASON = ("Pourquoi cette migration ?", "/faq_migration_reason")
Q_WHAT_CHANGES = ("Qu'est-ce qui change ?", "/faq_what_changes")


def what_changes_button(title: str, topic: str) -> tuple[str, str]:
    return (title, f'/faq_what_changes{{"change_topic": "{topic}"}}')


Q_STEPS = ("Les étapes", "/faq_migration_steps")
Q_HOW = ("Que dois-je faire ?", "/faq_how_to_migrate")
Q_NEW_PASSWORD = ("Nouveau mot de passe perdu", "/faq_lost_new_password")
Q_OLD_PASSWORD = ("Ancien mot de passe perdu", "/faq_lost_old_password")
Q_NO_EMAIL = ("Je n'ai reçu aucun e-mail", "/faq_no_email_received")
Q_STATUS = ("Où en est ma boîte ?", "/check_migration_status")
Q_CONTACTS = ("Contacter quelqu'un", "/faq_more_questions")
Q_TICKET = ("Préparer mon message", "/request_ticket")
Q_NONE = ("Aucune de ces propositions", "/deny")

SOURCE_PREFIX = "Source : "


@dataclass(frozen=True)
class Source:
    """Where a reply's content comes from. ``label`` is printed; an empty label is a conversation
    turn of the assistant (a question, a greeting), declared but not printed."""

    kind: str  # "faq", "registry", "demo", "assistant"
    label: str
    section: int | None = None


def faq(*sections: int) -> tuple[Source, ...]:
    """The FAQ's sections, e.g. ``faq(6)`` → « FAQ BMA (octobre 2024), §6 »."""
    for section in sections:
        assert section in facts.FAQ_SECTIONS, section
    return tuple(Source("faq", f"{facts.FAQ_SOURCE_NAME}, " + ("introduction" if n == 0 else f"§{n}"), n)
                 for n in sections)


DEMO = "données de démonstration (pas l'état réel d'une boîte)"


def registry(provenance) -> Source:
    """The migration registry's row for the mailbox (``bma.mailbox.Provenance`` or None)."""
    if provenance is not None and provenance.demo:
        return Source("demo", DEMO)
    if provenance is not None:
        return Source("registry", f"d'après le registre de migration ({provenance.label})")
    return Source("registry", "d'après le registre de migration")


ASSISTANT = Source("assistant", "")


def render_sources(sources) -> str:
    """« Source : FAQ BMA (octobre 2024), §6, §7 · d'après le registre de migration (…) »."""
    faq_sections = sorted({s.section for s in sources if s.kind == "faq"})
    parts = []
    if faq_sections:
        parts.append(f"{facts.FAQ_SOURCE_NAME}, " + ", ".join("introduction" if n == 0 else f"§{n}" for n in faq_sections))
    for source in sources:
        if source.kind != "faq" and source.label and source.label not in parts:
            parts.append(source.label)
    return SOURCE_PREFIX + " · ".join(parts) if parts else ""


@dataclass
class Reply:
    text: str
    buttons: list[tuple[str, str]] = field(default_factory=list)
    sources: tuple[Source, ...] = ()

    def __post_init__(self) -> None:
        self.sources = tuple(self.sources)
        if not self.sources:
            raise ValueError(f"a reply without a source: {self.text[:60]!r}")

    def as_buttons(self) -> list[dict]:
        return [{"title": title, "payload": payload} for title, payload in self.buttons]

    def with_sources(self, *sources: Source) -> Reply:
        self.sources = self.sources + tuple(s for s in sources if s not in self.sources)
        return self

    @property
    def source_line(self) -> str:
        return render_sources(self.sources)

    @property
    def rendered(self) -> str:
        """The text the user reads: the answer, then its « Source : » line (when it has one)."""
        line = self.source_line
        return f"{self.text}\n\n{line}" if line else self.text
