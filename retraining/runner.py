"""The background job: training and evaluation in niced subprocesses, the comparison with the
active model, the activation on the running Rasa server, the outcome in the database."""
from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

from retraining.jobs import finish_job, last_train_seconds, read_state, requester, set_stage, switch_models, update_job
from retraining.model_store import figures_of, file_digest, keep, locate, prune, store_figures
from retraining.models import ModelFigures
from retraining.rasa_http import activate, rasa_status
from retraining.settings import (
    ACTIVATE_SECONDS,
    EVALUATE_SECONDS,
    EVALUATE_TIMEOUT_SECONDS,
    PROJECT_ROOT,
    RESULT_PREFIX,
    TRAIN_TIMEOUT_SECONDS,
    RetrainingConfig,
    RetrainingError,
    fr_pct,
    training_data_paths,
)

log = logging.getLogger(__name__)

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


async def evaluate(settings: RetrainingConfig, path: Path, log_path: Path, holder: dict) -> ModelFigures:
    """The held-out figures of a model file: stored ones, or measured now in a subprocess."""
    known = await asyncio.to_thread(figures_of, settings, path)
    if known is not None:
        return known
    code = await run_logged([sys.executable, "-m", "retraining", "evaluer", str(path)], log_path,
                            EVALUATE_TIMEOUT_SECONDS, holder)
    lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.startswith(RESULT_PREFIX)]
    if code != 0 or not lines:
        raise RetrainingError(f"L'évaluation de {path.name} sur le jeu de test indépendant a échoué (code {code}). "
                              f"Détails techniques : {log_path}")
    return await asyncio.to_thread(store_figures, settings, path, json.loads(lines[-1][len(RESULT_PREFIX):]))


async def run_job(settings: RetrainingConfig, job_id: int, kind: str, holder: dict) -> None:
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
