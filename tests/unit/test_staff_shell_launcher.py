"""Rasa's API token travels through the environment only: the staff shell puts it in the Rasa
process's environment (never its command line), and ``python -m rasa_patches run --enable-api``
(rasa_patches/api_token.py) hands it to Rasa's server intact."""
import os
import shutil

import pytest
import rasa
import rasa.cli.run as cli_run

from rasa_patches import api_token
from scripts import staff_shell

ROOT = staff_shell.ROOT


def spawned_by_the_shell(monkeypatch, tmp_path, token):
    """The commands and environments the staff shell would start (nothing is started)."""
    spawned = {}
    monkeypatch.setattr(staff_shell.Servers, "_spawn",
                        lambda self, name, command, env: spawned.__setitem__(name, (command, env)))
    monkeypatch.setattr(staff_shell.Servers, "_wait", lambda self, url, name: None)
    monkeypatch.setenv(api_token.TOKEN_ENV, "inherited-from-the-terminal")
    servers = staff_shell.Servers(tmp_path / "model.tar.gz", ROOT / "endpoints.yml", tmp_path, api_token=token)
    try:
        servers.start()
    finally:
        shutil.rmtree(servers.workdir, ignore_errors=True)
    return spawned


def test_the_shell_gives_the_token_to_rasa_through_its_environment_only(monkeypatch, tmp_path):
    token = "-Xy_z9-secret-du-shell"
    spawned = spawned_by_the_shell(monkeypatch, tmp_path, token)
    command, env = spawned["rasa"]
    assert command[1:4] == ["-m", "rasa_patches", "run"] and "--enable-api" in command
    assert not [word for word in command if "secret-du-shell" in word or "auth-token" in word]
    assert env[api_token.TOKEN_ENV] == token
    assert api_token.TOKEN_ENV not in spawned["actions"][1]  # the action server never gets it


def test_without_debug_rasa_has_no_api_and_no_token(monkeypatch, tmp_path):
    command, env = spawned_by_the_shell(monkeypatch, tmp_path, None)["rasa"]
    assert "--enable-api" not in command and api_token.TOKEN_ENV not in env


@pytest.fixture
def rasa_run(monkeypatch):
    """Rasa's own argument parser with the patch installed; ``rasa.run`` replaced by a recorder."""
    monkeypatch.setattr(cli_run, "run", cli_run.run)  # the patch is undone after the test
    api_token.install()
    from rasa.__main__ import create_argument_parser

    received = {}
    monkeypatch.setattr(rasa, "run", lambda **kwargs: received.update(kwargs))
    monkeypatch.chdir(ROOT)  # models/, endpoints.yml, credentials.yml

    def run(*argv):
        parsed = create_argument_parser().parse_args(["run", *argv])
        parsed.func(parsed)
        return received

    return run


@pytest.mark.parametrize("token", ["-Xy_z9", "--ab", "plain_token-1"])
def test_the_token_reaches_rasa_intact_and_leaves_the_environment(monkeypatch, rasa_run, token):
    """secrets.token_urlsafe starts with « - » once in 64 runs: argparse took it for an option."""
    monkeypatch.setenv(api_token.TOKEN_ENV, token)
    received = rasa_run("--enable-api", "--port", "5005")
    assert received["auth_token"] == token and received["enable_api"] and received["port"] == 5005
    assert api_token.TOKEN_ENV not in os.environ  # not inherited by what Rasa starts


def test_an_api_without_token_does_not_start(monkeypatch, rasa_run):
    monkeypatch.delenv(api_token.TOKEN_ENV, raising=False)
    with pytest.raises(SystemExit, match="BMA_API_TOKEN"):
        rasa_run("--enable-api")


def test_an_explicit_token_wins_and_no_api_takes_no_token(monkeypatch, rasa_run):
    monkeypatch.setenv(api_token.TOKEN_ENV, "from-env")
    assert rasa_run("--enable-api", "--auth-token=explicit")["auth_token"] == "explicit"
    monkeypatch.setenv(api_token.TOKEN_ENV, "from-env")
    received = rasa_run()
    assert not received["enable_api"] and received["auth_token"] is None
    assert api_token.TOKEN_ENV not in os.environ
