import datetime as dt

import pytest

from bma import facts
from bma.phases import (
    BadReferenceDate,
    CampaignPeriod,
    MailboxDates,
    Phase,
    WindowStatus,
    campaign_period,
    email1_window_status,
    migration_started,
    phase_of,
    reference_date,
)
from tests.conftest import d

DATES = MailboxDates(d("2024-11-04"), d("2024-11-11"), d("2024-12-02"), d("2024-12-09"))


@pytest.mark.parametrize("today, phase", [
    ("2024-11-03", Phase.NOT_STARTED),
    ("2024-11-04", Phase.ANNOUNCED),  # each e-mail counts from its own day
    ("2024-11-10", Phase.ANNOUNCED),
    ("2024-11-11", Phase.PASSWORD_SENT),
    ("2024-12-01", Phase.PASSWORD_SENT),
    ("2024-12-02", Phase.SCHEDULED),
    ("2024-12-08", Phase.SCHEDULED),
    ("2024-12-09", Phase.MIGRATED),
    ("2026-11-27", Phase.MIGRATED),
])
def test_phase_on_each_boundary(today, phase):
    assert phase_of(DATES, d(today)) is phase


def test_unknown_and_empty():
    assert phase_of(None, d("2024-11-15")) is Phase.UNKNOWN
    assert phase_of(MailboxDates(), d("2024-11-15")) is Phase.NOT_STARTED


def test_migration_started_only_after_email1():
    assert not migration_started(Phase.NOT_STARTED)
    assert not migration_started(Phase.UNKNOWN)
    assert all(migration_started(p) for p in (Phase.ANNOUNCED, Phase.PASSWORD_SENT, Phase.SCHEDULED, Phase.MIGRATED))


def test_campaign_period_boundaries():
    assert campaign_period(facts.CAMPAIGN_START - dt.timedelta(days=1)) is CampaignPeriod.BEFORE
    assert campaign_period(facts.CAMPAIGN_START) is CampaignPeriod.DURING
    assert campaign_period(facts.CAMPAIGN_END) is CampaignPeriod.DURING
    assert campaign_period(facts.CAMPAIGN_END + dt.timedelta(days=1)) is CampaignPeriod.OVER


@pytest.mark.parametrize("kind, today, status", [
    ("po", "2024-10-06", WindowStatus.NOT_OPEN), ("po", "2024-10-07", WindowStatus.OPEN),
    ("po", "2024-10-31", WindowStatus.OPEN), ("po", "2024-11-01", WindowStatus.CLOSED),
    ("ec", "2024-11-03", WindowStatus.NOT_OPEN), ("ec", "2024-11-04", WindowStatus.OPEN),
    ("ec", "2024-11-30", WindowStatus.OPEN), ("ec", "2024-12-01", WindowStatus.CLOSED),
])
def test_email1_windows_on_exact_dates(kind, today, status):
    assert email1_window_status(kind, d(today)) is status


def test_reference_date_from_environment():
    assert reference_date({"BMA_TODAY": "2024-11-15"}) == d("2024-11-15")
    assert reference_date({}) == dt.date.today()
    with pytest.raises(BadReferenceDate):
        reference_date({"BMA_TODAY": "15/11/2024"})
