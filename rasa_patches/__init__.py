"""Every change this project makes to Rasa itself, installed explicitly by ``install()``.

- ``action_fallback``: a custom action that fails or times out gets the general French answer
  (Rasa 3.6 logs the error and says nothing);
- ``action_validation``: the action server's answers validated with schemas compiled once (speed);
- ``api_token``: the HTTP API's token read from ``BMA_API_TOKEN``, never from the command line
  (which every local user can read in ``ps``);
- ``event_types``: ``Event.resolve_by_type`` remembered per type name (speed);
- ``gc_freeze``: the loaded model moved out of the garbage collector's way (the tail under load);
- ``graph_runner``: the model graph run in an order computed once, not rebuilt by dask per call (speed);
- ``kept_alive``: calls to the action server over kept-alive connections, not one connection per call,
  their bodies encoded by ujson (speed);
- ``log_copies``: no deep copies made for debug logs that are off (speed);
- ``rule_policy``: the rule policy builds a conversation's states once per prediction, not twice, and
  matches rules no further back than the longest rule (speed).

``install()`` is called in one place, ``python -m rasa_patches run …`` (the Rasa server of
`make run`, `make shell`, the benchmarks and the tests); the project's channels refuse to serve
without it.

The version guard: the patches, and the stores, channels, components, console and scripts besides,
reach into Rasa internals, each listed in ``rasa_patches/internals.py`` (``INTERNALS``: what, where,
what is expected). These internals are relied upon with Rasa ``VERIFIED_RASA_VERSION`` (3.6.21) only:
``install()`` refuses any other version with a clear message, then checks that every internal of
the list still exists with the parameters the project uses (``internals.verify``);
tests/unit/test_rasa_contracts.py holds each contract (signatures, tables, key and ticket formats).
"""
from __future__ import annotations

VERIFIED_RASA_VERSION = "3.6.21"
_installed = False


class UnverifiedRasaVersion(RuntimeError):
    pass


def check_version(version: str | None = None) -> None:
    if version is None:
        import rasa

        version = rasa.__version__
    if version != VERIFIED_RASA_VERSION:
        raise UnverifiedRasaVersion(
            f"rasa_patches were verified on Rasa {VERIFIED_RASA_VERSION}, not {version}: review each patch "
            "against the new Rasa (rasa_patches/*.py and their tests) and every internal the project relies on "
            "(rasa_patches/internals.py, tests/unit/test_rasa_contracts.py), then update VERIFIED_RASA_VERSION."
        )


def install() -> None:
    """Install every patch once; refuses an unverified Rasa version, or changed internals."""
    global _installed
    if _installed:
        return
    check_version()
    from rasa_patches import internals

    internals.verify()
    from rasa.core.actions.action import RemoteAction

    from rasa_patches import (
        action_fallback,
        action_validation,
        api_token,
        event_types,
        gc_freeze,
        graph_runner,
        kept_alive,
        log_copies,
        rule_policy,
    )

    action_validation.install(RemoteAction)
    api_token.install()
    action_fallback.install()
    event_types.install()
    gc_freeze.install()
    graph_runner.install()
    kept_alive.install()
    log_copies.install()
    rule_policy.install()
    _installed = True


def installed() -> bool:
    return _installed


def require_installed(component: str) -> None:
    """Called by our channels: serving without the patches would silently lose the fallback."""
    if not _installed:
        raise RuntimeError(
            f"{component} needs the project's Rasa patches: start the server with "
            "`python -m rasa_patches run …` (scripts/run.sh does), not `rasa run`."
        )
