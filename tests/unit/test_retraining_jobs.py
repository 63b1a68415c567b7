"""retraining.jobs without a server: the one-at-a-time lock, the restart recovery, the progress
estimate (the real loop, with Rasa and real trainings, is tests/integration/test_retraining.py)."""
import datetime as dt

from console import audit
from retraining import jobs
from retraining.models import RetrainingJob


def test_one_operation_at_a_time_and_the_lock_is_released(retraining_settings):
    url = retraining_settings.db_url
    first = jobs.start_job(url, "train", "agent.a")
    assert first is not None
    assert jobs.start_job(url, "rollback", "agent.b") is None  # refused while the first runs
    assert jobs.running_job(url).id == first
    jobs.finish_job(url, first, "refused", "Candidat refusé…", "candidat refusé")
    assert jobs.running_job(url) is None
    second = jobs.start_job(url, "measure", "agent.b")
    assert second is not None and second != first
    recent = jobs.recent_jobs(url)
    assert [j.kind for j in recent] == ["measure", "train"] and recent[1].status == "refused"
    assert [e.action for e in audit.recent(url)] == ["mesure demandée", "candidat refusé", "réentraînement demandé"]


def test_a_job_left_running_by_a_restart_is_interrupted(retraining_settings):
    url = retraining_settings.db_url
    job = jobs.start_job(url, "train", "agent.a")
    assert jobs.interrupt_leftovers(url) == 1
    assert jobs.running_job(url) is None
    (row,) = jobs.recent_jobs(url)
    assert row.id == job and row.status == "interrupted" and "Interrompu" in row.message
    assert jobs.start_job(url, "train", "agent.a") is not None


def test_the_state_records_the_switch(retraining_settings, tmp_path):
    url = retraining_settings.db_url
    assert jobs.read_state(url)["active_path"] is None
    jobs.switch_models(url, tmp_path / "new.tar.gz", tmp_path / "old.tar.gz", "agent.a")
    state = jobs.read_state(url)
    assert (state["active_path"], state["previous_path"], state["changed_by"]) == (
        str(tmp_path / "new.tar.gz"), str(tmp_path / "old.tar.gz"), "agent.a")


def test_progress_by_stage():
    now = dt.datetime(2024, 11, 15, 12, 0, 0)
    job = RetrainingJob(kind="train", stage="training", started_at=now, stage_started_at=now,
                        stage_expected_seconds=40)
    assert jobs.progress(job, now) == 0
    assert jobs.progress(job, now + dt.timedelta(seconds=20)) == 30
    assert jobs.progress(job, now + dt.timedelta(seconds=400)) == 57  # never « done » before it is
    job.stage = "evaluating"
    assert jobs.progress(job, now) == 60
    job.stage = "activating"
    assert jobs.progress(job, now + dt.timedelta(seconds=1000)) == 99
    rollback = RetrainingJob(kind="rollback", stage="activating", started_at=now, stage_started_at=now,
                             stage_expected_seconds=10)
    assert jobs.progress(rollback, now + dt.timedelta(seconds=5)) == 50
