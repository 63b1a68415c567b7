"""The staff shell's Rasa launcher hands the API token to Rasa's own command line parser intact."""
import sys
import types

import pytest

from scripts.staff_shell import RASA_LAUNCHER, TOKEN_ENV


@pytest.mark.parametrize("token", ["-Xy_z9", "--ab", "plain_token-1"])
def test_a_token_that_starts_with_a_dash_reaches_rasa(monkeypatch, token):
    """secrets.token_urlsafe starts with « - » once in 64 runs; argparse took it for an option."""
    launched = {}
    rasa_main = types.ModuleType("rasa_patches.__main__")
    rasa_main.main = lambda: launched.update(argv=list(sys.argv))
    monkeypatch.setitem(sys.modules, "rasa_patches.__main__", rasa_main)
    monkeypatch.setenv(TOKEN_ENV, token)
    monkeypatch.setattr(sys, "argv", ["launcher", "run", "--port", "5005"])
    exec(RASA_LAUNCHER, {})
    from rasa.__main__ import create_argument_parser

    parsed = create_argument_parser().parse_args(launched["argv"][1:])
    assert parsed.auth_token == token and parsed.enable_api and parsed.port == 5005
    assert TOKEN_ENV not in __import__("os").environ  # not inherited by what Rasa starts
