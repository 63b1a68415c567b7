"""« Modèles »: retraining that cannot make things worse.

« Réentraîner » trains a candidate in the background (``rasa train`` in a subprocess, on the
project's config.yml and domain.yml and the training data of ``BMA_DATA_DIR`` — data/ by default,
data/nlu/inbox.yml included — into ``BMA_MODELS_DIR``/console/ under its own name), evaluates it on
the independent held-out file (tests/heldout/nlu_heldout.yml, as scripts/evaluate.py does), and
**refuses** it when its accuracy is below the active model's; otherwise it activates it on the
running Rasa server through Rasa's HTTP API (``PUT /model`` with ``BMA_API_TOKEN``). The model it
replaces is kept (copied into models/console/ if it lived elsewhere) for one-click « Revenir au
modèle précédent ». One operation at a time (a compare-and-set on one database row); the job, the
active and previous models and every figure are in the console's database, so a restart of the
console loses nothing (a job cut short by the restart is marked « interrompu »).

The active model is always what Rasa says (``GET /status``); its held-out figures are measured
once per model file (keyed by the file's SHA-256 and the held-out file's) and kept.

    .venv/bin/python -m console.retraining evaluer MODEL.tar.gz   # the figures of one model (JSON)
"""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import signal
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sanic import response
from sqlalchemy import Column, DateTime, Float, Integer, String, Text, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import settings as bma_settings
from console import audit
from console.config import PROJECT_ROOT
from console.db import Base, console_engine, utcnow
from console.training_data import INBOX_FILE, read_examples

log = logging.getLogger(__name__)

HELD_OUT = PROJECT_ROOT / "tests" / "heldout" / "nlu_heldout.yml"  # the file scripts/evaluate.py reads
CONSOLE_SUBDIR = "console"  # candidates live apart from models/bma-*.tar.gz, which `make train` prunes
RESULT_PREFIX = "BMA-FIGURES "
TRAIN_TIMEOUT_SECONDS = 1800
EVALUATE_TIMEOUT_SECONDS = 900
ACTIVATE_TIMEOUT_SECONDS = 300
DEFAULT_TRAIN_SECONDS = 45.0
EVALUATE_SECONDS = 25.0  # per model, spaCy and TensorFlow loading included
ACTIVATE_SECONDS = 15.0
REFRESH_SECONDS = 5

# (stage, French name, share of the progress bar) by kind of job.
STAGES = {
    "train": [("training", "entraînement", 60), ("evaluating", "évaluation", 30), ("activating", "activation", 10)],
    "measure": [("evaluating", "évaluation", 100)],
    "rollback": [("activating", "activation", 100)],
}
KINDS_FR = {"train": "réentraînement", "measure": "mesure du modèle actif", "rollback": "retour au modèle précédent"}
REQUEST_AUDIT = {"train": "réentraînement demandé", "measure": "mesure demandée",
                 "rollback": "retour demandé"}
STATUS_FR = {"running": "en cours", "activated": "activé", "refused": "refusé", "failed": "échec",
             "interrupted": "interrompu", "measured": "mesuré", "rolled_back": "modèle précédent rétabli"}


# --- the console's tables (created with the others, in BMA_DB_URL) ---------------------------------
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


TABLES = [RetrainingJob.__table__, ModelFigures.__table__, RetrainingState.__table__]
_tables_ready: set[str] = set()


def engine(url: str):
    eng = console_engine(url)
    if url not in _tables_ready:
        Base.metadata.create_all(eng, tables=TABLES)
        _tables_ready.add(url)
    return eng


class RetrainingError(Exception):
    """A French message for the staff member."""


# --- settings ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Settings:
    db_url: str
    nlu_dir: Path
    data_dir: Path
    models_dir: Path
    rasa_url: str
    api_token: str
    timezone: str

    @property
    def console_models(self) -> Path:
        return self.models_dir / CONSOLE_SUBDIR

    @classmethod
    def from_env(cls, config, environ: dict | None = None) -> Settings:
        env = environ if environ is not None else os.environ
        return cls(
            db_url=config.db_url,
            nlu_dir=Path(config.nlu_dir).resolve(),
            data_dir=bma_settings.get("BMA_DATA_DIR", env).resolve(),
            models_dir=bma_settings.get("BMA_MODELS_DIR", env).resolve(),
            rasa_url=(bma_settings.raw("BMA_RASA_URL", env)
                      or f"http://127.0.0.1:{env.get('RASA_PORT', '').strip() or '5005'}").rstrip("/"),
            api_token=bma_settings.get("BMA_API_TOKEN", env),
            timezone=config.timezone,
        )


def training_data_paths(settings: Settings) -> list[Path]:
    """BMA_DATA_DIR, plus BMA_NLU_DIR (where the inbox writes) when it lies outside it."""
    paths = [settings.data_dir]
    if settings.data_dir not in settings.nlu_dir.parents and settings.nlu_dir != settings.data_dir:
        paths.append(settings.nlu_dir)
    return paths


def shown(path: Path) -> str:
    """A path as staff read it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def inbox_examples(settings: Settings) -> int:
    path = settings.nlu_dir / INBOX_FILE
    return len(read_examples(path)) if path.exists() else 0


NO_TOKEN = ("La console n'a pas reçu le jeton de l'API HTTP de Rasa (BMA_API_TOKEN) : démarrez l'assistant avec "
            "make run, qui le transmet à Rasa et à la console, ou donnez à la console le même BMA_API_TOKEN qu'au "
            "serveur Rasa.")


# --- Rasa's HTTP API (the token goes in the query string, as Rasa reads it; never logged or shown) ---
def rasa_call(settings: Settings, method: str, path: str, body: dict | None = None, timeout: float = 5) -> dict | None:
    if not settings.api_token:
        raise RetrainingError(NO_TOKEN + " Puis rechargez cette page.")
    url = f"{settings.rasa_url}{path}?token={quote(settings.api_token, safe='')}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            raw = reply.read()
    except urllib.error.HTTPError as error:
        if error.code in (401, 403):
            raise RetrainingError("Le serveur Rasa refuse le jeton de l'API : BMA_API_TOKEN n'est pas celui "
                                  "avec lequel Rasa a été démarré.") from None
        detail = ""
        with contextlib.suppress(ValueError):
            detail = json.loads(error.read() or b"{}").get("message", "")[:300]
        raise RetrainingError(f"Le serveur Rasa a répondu {error.code} à {method} {path}"
                              + (f" : {detail}" if detail else ".")) from None
    except (OSError, ValueError) as error:
        raise RetrainingError(f"Le serveur Rasa ne répond pas ({settings.rasa_url}, {type(error).__name__}) : "
                              "est-il démarré avec l'API ouverte (--enable-api) ?") from None
    return json.loads(raw) if raw.strip() else None


def rasa_status(settings: Settings) -> dict:
    status = rasa_call(settings, "GET", "/status") or {}
    if not status.get("model_file"):
        raise RetrainingError("Le serveur Rasa n'a aucun modèle chargé.")
    return status


# --- model files ------------------------------------------------------------------------------------
_digests: dict[tuple, str] = {}


def file_digest(path: Path) -> str:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _digests:
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
        _digests[key] = sha.hexdigest()
    return _digests[key]


def heldout_digest() -> str:
    return file_digest(HELD_OUT)


def locate(settings: Settings, name: str) -> Path | None:
    """The file of a model Rasa names (Rasa reports the file name only)."""
    places = []
    state = read_state(settings.db_url)
    for known in (state.get("active_path"), state.get("previous_path")):
        if known:
            places.append(Path(known))
    places += [settings.console_models / name, settings.models_dir / name, PROJECT_ROOT / "models" / name,
               PROJECT_ROOT / "models" / CONSOLE_SUBDIR / name]
    with Session(engine(settings.db_url), future=True) as db:
        places += [Path(p) for (p,) in db.execute(select(ModelFigures.path).where(ModelFigures.name == name)) if p]
    for place in places:
        if place.name == name and place.is_file():
            return place.resolve()
    return None


def figures_of(settings: Settings, path: Path | None) -> ModelFigures | None:
    """The stored held-out figures of this file, if measured on the current held-out file."""
    if path is None or not path.is_file():
        return None
    with Session(engine(settings.db_url), future=True) as db:
        row = db.get(ModelFigures, file_digest(path))
        if row is None or row.heldout_digest != heldout_digest() or row.accuracy is None:
            return None
        db.expunge(row)
        return row


def figures_by_digest(settings: Settings, digest: str | None) -> ModelFigures | None:
    if not digest:
        return None
    with Session(engine(settings.db_url), future=True) as db:
        row = db.get(ModelFigures, digest)
        if row is not None:
            db.expunge(row)
        return row


def store_figures(settings: Settings, path: Path, figures: dict) -> ModelFigures:
    digest = file_digest(path)
    with Session(engine(settings.db_url), future=True) as db, db.begin():
        row = db.get(ModelFigures, digest) or ModelFigures(digest=digest, name=path.name)
        row.path = str(path)
        row.heldout_digest = heldout_digest()
        row.items = figures["items"]
        row.accuracy = figures["accuracy"]
        row.macro_f1 = figures["macro_f1"]
        row.honest = figures["honest"]
        row.measured_at = utcnow()
        db.add(row)
    return figures_of(settings, path)


def keep(settings: Settings, path: Path) -> Path:
    """The model kept for a rollback: a copy under models/console/ when it lives elsewhere
    (`make train` deletes the other models/bma-*.tar.gz)."""
    if path.parent == settings.console_models:
        return path
    settings.console_models.mkdir(parents=True, exist_ok=True)
    copy = settings.console_models / path.name
    if not copy.exists() or file_digest(copy) != file_digest(path):
        temporary = copy.with_name(copy.name + ".tmp")
        shutil.copyfile(path, temporary)
        os.replace(temporary, copy)
    return copy


def prune(settings: Settings) -> None:
    """Only the active and the previous model stay in models/console/ (refused or superseded
    candidates are deleted; their figures stay in the database)."""
    state = read_state(settings.db_url)
    keep_paths = {Path(p).resolve() for p in (state.get("active_path"), state.get("previous_path")) if p}
    for path in settings.console_models.glob("*.tar.gz"):
        if path.resolve() not in keep_paths:
            path.unlink(missing_ok=True)


# --- state and jobs in the database ------------------------------------------------------------------
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
        audit.record(db, login, REQUEST_AUDIT[kind], f"opération n° {job.id}")
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
            audit.record(db, job.requested_by, audit_action, audit_detail or message)


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


# --- the subprocesses (training, evaluation), niced so that the live assistant keeps answering -------
def _child_env() -> dict:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "LOG_LEVEL": "WARNING"}


def _niced(argv: list[str]) -> list[str]:
    """At lower priority (`nice`, not preexec_fn, which is unsafe with the console's threads)."""
    nice = shutil.which("nice")
    return [nice, "-n", "10", *argv] if nice else argv


async def run_logged(argv: list[str], log_path: Path, timeout: float, holder: dict) -> int:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        out.write(("$ " + " ".join(argv) + "\n").encode())
        out.flush()
        process = await asyncio.create_subprocess_exec(
            *_niced(argv), cwd=str(PROJECT_ROOT), env=_child_env(), stdout=out, stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL, start_new_session=True)
        holder["process"] = process
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            await stop_process(process)
            raise
        finally:
            holder.pop("process", None)


async def stop_process(process) -> None:
    if process.returncode is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 10)
    except (ProcessLookupError, asyncio.TimeoutError):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    except asyncio.CancelledError:
        os.killpg(process.pid, signal.SIGKILL)
        raise


async def evaluate(settings: Settings, path: Path, log_path: Path, holder: dict) -> ModelFigures:
    """The held-out figures of a model file: stored ones, or measured now in a subprocess."""
    known = await asyncio.to_thread(figures_of, settings, path)
    if known is not None:
        return known
    code = await run_logged([sys.executable, "-m", "console.retraining", "evaluer", str(path)], log_path,
                            EVALUATE_TIMEOUT_SECONDS, holder)
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.startswith(RESULT_PREFIX)]
    if code != 0 or not lines:
        raise RetrainingError(f"L'évaluation de {path.name} sur le jeu de test indépendant a échoué (code {code}). "
                              f"Détails techniques : {log_path}")
    return await asyncio.to_thread(store_figures, settings, path, json.loads(lines[-1][len(RESULT_PREFIX):]))


def fr_pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}".replace(".", ",") + "\u00a0%"


async def activate(settings: Settings, path: Path) -> None:
    """PUT /model on the running Rasa server, then check with GET /status that it serves it."""
    await asyncio.to_thread(rasa_call, settings, "PUT", "/model", {"model_file": str(path)}, ACTIVATE_TIMEOUT_SECONDS)
    status = await asyncio.to_thread(rasa_status, settings)
    if status["model_file"] != path.name:
        raise RetrainingError(f"Rasa sert {status['model_file']} au lieu de {path.name} après l'activation.")


async def run_job(settings: Settings, job_id: int, kind: str, holder: dict) -> None:
    url = settings.db_url
    logs = settings.console_models / "logs"
    log_path = logs / f"operation-{job_id}.log"
    await asyncio.to_thread(update_job, url, job_id, log_path=str(log_path))
    login = await asyncio.to_thread(requester, url, job_id)
    candidate = None
    switching = False  # once PUT /model is sent, « nothing changed » can no longer be promised
    try:
        status = await asyncio.to_thread(rasa_status, settings)
        active = await asyncio.to_thread(locate, settings, status["model_file"])
        active_digest = await asyncio.to_thread(file_digest, active) if active else None
        await asyncio.to_thread(update_job, url, job_id, active_name=status["model_file"], active_digest=active_digest)

        if kind == "rollback":
            state = await asyncio.to_thread(read_state, url)
            previous = Path(state["previous_path"]) if state["previous_path"] else None
            if previous is None:
                raise RetrainingError("Aucun modèle précédent à rétablir.")
            if not previous.is_file():
                raise RetrainingError(f"Le fichier du modèle précédent ({previous.name}) n'existe plus : "
                                      "retour impossible.")
            await asyncio.to_thread(set_stage, url, job_id, "activating", ACTIVATE_SECONDS,
                                    candidate_path=str(previous), candidate_digest=file_digest(previous))
            kept = await asyncio.to_thread(keep, settings, active) if active else None
            switching = True
            await activate(settings, previous)
            await asyncio.to_thread(switch_models, url, previous, kept, login)
            message = (f"Modèle précédent rétabli : {previous.name} est de nouveau actif. "
                       + (f"{kept.name} devient le modèle précédent (un clic le rétablit)." if kept else ""))
            await asyncio.to_thread(finish_job, url, job_id, "rolled_back", message, "retour au modèle précédent",
                                    f"{status['model_file']} → {previous.name}")
            await asyncio.to_thread(prune, settings)
            return

        if active is None:
            raise RetrainingError(f"Le fichier du modèle actif ({status['model_file']}) est introuvable dans "
                                  f"{settings.models_dir} : impossible de le mesurer, donc de comparer. Rien n'a "
                                  "été changé.")

        if kind == "measure":
            await asyncio.to_thread(set_stage, url, job_id, "evaluating", EVALUATE_SECONDS)
            figures = await evaluate(settings, active, log_path, holder)
            await asyncio.to_thread(finish_job, url, job_id, "measured",
                                    f"Modèle actif mesuré : exactitude {fr_pct(figures.accuracy)} sur le jeu de test "
                                    f"indépendant ({figures.items} questions).")
            return

        # --- train ---
        settings.console_models.mkdir(parents=True, exist_ok=True)
        name = "bma-console-" + dt.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{job_id}"
        candidate = settings.console_models / f"{name}.tar.gz"
        expected = await asyncio.to_thread(last_train_seconds, url)
        await asyncio.to_thread(set_stage, url, job_id, "training", expected, candidate_path=str(candidate))
        started = asyncio.get_running_loop().time()
        argv = [sys.executable, "-m", "rasa", "train", "--config", str(PROJECT_ROOT / "config.yml"),
                "--domain", str(PROJECT_ROOT / "domain.yml"),
                "--data", *[str(p) for p in training_data_paths(settings)],
                "--out", str(settings.console_models), "--fixed-model-name", name]
        try:
            code = await run_logged(argv, log_path, TRAIN_TIMEOUT_SECONDS, holder)
        except asyncio.TimeoutError:
            raise RetrainingError(f"L'entraînement a dépassé {TRAIN_TIMEOUT_SECONDS // 60} minutes : arrêté. "
                                  f"Détails techniques : {log_path}") from None
        if code != 0 or not candidate.is_file():
            raise RetrainingError(f"L'entraînement a échoué (code {code}) : vérifiez les données d'entraînement. "
                                  f"Détails techniques : {log_path}")
        train_seconds = asyncio.get_running_loop().time() - started
        candidate_digest = await asyncio.to_thread(file_digest, candidate)
        to_measure = 1 + (await asyncio.to_thread(figures_of, settings, active) is None)
        await asyncio.to_thread(set_stage, url, job_id, "evaluating", EVALUATE_SECONDS * to_measure,
                                train_seconds=train_seconds, candidate_digest=candidate_digest)
        current = await evaluate(settings, active, log_path, holder)
        new = await evaluate(settings, candidate, log_path, holder)
        comparison = (f"exactitude du candidat {fr_pct(new.accuracy)}, du modèle actif {fr_pct(current.accuracy)} "
                      f"({new.items} questions du jeu de test indépendant)")
        if new.accuracy < current.accuracy:
            message = (f"Candidat refusé : il répond moins bien que le modèle actif sur le jeu de test indépendant "
                       f"({comparison}). Le modèle actif {status['model_file']} reste en service. Vérifiez les "
                       "exemples ajoutés (boîte de réception, inbox.yml) avant de réentraîner.")
            candidate.unlink(missing_ok=True)
            await asyncio.to_thread(finish_job, url, job_id, "refused", message, "candidat refusé",
                                    f"{name}.tar.gz : {comparison}")
            return

        await asyncio.to_thread(set_stage, url, job_id, "activating", ACTIVATE_SECONDS)
        # The current model is kept first (copied into models/console/ if needed): a rollback needs it.
        kept = await asyncio.to_thread(keep, settings, active)
        switching = True
        await activate(settings, candidate)
        await asyncio.to_thread(switch_models, url, candidate, kept, login)
        message = (f"Nouveau modèle activé : {candidate.name} ({comparison}). L'ancien modèle, {kept.name}, "
                   "est gardé : « Revenir au modèle précédent » le rétablit.")
        await asyncio.to_thread(finish_job, url, job_id, "activated", message, "modèle activé",
                                f"{candidate.name} ({comparison})")
        await asyncio.to_thread(prune, settings)
    except asyncio.CancelledError:
        await asyncio.to_thread(finish_job, url, job_id, "interrupted",
                                "Interrompu : la console a été arrêtée pendant l'opération. "
                                + ("Vérifiez ci-dessus le modèle que Rasa sert." if switching
                                   else "Le modèle actif n'a pas changé."))
        if candidate is not None and kind == "train":
            await asyncio.to_thread(prune, settings)
        raise
    except RetrainingError as problem:
        text = f"{problem} " + ("Vérifiez ci-dessus le modèle que Rasa sert." if switching
                                 else "Le modèle actif n'a pas changé.")
        await asyncio.to_thread(finish_job, url, job_id, "failed", text, "échec", str(problem))
        if kind == "train":
            await asyncio.to_thread(prune, settings)
    except Exception as error:  # logged; the lock is released, the active model unchanged
        log.exception("retraining job %s failed", job_id)
        await asyncio.to_thread(finish_job, url, job_id, "failed",
                                f"Erreur inattendue ({type(error).__name__}) : "
                                + ("vérifiez ci-dessus le modèle que Rasa sert. " if switching
                                   else "le modèle actif n'a pas changé. ") + f"Détails techniques : {log_path}",
                                "échec", type(error).__name__)
        if kind == "train":
            await asyncio.to_thread(prune, settings)


# --- the page -------------------------------------------------------------------------------------
def register(app, config, *, page, render, context) -> None:
    """Add « Modèles » to the console: GET /modeles, POST /modeles/reentrainer, /modeles/mesurer,
    /modeles/revenir (session + CSRF through ``page``, like every console page)."""
    settings = Settings.from_env(config)
    zone = ZoneInfo(settings.timezone)

    def local(moment: dt.datetime | None) -> str:
        if moment is None:
            return "—"
        return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone).strftime("%d/%m/%Y à %H:%M")

    def snapshot() -> dict:
        """Everything the page shows, read in a worker thread."""
        info = {"problem": None, "status": None, "active": None, "active_figures": None}
        try:
            info["status"] = rasa_status(settings)
        except RetrainingError as problem:
            info["problem"] = str(problem)
        if info["status"]:
            active = locate(settings, info["status"]["model_file"])
            info["active"] = active
            info["active_figures"] = figures_of(settings, active)
        state = read_state(settings.db_url)
        previous = Path(state["previous_path"]) if state["previous_path"] else None
        info["state"] = state
        info["previous"] = previous
        info["previous_exists"] = bool(previous and previous.is_file())
        info["previous_figures"] = figures_of(settings, previous) if info["previous_exists"] else None
        info["running"] = running_job(settings.db_url)
        jobs = recent_jobs(settings.db_url)
        info["jobs"] = jobs
        info["last"] = next((j for j in jobs if j.status != "running"), None)
        digests = {d for j in jobs for d in (j.candidate_digest, j.active_digest) if d}
        info["figures"] = {d: f for d in digests if (f := figures_by_digest(settings, d)) is not None}
        info["inbox_examples"] = inbox_examples(settings)
        info["data_paths"] = [shown(p) for p in training_data_paths(settings)]
        info["inbox_path"] = shown(settings.nlu_dir / INBOX_FILE)
        return info

    async def models_page(request, *, status: int = 200, message: str | None = None, error: str | None = None,
                          follow: bool = False):
        info = await asyncio.to_thread(snapshot)
        running = info["running"]
        refresh = bool(running) and follow
        body = render("modeles.html", status, **context(
            request, path="/modeles", info=info, running=running, message=message, error=error, refresh=refresh,
            refresh_seconds=REFRESH_SECONDS, follow=follow, progress=progress(running) if running else None,
            stages=STAGES, kinds=KINDS_FR, statuses=STATUS_FR, local=local, fr_pct=fr_pct,
            stage_index={kind: [s for s, _, _ in stages] for kind, stages in STAGES.items()}))
        if refresh:  # chosen by the user (check box / link) and stoppable; a header, not <meta>
            body.headers["Refresh"] = f"{REFRESH_SECONDS}; url=/modeles?actualiser=1"
        return body

    @app.get("/modeles")
    @page
    async def models_get(request):
        return await models_page(request, follow=request.args.get("actualiser") == "1")

    async def launch(request, kind: str):
        follow = request.form.get("actualiser") == "1"
        if not settings.api_token:
            return await models_page(request, status=503, error=NO_TOKEN + " Rien n'a été lancé.")
        job_id = await asyncio.to_thread(start_job, settings.db_url, kind, request.ctx.staff.login)
        if job_id is None:
            running = await asyncio.to_thread(running_job, settings.db_url)
            who = (f" ({KINDS_FR[running.kind]} lancé par {running.requested_by} le {local(running.started_at)})"
                   if running else "")
            return await models_page(request, status=409, follow=follow, error=(
                f"Une opération sur les modèles est déjà en cours{who} : une seule à la fois. Attendez qu'elle "
                "se termine ; rien de plus n'a été lancé."))
        holder: dict = {}
        task = asyncio.get_running_loop().create_task(run_job(settings, job_id, kind, holder))
        app.ctx.retraining = {"task": task, "holder": holder}
        return response.redirect("/modeles?actualiser=1" if follow else "/modeles", status=303)

    @app.post("/modeles/reentrainer")
    @page
    async def retrain(request):
        return await launch(request, "train")

    @app.post("/modeles/mesurer")
    @page
    async def measure(request):
        return await launch(request, "measure")

    @app.post("/modeles/revenir")
    @page
    async def roll_back(request):
        return await launch(request, "rollback")

    @app.after_server_start
    async def recover(app, loop):
        app.ctx.retraining = None
        count = await asyncio.to_thread(interrupt_leftovers, settings.db_url)
        if count:
            log.warning("%d model operation(s) interrupted by a restart of the console", count)

    @app.before_server_stop
    async def stop_job(app, loop):
        current = getattr(app.ctx, "retraining", None)
        if current and not current["task"].done():
            current["task"].cancel()
            await asyncio.wait([current["task"]], timeout=30)


# --- `python -m console.retraining evaluer MODEL`: the figures of one model (run as a subprocess) ----
def _evaluate_main(model: str) -> int:
    from scripts.evaluate import HELD_OUT as held_out
    from scripts.evaluate import load_examples, metrics, rasa_predict

    texts, truth, _ = load_examples(held_out)
    predicted, _ = asyncio.run(rasa_predict(model, texts))
    m = metrics(truth, predicted)
    print(RESULT_PREFIX + json.dumps({"items": m["items"], "accuracy": m["accuracy"], "macro_f1": m["macro_f1"],
                                      "honest": m["oos_and_not_covered_handled"]}), flush=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "evaluer":
        sys.exit("usage: python -m console.retraining evaluer MODEL.tar.gz")
    sys.exit(_evaluate_main(sys.argv[2]))
