"""Model files: their digests, where Rasa's active model lives, their held-out figures (measured
once per file and held-out file), the copy kept for a rollback, the pruning of models/console/."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.paths import HELD_OUT
from retraining.jobs import read_state
from retraining.models import ModelFigures, engine
from retraining.settings import CONSOLE_SUBDIR, PROJECT_ROOT, RetrainingConfig
from storage import utcnow

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


def locate(settings: RetrainingConfig, name: str) -> Path | None:
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


def figures_of(settings: RetrainingConfig, path: Path | None) -> ModelFigures | None:
    """The stored held-out figures of this file, if measured on the current held-out file."""
    if path is None or not path.is_file():
        return None
    with Session(engine(settings.db_url), future=True) as db:
        row = db.get(ModelFigures, file_digest(path))
        if row is None or row.heldout_digest != heldout_digest() or row.accuracy is None:
            return None
        db.expunge(row)
        return row


def figures_by_digest(settings: RetrainingConfig, digest: str | None) -> ModelFigures | None:
    if not digest:
        return None
    with Session(engine(settings.db_url), future=True) as db:
        row = db.get(ModelFigures, digest)
        if row is not None:
            db.expunge(row)
        return row


def store_figures(settings: RetrainingConfig, path: Path, figures: dict) -> ModelFigures:
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


def keep(settings: RetrainingConfig, path: Path) -> Path:
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


def prune(settings: RetrainingConfig) -> None:
    """Only the active and the previous model stay in models/console/ (refused or superseded
    candidates are deleted; their figures stay in the database)."""
    state = read_state(settings.db_url)
    keep_paths = {Path(p).resolve() for p in (state.get("active_path"), state.get("previous_path")) if p}
    for path in settings.console_models.glob("*.tar.gz"):
        if path.resolve() not in keep_paths:
            path.unlink(missing_ok=True)
