"""The console's pages, one Sanic Blueprint per group; ``create_app`` (console/app.py) registers
them all. A route reads the console's state from ``request.app.ctx`` (settings, clock, sign-in
limits, metrics, retraining) and names its role with console.web's ``page``/``data``/``public``."""
from __future__ import annotations

from console.routes import accounts, conversations, dashboard, inbox, journal, metrics, models, tickets

MODULES = (accounts, dashboard, inbox, conversations, tickets, journal, models, metrics)


def register(app) -> None:
    """Each group's state on ``app.ctx`` (``setup``), then its Blueprint."""
    for module in MODULES:
        if hasattr(module, "setup"):
            module.setup(app)
        app.blueprint(module.bp)
