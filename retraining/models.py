"""The tables of retraining/ (in the console's database, BMA_DB_URL, with the console's tables)."""
from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, String, Text

import storage
from storage import Base, utcnow


class RetrainingJob(Base):
    """One operation on the models: a retraining, a measure of the active model, or a rollback."""

    __tablename__ = "retraining_jobs"
    id = Column(Integer, primary_key=True)
    kind = Column(String(12), nullable=False)  # train, measure, rollback
    status = Column(String(12), nullable=False, default="running", index=True)
    stage = Column(String(12))  # training, evaluating, activating (None once finished)
    requested_by = Column(String(64), nullable=False)
    started_at = Column(DateTime, nullable=False, default=utcnow)
    stage_started_at = Column(DateTime)
    stage_expected_seconds = Column(Float)
    train_seconds = Column(Float)
    finished_at = Column(DateTime)
    candidate_path = Column(String(1000))  # the model this job would activate
    candidate_digest = Column(String(64))
    active_name = Column(String(255))  # the model Rasa served when the job compared or switched
    active_digest = Column(String(64))
    message = Column(Text)  # French, for the staff
    log_path = Column(String(1000))


class ModelFigures(Base):
    """Held-out figures of one model file (by content), measured once."""

    __tablename__ = "retraining_models"
    digest = Column(String(64), primary_key=True)  # SHA-256 of the .tar.gz
    name = Column(String(255), nullable=False)
    path = Column(String(1000))  # where it was last seen
    heldout_digest = Column(String(64))
    items = Column(Integer)
    accuracy = Column(Float)
    macro_f1 = Column(Float)
    honest = Column(Float)  # out of scope + « the FAQ does not say » answered as such
    measured_at = Column(DateTime)


class RetrainingState(Base):
    """One row: the running job (the lock), the model activated by the console and the one before."""

    __tablename__ = "retraining_state"
    id = Column(Integer, primary_key=True)
    running_job_id = Column(Integer)
    active_path = Column(String(1000))
    previous_path = Column(String(1000))
    changed_at = Column(DateTime)
    changed_by = Column(String(64))


def engine(url: str):
    """The project's engine (storage/): the tables come from the Alembic migrations."""
    return storage.engine(url)
