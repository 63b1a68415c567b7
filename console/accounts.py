"""Staff accounts: Argon2id password hashes, sign-in with lock-out, and the command that creates
or resets an account.

    .venv/bin/python -m console.accounts create LOGIN    # asks the password twice (not echoed)
    .venv/bin/python -m console.accounts reset LOGIN     # new password, signs the account out everywhere
    printf '%s\\n' "$PASSWORD" | .venv/bin/python -m console.accounts create LOGIN   # from stdin (scripts)
    .venv/bin/python -m console.accounts list

The password is never printed, logged or stored: only its Argon2id hash (argon2-cffi defaults).
After ``MAX_FAILURES`` wrong passwords in a row a login is locked for ``LOCK_MINUTES`` — unknown
logins too, so the answer never tells which logins exist.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import re
import sys
from dataclasses import dataclass
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from console import audit
from console.config import settings
from console.db import SignInAttempts, StaffAccount, StaffSession, console_engine, utcnow

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD_CHARS = 12
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_hasher = PasswordHasher()
# Verified when the login is unknown, so that a wrong login takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pas-un-vrai-mot-de-passe")


class AccountError(ValueError):
    """A French message for the person at the keyboard."""


class Outcome(str, Enum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    staff_id: int | None = None
    login: str | None = None


def normalise_login(login: str | None) -> str | None:
    value = (login or "").strip().lower()
    return value if LOGIN_RE.match(value) else None


def _session(url: str) -> Session:
    return Session(console_engine(url), future=True, expire_on_commit=False)


def set_password(url: str, login: str, password: str, *, create: bool, actor: str) -> None:
    """Create the account (``create``) or give an existing one a new password."""
    name = normalise_login(login)
    if name is None:
        raise AccountError("Identifiant invalide : 2 à 64 caractères parmi a-z, 0-9, « . _ @ - ».")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Mot de passe trop court : au moins {MIN_PASSWORD_CHARS} caractères.")
    with _session(url) as db, db.begin():
        account = db.execute(select(StaffAccount).where(StaffAccount.login == name)).scalar_one_or_none()
        if create and account is not None:
            raise AccountError(f"Le compte « {name} » existe déjà : utilisez « reset » pour changer son mot de passe.")
        if not create and account is None:
            raise AccountError(f"Le compte « {name} » n'existe pas : utilisez « create ».")
        if account is None:
            account = StaffAccount(login=name, password_hash=_hasher.hash(password))
            db.add(account)
        else:
            account.password_hash = _hasher.hash(password)
            account.password_changed_at = utcnow()
            db.execute(delete(StaffSession).where(StaffSession.staff_id == account.id))
        db.execute(delete(SignInAttempts).where(SignInAttempts.login == name))
        audit.record(db, actor, "compte créé" if create else "mot de passe réinitialisé", f"compte {name}")


def authenticate(url: str, login: str, password: str, now: dt.datetime | None = None) -> SignIn:
    """Check a sign-in; counts failures and locks the login after ``MAX_FAILURES`` in a row."""
    now = now or utcnow()
    name = normalise_login(login) or (login or "").strip().lower()[:64] or "-"
    with _session(url) as db, db.begin():
        attempts = db.get(SignInAttempts, name)
        if attempts and attempts.locked_until and attempts.locked_until > now:
            audit.record(db, name, "connexion refusée", "compte verrouillé")
            return SignIn(Outcome.LOCKED)
        account = db.execute(select(StaffAccount).where(StaffAccount.login == name)).scalar_one_or_none()
        try:
            ok = _hasher.verify(account.password_hash if account else _DUMMY_HASH, password) and account is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if ok:
            if _hasher.check_needs_rehash(account.password_hash):
                account.password_hash = _hasher.hash(password)
            account.last_sign_in_at = now
            if attempts:
                db.delete(attempts)
            audit.record(db, name, "connexion")
            return SignIn(Outcome.OK, account.id, name)
        if attempts is None:
            attempts = SignInAttempts(login=name, failures=0)
            db.add(attempts)
        window = dt.timedelta(minutes=LOCK_MINUTES)
        if attempts.locked_until or (attempts.last_failure_at and now - attempts.last_failure_at > window):
            attempts.failures, attempts.locked_until = 0, None  # a past lock or old failures: count afresh
        attempts.failures += 1
        attempts.last_failure_at = now
        # Forget old failures of other logins (unknown logins must not fill the table).
        db.execute(delete(SignInAttempts).where(SignInAttempts.last_failure_at < now - dt.timedelta(days=1),
                                                SignInAttempts.login != name))
        if attempts.failures >= MAX_FAILURES:
            attempts.locked_until = now + window
            audit.record(db, name, "compte verrouillé", f"{attempts.failures} échecs de connexion")
            return SignIn(Outcome.LOCKED)
        audit.record(db, name, "échec de connexion")
        return SignIn(Outcome.WRONG)


def read_password(stream=None) -> str:
    """Twice with getpass at a terminal; one line from stdin otherwise (scripts, tests)."""
    stream = stream or sys.stdin
    if stream.isatty():
        first = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Confirmez le mot de passe : ") != first:
            raise AccountError("Les deux mots de passe diffèrent.")
        return first
    return stream.readline().rstrip("\r\n")


def _system_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment
        return "inconnu"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m console.accounts",
                                     description="Comptes du personnel de la console (mots de passe Argon2).")
    parser.add_argument("command", choices=["create", "reset", "list"])
    parser.add_argument("login", nargs="?")
    args = parser.parse_args(argv)
    url = settings().db_url
    if args.command == "list":
        with _session(url) as db:
            for login in db.execute(select(StaffAccount.login).order_by(StaffAccount.login)).scalars():
                print(login)
        return 0
    if not args.login:
        parser.error("LOGIN est obligatoire pour create et reset")
    try:
        password = read_password()
        set_password(url, args.login, password, create=args.command == "create",
                     actor=f"ligne de commande ({_system_user()})")
    except AccountError as error:
        print(error, file=sys.stderr)
        return 2
    done = "créé" if args.command == "create" else "mis à jour (sessions ouvertes fermées)"
    print(f"Compte « {normalise_login(args.login)} » {done}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
