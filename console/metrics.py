"""Prometheus metrics of the assistant, served by the console at ``/metrics`` (prometheus-client,
a dedicated CollectorRegistry): behind the console's sign-in, or ``Authorization: Bearer
$BMA_METRICS_TOKEN`` for Prometheus itself.

The figures are read at each scrape from what the console keeps (analytics.ingest's daily
counters, the feedback table, the channels' error counts): they are the dashboard's figures, the
same whichever process aggregated the events, they survive a restart of the console, and the
retention purge does not lower them (the counters are aggregates).

    bma_conversations_total, bma_messages_total          conversations, user messages
    bma_fallbacks_total, bma_clarifications_total         « non compris », « Vouliez-vous dire… »
    bma_handoffs_total                                    hand-offs to a person
    bma_errors_total{kind,channel}                        kind="channel": the guarded channel's apology
                                                          (Rasa failed; channel rest, socketio, teams);
                                                          kind="action_server": answered without the
                                                          action server (rasa_patches.action_fallback)
    bma_answer_latency_seconds (histogram)                from a user message to the next bot message
                                                          (the broker's event timestamps)
    bma_feedback_votes{rating="up"|"down"}                votes 👍 / 👎 held now (a withdrawn vote is deleted)
    bma_console_events_waiting                            broker events not aggregated yet
"""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics import ingest
from analytics.db import DailyCount, Feedback
from bma.registry.store import ChannelErrorRow
from console.config import ConsoleConfig
from console.db import console_engine

CONTENT_TYPE = CONTENT_TYPE_LATEST
COUNTERS = (
    ("conversations", "bma_conversations", "Conversations (comptées le jour de leur premier message)."),
    ("messages", "bma_messages", "Messages des utilisateurs."),
    ("fallback", "bma_fallbacks", "Messages non compris (repli)."),
    ("clarification", "bma_clarifications", "« Vouliez-vous dire… » proposés."),
    ("handoff", "bma_handoffs", "Transferts vers une personne."),
)


class AssistantCollector:
    """Reads the console's tables at each scrape."""

    def __init__(self, config: ConsoleConfig):
        self.config = config

    def collect(self):
        engine = console_engine(self.config.db_url)
        with Session(engine, future=True) as db:
            sums: dict[tuple[str, str], int] = {
                (metric, key): int(total) for metric, key, total in db.execute(
                    select(DailyCount.metric, DailyCount.key, func.sum(DailyCount.count))
                    .where(DailyCount.metric.in_([m for m, _, _ in COUNTERS] + ["latency", "latency_ms", "error"]))
                    .group_by(DailyCount.metric, DailyCount.key))}
            votes = dict(db.execute(select(Feedback.rating, func.count()).group_by(Feedback.rating)).all())
            channel_errors = dict(db.execute(select(ChannelErrorRow.channel, func.sum(ChannelErrorRow.count))
                                             .group_by(ChannelErrorRow.channel)).all())
        for metric, name, documentation in COUNTERS:
            yield CounterMetricFamily(name, documentation, value=sums.get((metric, ""), 0))

        errors = CounterMetricFamily("bma_errors", "Réponses d'erreur : excuses du canal (Rasa en échec) ou réponse "
                                                   "donnée sans le serveur d'actions.", labels=["kind", "channel"])
        for channel, n in sorted(channel_errors.items()):
            errors.add_metric(["channel", channel], int(n or 0))
        errors.add_metric(["action_server", ""], sums.get(("error", "action_server"), 0))
        yield errors

        buckets, running = [], 0
        for bound in ingest.LATENCY_BUCKETS:
            running += sums.get(("latency", str(bound)), 0)
            buckets.append((str(bound), running))
        running += sums.get(("latency", "+Inf"), 0)
        buckets.append(("+Inf", running))
        yield HistogramMetricFamily("bma_answer_latency_seconds",
                                    "Délai entre un message de l'utilisateur et la réponse suivante de l'assistant.",
                                    buckets=buckets, sum_value=sums.get(("latency_ms", ""), 0) / 1000)

        feedback = GaugeMetricFamily("bma_feedback_votes", "Avis sur les réponses (👍 up, 👎 down).", labels=["rating"])
        for rating in ("up", "down"):
            feedback.add_metric([rating], votes.get(rating, 0))
        yield feedback

        _, waiting = ingest.status(self.config)
        yield GaugeMetricFamily("bma_console_events_waiting", "Événements du courtier pas encore agrégés.",
                                value=waiting)


def registry_for(config: ConsoleConfig) -> CollectorRegistry:
    """A registry of its own (not the process-wide default one): only these metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AssistantCollector(config))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
