"""Prometheus metrics (console/metrics.py): for a signed-in staff member, or with the metrics token."""
from __future__ import annotations

from prometheus_client.core import CounterMetricFamily
from sanic import Blueprint, response

from console import accounts, metrics, sessions
from console.web import config_of, db, fresh, public

bp = Blueprint("metriques")


class SignInCollector:
    """This process's Argon2 checks and refused sign-ins (the flood tests read them here)."""

    def __init__(self, refused_counts: dict):
        self.refused_counts = refused_counts

    def collect(self):
        yield CounterMetricFamily("bma_console_password_checks", "Vérifications de mot de passe (Argon2) "
                                  "faites par la console depuis son démarrage.", value=accounts.PASSWORD_CHECKS.value)
        family = CounterMetricFamily("bma_console_sign_in_refusals", "Connexions refusées sans vérification : "
                                     "limite par adresse (throttled), identifiant bloqué (locked), console "
                                     "occupée (busy).", labels=["reason"])
        for reason, count in self.refused_counts.items():
            family.add_metric([reason], count)
        yield family


def setup(app) -> None:
    """The registry (after console.routes.accounts.setup, whose refusal counts it reports)."""
    app.ctx.metrics_registry = metrics.registry_for(app.ctx.config)
    app.ctx.metrics_registry.register(SignInCollector(app.ctx.refused_counts))


@bp.get("/metrics")
@public("a session, or the metrics token (Authorization: Bearer), checked in the handler")
async def metrics_page(request):
    config = config_of(request)
    given = request.headers.get("authorization", "")
    bearer = given[len("Bearer "):].strip() if given.startswith("Bearer ") else None
    if request.ctx.staff is None and not (config.metrics_token and sessions.same(bearer, config.metrics_token)):
        return response.text("Connexion requise : connectez-vous à la console, ou donnez le jeton des métriques "
                             "(Authorization: Bearer …).", status=401,
                             headers={"WWW-Authenticate": 'Bearer realm="console BMA"'})
    await fresh(request)
    body = await db(metrics.exposition, request.app.ctx.metrics_registry)
    return response.raw(body, content_type=metrics.CONTENT_TYPE)
