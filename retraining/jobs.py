"""The jobs and the state in the database: one operation at a time (a compare-and-set on one row),
the audit entries, the recovery after a restart, the progress estimate."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from retraining.models import RetrainingJob, RetrainingState, engine
from retraining.settings import DEFAULT_TRAIN_SECONDS, REQUEST_AUDIT, STAGES
from storage import journal, utcnow


def _state_row(db: Session) -> RetrainingState:
    row = db.get(RetrainingState, 1)
    if row is None:
        row = RetrainingState(id=1)
        db.add(row)
        db.flush()
    return row


def ensure_state(url: str) -> None:
    try:
        with Session(engine(url), future=True) as db, db.begin():
            _state_row(db)
    except IntegrityError:  # created at the same time by another process
        pass


def read_state(url: str) -> dict:
    ensure_state(url)
    with Session(engine(url), future=True) as db:
        row = db.get(RetrainingState, 1)
        return {"running_job_id": row.running_job_id, "active_path": row.active_path,
                "previous_path": row.previous_path, "changed_at": row.changed_at, "changed_by": row.changed_by}


def start_job(url: str, kind: str, login: str) -> int | None:
    """A new running job, or None when another one holds the lock (one at a time)."""
    ensure_state(url)
    with Session(engine(url), future=True) as db:
        now = utcnow()
        job = RetrainingJob(kind=kind, status="running", requested_by=login, started_at=now,
                            stage=STAGES[kind][0][0], stage_started_at=now)
        db.add(job)
        db.flush()
        taken = db.execute(update(RetrainingState).where(RetrainingState.id == 1,
                                                         RetrainingState.running_job_id.is_(None))
                           .values(running_job_id=job.id)).rowcount
        if taken != 1:
            db.rollback()
            return None
        journal.record(db, login, REQUEST_AUDIT[kind], f"opération n° {job.id}")
        db.commit()
        return job.id


def requester(url: str, job_id: int) -> str:
    with Session(engine(url), future=True) as db:
        return db.get(RetrainingJob, job_id).requested_by


def set_stage(url: str, job_id: int, stage: str, expected: float, **values) -> None:
    with Session(engine(url), future=True) as db, db.begin():
        db.execute(update(RetrainingJob).where(RetrainingJob.id == job_id).values(
            stage=stage, stage_started_at=utcnow(), stage_expected_seconds=expected, **values))


def update_job(url: str, job_id: int, **values) -> None:
    with Session(engine(url), future=True) as db, db.begin():
        db.execute(update(RetrainingJob).where(RetrainingJob.id == job_id).values(**values))


def finish_job(url: str, job_id: int, status: str, message: str, audit_action: str | None = None,
               audit_detail: str | None = None, **values) -> None:
    """The job's outcome, the lock released and the audit entry, in one transaction."""
    with Session(engine(url), future=True) as db, db.begin():
        job = db.get(RetrainingJob, job_id)
        job.status, job.stage, job.finished_at, job.message = status, None, utcnow(), message
        for name, value in values.items():
            setattr(job, name, value)
        db.execute(update(RetrainingState).where(RetrainingState.id == 1, RetrainingState.running_job_id == job_id)
                   .values(running_job_id=None))
        if audit_action:
            journal.record(db, job.requested_by, audit_action, audit_detail or message)


def switch_models(url: str, active: Path, previous: Path | None, login: str) -> None:
    with Session(engine(url), future=True) as db, db.begin():
        row = _state_row(db)
        row.active_path, row.previous_path = str(active), str(previous) if previous else None
        row.changed_at, row.changed_by = utcnow(), login


def interrupt_leftovers(url: str) -> int:
    """At start-up: a job still « running » was cut short by a restart of the console."""
    ensure_state(url)
    with Session(engine(url), future=True) as db, db.begin():
        jobs = list(db.execute(select(RetrainingJob).where(RetrainingJob.status == "running")).scalars())
        for job in jobs:
            job.status, job.stage, job.finished_at = "interrupted", None, utcnow()
            job.message = ("Interrompu : la console a été arrêtée pendant l'opération. Le modèle indiqué "
                           "comme actif ci-dessus est celui que Rasa sert ; relancez si besoin.")
        _state_row(db).running_job_id = None
    return len(jobs)


def running_job(url: str) -> RetrainingJob | None:
    state = read_state(url)
    if state["running_job_id"] is None:
        return None
    with Session(engine(url), future=True) as db:
        job = db.get(RetrainingJob, state["running_job_id"])
        if job is not None:
            db.expunge(job)
        return job


def recent_jobs(url: str, limit: int = 10) -> list[RetrainingJob]:
    with Session(engine(url), future=True) as db:
        jobs = list(db.execute(select(RetrainingJob).order_by(RetrainingJob.id.desc()).limit(limit)).scalars())
        db.expunge_all()
        return jobs


def last_train_seconds(url: str) -> float:
    with Session(engine(url), future=True) as db:
        seconds = db.execute(select(RetrainingJob.train_seconds).where(RetrainingJob.train_seconds.isnot(None))
                             .order_by(RetrainingJob.id.desc()).limit(1)).scalar()
    return float(seconds) if seconds else DEFAULT_TRAIN_SECONDS


def progress(job: RetrainingJob, now: dt.datetime | None = None) -> int:
    """Estimated percentage: finished stages, plus the elapsed share of the current one (at most 95 %
    of it: the bar never says « done » before it is)."""
    now = now or utcnow()
    done = 0.0
    for stage, _name, share in STAGES[job.kind]:
        if stage == job.stage:
            elapsed = (now - (job.stage_started_at or job.started_at)).total_seconds()
            expected = job.stage_expected_seconds or 30.0
            return int(done + share * min(max(elapsed, 0) / expected, 0.95))
        done += share
    return 0
