"""No deep copies for debug logs that are off (a speed patch, found with py-spy under `make profile`).

Rasa 3.6 deep-copies every action's events, the parse data, the slots and the rule states to hand
them to ``structlogger.debug``, whether debug logs are on or not: with them off, the copies are made
and thrown away, 2 % of a message under load. In the modules below, every ``copy.`` call is such an
argument (tests/unit/test_rasa_contracts.py reads their source to check it). Here those modules see a
``copy`` whose ``deepcopy`` returns its argument as it is while structlog filters debug logs out, and
copies as Rasa does when they are on (Rasa's ``_anonymizer`` may then edit what it logs).
"""
from __future__ import annotations

import copy
import importlib
import logging
from types import ModuleType
from typing import Any

import structlog

MODULES = ("rasa.core.processor", "rasa.core.policies.rule_policy", "rasa.core.actions.forms")
# structlog's filtering loggers (what rasa.utils.log_utils.configure_structlog installs) that drop debug.
_WITHOUT_DEBUG = {structlog.make_filtering_bound_logger(level)
                  for level in (logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)}


def debug_logs_on() -> bool:
    return structlog.get_config()["wrapper_class"] not in _WITHOUT_DEBUG


class LogCopies(ModuleType):
    """The ``copy`` module as the patched modules see it."""

    def __init__(self) -> None:
        super().__init__("copy", copy.__doc__)

    @staticmethod
    def deepcopy(value: Any, memo: dict | None = None) -> Any:
        return copy.deepcopy(value, memo) if debug_logs_on() else value

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def install() -> None:
    for name in MODULES:
        importlib.import_module(name).copy = LogCopies()
