"""Production never serves demonstration data.

Production is ``BMA_PRODUCTION=1`` (or true/yes/oui), or a start with one of ``deploy/``'s
endpoints files (``BMA_ENDPOINTS`` for ``scripts/run.sh``, or ``--endpoints``). There, a registry
holding demo rows stops the start with a French message and a non-zero exit: ``scripts/run.sh``
runs ``python -m bma.registry production-check`` before starting anything, the action server can
call ``assert_no_demo_in_production()`` when its actions are imported, and the demo loader
refuses to load.
"""
from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import make_url

import settings
from bma.registry.store import (
    count_demo_mailboxes,
    count_mailboxes,
    count_mailboxes_without_source,
    database_url,
)

log = logging.getLogger(__name__)

DEPLOY_DIR = settings.PROJECT_ROOT / "deploy"
TRUE_WORDS = {"1", "true", "yes", "oui", "on"}


class DemoDataInProduction(SystemExit):
    """Raised uncaught, it ends the process with its French message and exit status 1."""


def _is_deploy_endpoints(path: str) -> bool:
    candidate = Path(path)
    resolved = candidate.resolve()
    inside = resolved.parent == DEPLOY_DIR.resolve()
    # Also a deploy/endpoints.* file copied elsewhere (an image, a mounted volume).
    return inside or (candidate.parent.name == "deploy" and candidate.name.startswith("endpoints"))


def production_reason(environ: dict | None = None, endpoints: str | None = None) -> str | None:
    """Why this start is a production one (French, for messages), or None."""
    if settings.raw("BMA_PRODUCTION", environ).lower() in TRUE_WORDS:
        return "BMA_PRODUCTION=1"
    endpoints = endpoints or settings.get("BMA_ENDPOINTS", environ)
    if endpoints and _is_deploy_endpoints(endpoints):
        return f"les endpoints de production {endpoints}"
    return None


def display_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "BMA_DB_URL"


def demo_refusal(environ: dict | None = None, endpoints: str | None = None) -> str | None:
    """The French message that refuses this start (production and demo rows in the registry), or
    None. A registry that cannot be read is not a refusal: the actions already answer with the
    general procedure when it is down (a warning is logged)."""
    reason = production_reason(environ, endpoints)
    if reason is None:
        return None
    url = database_url(environ)
    try:
        demo_rows = count_demo_mailboxes(url)
    except Exception as error:  # the database is down: the actions cope; say we could not check
        log.warning("registry %s unreadable, demo check not done (%s)", display_url(url), type(error).__name__)
        return None
    if not demo_rows:
        return None
    return (
        f"Démarrage refusé : en production ({reason}), le registre des boîtes ({display_url(url)}) contient "
        f"{demo_rows} boîte(s) de démonstration. Des données de démonstration ne doivent jamais être "
        "présentées comme réelles. Retirez-les (.venv/bin/python -m bma.registry remove-demo), importez le "
        "registre réel (make import CSV=FICHIER), puis relancez ; ou démarrez hors production."
    )


def production_warnings(environ: dict | None = None) -> list[str]:
    """French warnings for a production start that is allowed: an empty registry, rows of unknown
    source (loaded before sources were recorded)."""
    url = database_url(environ)
    try:
        total, unsourced = count_mailboxes(url), count_mailboxes_without_source(url)
    except Exception as error:
        return [f"Attention : le registre ({display_url(url)}) est illisible ({type(error).__name__}) : "
                "absence de données de démonstration non vérifiée ; l'assistant répondra par la procédure générale."]
    warnings = []
    if total == 0:
        warnings.append("Attention : le registre des boîtes est vide ; importez-le (make import CSV=FICHIER).")
    if unsourced:
        warnings.append(f"Attention : {unsourced} boîte(s) du registre sont d'origine inconnue (chargées avant "
                        "l'enregistrement des sources) ; réimportez le registre pour qu'elles en aient une.")
    return warnings


def assert_no_demo_in_production(environ: dict | None = None, endpoints: str | None = None) -> None:
    """Raise ``DemoDataInProduction`` (a SystemExit: exit status 1 with the French message) when
    this is a production start and the registry holds demonstration data."""
    message = demo_refusal(environ, endpoints)
    if message:
        raise DemoDataInProduction(message)
