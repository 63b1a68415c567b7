"""« Modèles » (admin): the active and previous models, their figures on the held-out file, and
the buttons that start a retraining, a measure or a rollback (retraining/ runs them)."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

from sanic import Blueprint, response

from console.training_data import INBOX_FILE, read_examples
from console.web import context, page, render
from retraining.jobs import interrupt_leftovers, progress, read_state, recent_jobs, running_job, start_job
from retraining.model_store import figures_by_digest, figures_of, locate
from retraining.rasa_http import rasa_status
from retraining.runner import run_job
from retraining.settings import (
    KINDS_FR,
    NO_TOKEN,
    STAGES,
    STATUS_FR,
    RetrainingConfig,
    RetrainingError,
    fr_pct,
    shown,
    training_data_paths,
)

log = logging.getLogger(__name__)
bp = Blueprint("modeles")
REFRESH_SECONDS = 5


def setup(app) -> None:
    app.ctx.models = RetrainingConfig.from_env(app.ctx.config)
    app.ctx.retraining = None


def settings_of(request) -> RetrainingConfig:
    return request.app.ctx.models


def local(moment: dt.datetime | None, zone: str) -> str:
    if moment is None:
        return "—"
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo(zone)).strftime("%d/%m/%Y à %H:%M")


def inbox_examples(settings: RetrainingConfig) -> int:
    path = settings.nlu_dir / INBOX_FILE
    return len(read_examples(path)) if path.exists() else 0


def snapshot(settings: RetrainingConfig) -> dict:
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
    settings = settings_of(request)
    info = await asyncio.to_thread(snapshot, settings)
    running = info["running"]
    refresh = bool(running) and follow
    body = render("modeles.html", status, **context(
        request, path="/modeles", info=info, running=running, message=message, error=error, refresh=refresh,
        refresh_seconds=REFRESH_SECONDS, follow=follow, progress=progress(running) if running else None,
        stages=STAGES, kinds=KINDS_FR, statuses=STATUS_FR, local=lambda moment: local(moment, settings.timezone),
        fr_pct=fr_pct, stage_index={kind: [s for s, _, _ in stages] for kind, stages in STAGES.items()}))
    if refresh:  # chosen by the user (check box / link) and stoppable; a header, not <meta>
        body.headers["Refresh"] = f"{REFRESH_SECONDS}; url=/modeles?actualiser=1"
    return body


@bp.get("/modeles")
@page("admin")
async def models_get(request):
    return await models_page(request, follow=request.args.get("actualiser") == "1")


async def launch(request, kind: str):
    settings = settings_of(request)
    follow = request.form.get("actualiser") == "1"
    if not settings.api_token:
        return await models_page(request, status=503, error=NO_TOKEN + " Rien n'a été lancé.")
    job_id = await asyncio.to_thread(start_job, settings.db_url, kind, request.ctx.staff.login)
    if job_id is None:
        running = await asyncio.to_thread(running_job, settings.db_url)
        who = (f" ({KINDS_FR[running.kind]} lancé par {running.requested_by} le "
               f"{local(running.started_at, settings.timezone)})" if running else "")
        return await models_page(request, status=409, follow=follow, error=(
            f"Une opération sur les modèles est déjà en cours{who} : une seule à la fois. Attendez qu'elle "
            "se termine ; rien de plus n'a été lancé."))
    holder: dict = {}
    task = asyncio.get_running_loop().create_task(run_job(settings, job_id, kind, holder))
    request.app.ctx.retraining = {"task": task, "holder": holder}
    return response.redirect("/modeles?actualiser=1" if follow else "/modeles", status=303)


@bp.post("/modeles/reentrainer")
@page("admin")
async def retrain(request):
    return await launch(request, "train")


@bp.post("/modeles/mesurer")
@page("admin")
async def measure(request):
    return await launch(request, "measure")


@bp.post("/modeles/revenir")
@page("admin")
async def roll_back(request):
    return await launch(request, "rollback")


@bp.after_server_start
async def recover(app, loop):
    app.ctx.retraining = None
    count = await asyncio.to_thread(interrupt_leftovers, app.ctx.models.db_url)
    if count:
        log.warning("%d model operation(s) interrupted by a restart of the console", count)


@bp.before_server_stop
async def stop_job(app, loop):
    current = getattr(app.ctx, "retraining", None)
    if current and not current["task"].done():
        current["task"].cancel()
        await asyncio.wait([current["task"]], timeout=30)
