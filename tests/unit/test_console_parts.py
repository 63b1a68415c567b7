"""The pure parts of the console's tickets, conversations, retention and metrics, and of the web
page's rate limit (no server, no database)."""
import datetime as dt
import json

import pytest

from analytics import ingest, retention
from console import tickets, transcripts
from web.app import RateLimit


def test_rate_limit_is_a_sliding_window_per_key():
    limit = RateLimit(3, window=60)
    assert [limit.allow("a", t)[0] for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limit.allow("a", 3)[1] == 57  # seconds until the first of the three leaves the window
    assert limit.allow("b", 3) == (True, 0)  # another client is not held back
    assert limit.allow("a", 60.5) == (True, 0)  # the request at 0 has left the window
    assert limit.allow("a", 61.5) == (True, 0)
    assert limit.allow("a", 61.6)[0] is False


def test_rate_limit_forgets_idle_clients():
    limit = RateLimit(2, window=60, max_keys=1000)
    for i in range(500):
        limit.allow(f"client-{i}", 0)
    limit.allow("late", 200)  # the sweep after a window drops every idle client
    assert set(limit.hits) == {"late"}


@pytest.mark.parametrize("seconds, bucket", [(0, "0.1"), (0.1, "0.1"), (0.11, "0.25"), (2.5, "2.5"), (29.9, "30.0"),
                                             (31, "+Inf")])
def test_latency_buckets(seconds, bucket):
    assert ingest.latency_bucket(seconds) == bucket


def test_address_search_accepts_the_short_form_and_says_what_is_expected():
    assert transcripts.normalise_address(" EC000123@ADM.CFWB.BE ") == "ec000123@adm.cfwb.be"
    assert transcripts.normalise_address("po000042") == "po000042@adm.cfwb.be"
    with pytest.raises(transcripts.SearchError, match="Adresse BMA attendue"):
        transcripts.normalise_address("jean.dupont@example.org")


def test_search_and_ticket_filters_refuse_unknown_values_in_french():
    today = dt.date(2024, 11, 15)
    found = transcripts.parse({"du": "2024-11-01", "au": "2024-11-15", "sujet": "faq_what_changes", "page": "2"}, today)
    assert (found.start, found.end, found.topic, found.page) == (dt.date(2024, 11, 1), today, "faq_what_changes", 2)
    assert transcripts.parse({}, today).start == dt.date(2024, 10, 17)  # the last 30 days
    with pytest.raises(transcripts.SearchError, match="Sujet inconnu"):
        transcripts.parse({"sujet": "restart"}, today)
    with pytest.raises(transcripts.SearchError, match="AAAA-MM-JJ"):
        transcripts.parse({"du": "hier"}, today)
    assert tickets.parse({"service": "etnic", "statut": "tous"}) == tickets.Filter("etnic", "tous", 1)
    with pytest.raises(tickets.TicketError, match="Service inconnu"):
        tickets.parse({"service": "nasa"})


def test_retention_days_setting():
    assert retention.retention_days({}) == 30
    assert retention.retention_days({"BMA_RETENTION_DAYS": " 90 "}) == 90
    for wrong in ("0", "-3", "un mois"):
        with pytest.raises(retention.RetentionError, match="nombre entier de jours"):
            retention.retention_days({"BMA_RETENTION_DAYS": wrong})


def test_the_purge_reads_the_events_own_timestamp():
    """As Rasa's SQL broker writes a row: the sender id, then the event's own dict, whose
    timestamp comes before any metadata a channel passed (which may hold a "timestamp" too)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in (UserUttered("mon texte \"timestamp\": 1", {"intent": {"name": "greet", "confidence": 1.0}},
                              metadata={"timestamp": 1.0, "note": '"timestamp": 2'}, timestamp=1700000000.5),
                  BotUttered("Bonjour", metadata={"timestamp": 3.0}, timestamp=1700000001.25)):
        data = json.dumps({"sender_id": "x", **event.as_dict()})
        assert float(retention.TIMESTAMP_RE.search(data).group(1)) == event.timestamp
