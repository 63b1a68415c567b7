"""Rasa's HTTP API token from the environment, never on the command line.

``rasa run --enable-api --auth-token=…`` puts the token in the process's command line, which every
local user can read (``ps``, ``/proc/PID/cmdline``). With this patch, ``python -m rasa_patches run
--enable-api …`` takes the token from ``BMA_API_TOKEN`` instead: read once when ``rasa run``
starts, removed from the process's environment (nothing Rasa starts inherits it), and handed to
Rasa's server exactly as ``--auth-token`` would be (``rasa.run(auth_token=…)``: every API route
then answers 401 without ``?token=`` or ``Authorization: Bearer``).

- ``--auth-token`` given explicitly still wins (Rasa's own option, e.g. in a test);
- ``--enable-api`` without any token refuses to start: an HTTP API that reads and rewrites every
  conversation is never opened without a token here;
- without ``--enable-api`` the variable is only removed from the environment.
"""
from __future__ import annotations

import argparse
import os
from collections.abc import MutableMapping

import settings

TOKEN_ENV = "BMA_API_TOKEN"
NO_TOKEN = (f"--enable-api needs a token: set {TOKEN_ENV} in the environment of `python -m rasa_patches run` "
            "(scripts/run.sh draws one per start); it is never read from the command line")
_MARK = "_bma_api_token_from_env"


class MissingApiToken(SystemExit):
    pass


def apply(args: argparse.Namespace, environ: MutableMapping[str, str]) -> None:
    """Set ``args.auth_token`` from ``environ`` (the variable is removed from it in any case)."""
    token = settings.get(TOKEN_ENV, environ)
    environ.pop(TOKEN_ENV, None)
    if not getattr(args, "enable_api", False) or getattr(args, "auth_token", None):
        return
    if not token:
        raise MissingApiToken(f"error: {NO_TOKEN}")
    args.auth_token = token


def install() -> None:
    """Wrap ``rasa.cli.run.run`` (what ``rasa run`` dispatches to: ``add_subparser`` looks the
    name up when Rasa builds its parser, after this)."""
    import rasa.cli.run as cli_run

    if getattr(cli_run.run, _MARK, False):
        return
    original = cli_run.run

    def run(args: argparse.Namespace) -> None:
        apply(args, os.environ)
        return original(args)

    run.__doc__ = original.__doc__
    setattr(run, _MARK, True)
    cli_run.run = run
