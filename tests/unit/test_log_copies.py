"""rasa_patches.log_copies: Rasa's log-only deep copies are skipped while debug logs are off, made as
Rasa makes them while they are on; the rest of the ``copy`` module is untouched."""
import copy
import logging

import pytest
import structlog
from rasa.utils.log_utils import configure_structlog

from rasa_patches import log_copies


@pytest.fixture
def structlog_config():
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


@pytest.fixture
def patched_modules():
    import importlib

    modules = [importlib.import_module(name) for name in log_copies.MODULES]
    originals = [module.copy for module in modules]
    log_copies.install()
    yield modules
    for module, original in zip(modules, originals):
        module.copy = original


@pytest.mark.parametrize("level, copied", [(logging.INFO, False), (logging.WARNING, False), (logging.ERROR, False),
                                           (logging.DEBUG, True)])
def test_deep_copies_only_when_rasas_debug_logs_are_on(structlog_config, patched_modules, level, copied):
    configure_structlog(level)  # what `rasa run` does with its --debug / --quiet / default level
    events = [{"event": "slot", "value": ["a", {"b": 1}]}]
    for module in patched_modules:
        got = module.copy.deepcopy(events)
        assert got == events
        assert (got is not events and got[0]["value"] is not events[0]["value"]) if copied else got is events


def test_an_unconfigured_structlog_logs_debug_so_it_copies(structlog_config, patched_modules):
    structlog.reset_defaults()
    value = {"a": [1]}
    assert log_copies.debug_logs_on()
    assert patched_modules[0].copy.deepcopy(value) is not value


def test_the_rest_of_the_copy_module_is_the_standard_one(patched_modules):
    value = {"a": [1]}
    for module in patched_modules:
        assert module.copy.copy is copy.copy and module.copy.Error is copy.Error
        assert module.copy.copy(value) is not value
    assert copy.deepcopy(value) is not value  # the standard module itself is untouched
