"""settings.py: every BMA_* variable declared once, read at call time, validated with French messages,
and the operators' table in docs/operators.md generated from it."""
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest

import settings

ROOT = Path(__file__).resolve().parents[2]


def test_a_bad_integer_is_refused_in_french():
    with pytest.raises(settings.SettingError) as bad:
        settings.get("BMA_CONSOLE_PORT", {"BMA_CONSOLE_PORT": "abc"})
    assert str(bad.value) == "BMA_CONSOLE_PORT : un nombre entier est attendu (reçu « abc »)"


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("BMA_CONSOLE_LOW_CONFIDENCE", "haute", "BMA_CONSOLE_LOW_CONFIDENCE : un nombre est attendu (reçu « haute »)"),
    ("BMA_CONSOLE_SECURE", "peut-être", "BMA_CONSOLE_SECURE : 1 ou 0 est attendu (ou oui/non, true/false) (reçu « peut-être »)"),
    ("BMA_TODAY", "15/11/2024", "BMA_TODAY : une date AAAA-MM-JJ est attendue (reçu « 15/11/2024 »)"),
    ("BMA_DB_URL", "registre.sqlite3", "BMA_DB_URL : une URL est attendue (par exemple sqlite:///var/base.sqlite3 "
                                       "ou postgresql://hote/base) (reçu « registre.sqlite3 »)"),
])
def test_each_kind_says_what_it_expects(name, value, expected):
    assert settings.problems({name: value}) == [expected]


def test_values_are_typed_and_defaults_apply_when_unset_or_empty():
    env = {"BMA_CONSOLE_PORT": " 9000 ", "BMA_CONSOLE_SECURE": "oui", "BMA_TODAY": "2024-11-15",
           "BMA_CONSOLE_TRUSTED_PROXY": "10.0.0.1, 10.0.0.2,", "BMA_CONSOLE_TZ": ""}
    now = settings.current(env)
    assert (now.console_port, now.console_secure, now.today) == (9000, True, dt.date(2024, 11, 15))
    assert now.console_trusted_proxy == ("10.0.0.1", "10.0.0.2")
    assert now.console_tz == "Europe/Brussels" and now.retention_days == 30 and now.today is not None
    assert settings.current({}).today is None and settings.current({}).production is False
    assert settings.current({}).db_url == f"sqlite:///{ROOT / 'var' / 'registry.sqlite3'}"
    assert settings.current({}).nlu_dir == ROOT / "data" / "nlu"
    assert settings.current({"BMA_NLU_DIR": "/srv/nlu"}).nlu_dir == Path("/srv/nlu")
    with pytest.raises(AttributeError):
        settings.current({}).not_a_setting  # noqa: B018


def test_the_environment_is_read_when_asked(monkeypatch):
    monkeypatch.setenv("BMA_RETENTION_DAYS", "7")
    assert settings.get("BMA_RETENTION_DAYS") == 7
    monkeypatch.setenv("BMA_RETENTION_DAYS", "8")
    assert settings.current().retention_days == 8


def test_an_undeclared_name_is_a_programming_error():
    with pytest.raises(KeyError):
        settings.raw("BMA_NOT_DECLARED")


def test_validate_stops_with_every_problem():
    with pytest.raises(SystemExit) as stop:
        settings.validate({"BMA_CONSOLE_PORT": "abc", "BMA_RETENTION_DAYS": "trente"})
    assert str(stop.value).splitlines() == [
        "Réglage invalide dans l'environnement :",
        "- BMA_CONSOLE_PORT : un nombre entier est attendu (reçu « abc »)",
        "- BMA_RETENTION_DAYS : un nombre entier est attendu (reçu « trente »)",
    ]
    settings.validate({})  # the defaults are valid


def test_a_service_refuses_to_start_on_a_bad_value():
    result = subprocess.run([sys.executable, "-m", "console.app"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "BMA_CONSOLE_PORT": "abc", "PYTHONPATH": str(ROOT)},
                            timeout=120)
    assert result.returncode == 1
    assert "BMA_CONSOLE_PORT : un nombre entier est attendu (reçu « abc »)" in result.stderr


def test_the_operators_table_lists_exactly_the_declared_variables():
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    assert settings.docs_with_table(text) == text, "run .venv/bin/python -m settings --write-docs"
    table = text[text.index(settings.BEGIN):text.index(settings.END)]
    assert re.findall(r"^\| `(BMA_\w+)` \|", table, re.M) == [v.name for v in settings.VARIABLES]


def test_every_variable_the_code_names_is_declared():
    """No module names a BMA_* variable that settings.py does not declare (tests and .venv aside)."""
    named = set()
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in (".venv", "tests", "node_modules") or path.name == "settings.py":
            continue
        named |= set(re.findall(r"\b(BMA_[A-Z_]+[A-Z])\b", path.read_text(encoding="utf-8")))
    not_settings = {"BMA_LOGIN", "BMA_CHAT_CONFIG"}  # a regex's name, the web page's JavaScript global
    assert named - not_settings - set(settings.BY_NAME) == set()


def test_each_variable_is_named_once():
    names = [v.name for v in settings.VARIABLES]
    assert len(names) == len(set(names)) and all(v.fr and v.en for v in settings.VARIABLES)
