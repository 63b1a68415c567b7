"""Staff accounts: Argon2id password hashes, roles, sign-in with lock-out, and the command that
creates or changes an account.

    .venv/bin/python -m console.accounts create LOGIN [--role lecture|support|admin]  # asks the password twice
    .venv/bin/python -m console.accounts reset LOGIN       # new password, signs the account out everywhere
    .venv/bin/python -m console.accounts role LOGIN support
    printf '%s\\n' "$PASSWORD" | .venv/bin/python -m console.accounts create LOGIN   # from stdin (scripts)
    .venv/bin/python -m console.accounts list

The password is never printed, logged or stored: only its Argon2id hash (argon2-cffi defaults).

Roles, each with the rights of the one before: « lecture » (dashboard, conversations, metrics),
« support » (inbox, questions for the FAQ, tickets), « admin » (models, journal, accounts). The
first account of a database is admin unless told otherwise, the next ones « lecture »; accounts
created before roles existed are admin.

Lock-out (every count taken *before* the Argon2 check, in one ``UPDATE … RETURNING``, so that no
burst of concurrent requests gets more checks than this):

- ``MAX_FAILURES`` checks without success for one login from one client address lock that login
  *for that address* for ``LOCK_MINUTES`` (counted afresh after ``LOCK_MINUTES`` without a try);
  other addresses are not held back, so an attacker cannot keep the owner out;
- ``LOGIN_WIDE_FAILURES`` for one login from all addresses together (a spread-out attack) lock it
  for every address from which that account has not signed in during the last ``KNOWN_CLIENT_DAYS``;
- unknown logins are counted the same way, so the answers never tell which logins exist.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import re
import sys
import threading
from dataclasses import dataclass
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import DateTime, Integer, delete, select
from sqlalchemy.orm import Session

from console import audit, logins
from console.config import settings
from console.db import KnownClient, StaffAccount, StaffSession, session, sql, utcnow

MAX_FAILURES = 5
LOGIN_WIDE_FAILURES = 25
LOCK_MINUTES = 15
KNOWN_CLIENT_DAYS = 90
MIN_PASSWORD_CHARS = 12
LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
ROLES = ("lecture", "support", "admin")  # each with the rights of the ones before
ALL_CLIENTS = "*"

_hasher = PasswordHasher()
# Verified when the login is unknown, so that a wrong login takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("pas-un-vrai-mot-de-passe")


class CheckCounter:
    """Argon2 verifications done by this process (shown by /metrics: the tests read it)."""

    def __init__(self):
        self._lock, self.value = threading.Lock(), 0

    def add(self) -> None:
        with self._lock:
            self.value += 1


PASSWORD_CHECKS = CheckCounter()


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
    retry_after: int = 0  # seconds, when locked


@dataclass
class Attempt:
    """One sign-in between its reservation and its outcome."""

    name: str  # the login as typed, normalised: never stored unless it is an account's
    shown: str  # how the audit names it: the account's login, or logins.unknown_login
    client: str  # the client's address, for the audit
    login_key: str
    client_key: str
    account_id: int | None
    password_hash: str | None
    reserved: bool  # a check is allowed (and counted)
    wide: bool = False  # counted in the login-wide row too
    failures: int = 0  # this address's count, this check included
    wide_failures: int = 0
    retry_after: int = 0
    scope: str = ""  # when refused: "adresse" or "identifiant"


def normalise_login(login: str | None) -> str | None:
    value = (login or "").strip().lower()
    return value if LOGIN_RE.match(value) else None


def typed_login(login: str | None) -> str:
    """What a sign-in is counted under: the normalised login, or what was typed (never stored)."""
    return normalise_login(login) or (login or "").strip().lower()[:200] or "-"


def allows(role: str | None, needed: str) -> bool:
    """Whether ``role`` has the rights of ``needed`` (an unknown role has none)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


def _session(url: str) -> Session:
    return session(url, expire_on_commit=False)


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"Rôle inconnu « {role} » : choisissez parmi {', '.join(ROLES)}.")
    return role


def set_password(url: str, login: str, password: str, *, create: bool, actor: str, role: str | None = None) -> str:
    """Create the account (``create``) or give an existing one a new password; returns its role."""
    name = normalise_login(login)
    if name is None:
        raise AccountError("Identifiant invalide : 2 à 64 caractères parmi a-z, 0-9, « . _ @ - ».")
    if role is not None:
        _check_role(role)
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"Mot de passe trop court : au moins {MIN_PASSWORD_CHARS} caractères.")
    with _session(url) as db, db.begin():
        account = db.execute(select(StaffAccount).where(StaffAccount.login == name)).scalar_one_or_none()
        if create and account is not None:
            raise AccountError(f"Le compte « {name} » existe déjà : utilisez « reset » pour changer son mot de passe.")
        if not create and account is None:
            raise AccountError(f"Le compte « {name} » n'existe pas : utilisez « create ».")
        if account is None:
            first = db.execute(select(StaffAccount.id).limit(1)).first() is None
            account = StaffAccount(login=name, password_hash=_hasher.hash(password),
                                   role=role or ("admin" if first else "lecture"))
            db.add(account)
        else:
            account.password_hash = _hasher.hash(password)
            account.password_changed_at = utcnow()
            db.execute(delete(StaffSession).where(StaffSession.staff_id == account.id))
            db.execute(sql("DELETE FROM console_sign_in_failures WHERE login_key = :key"),
                       {"key": logins.keyed("login", name)})
        detail = f"compte {name}" + (f", rôle {account.role}" if create else "")
        audit.record(db, actor, "compte créé" if create else "mot de passe réinitialisé", detail)
        return account.role


def set_role(url: str, login: str, role: str, *, actor: str) -> str:
    """Give an account another role (applies at its next request); returns the former one."""
    name = normalise_login(login)
    _check_role(role)
    with _session(url) as db, db.begin():
        account = db.execute(select(StaffAccount).where(StaffAccount.login == name)).scalar_one_or_none() \
            if name else None
        if account is None:
            raise AccountError(f"Le compte « {name or login} » n'existe pas : utilisez « create ».")
        former, account.role = account.role, role
        audit.record(db, actor, "rôle modifié", f"compte {name} : {former} → {role}")
        return former


def accounts(url: str) -> list[StaffAccount]:
    with _session(url) as db:
        return list(db.execute(select(StaffAccount).order_by(StaffAccount.login)).scalars())


# --- sign-in: reserve a check, verify, conclude ---------------------------------------------------
_INSERT_ROW = "INSERT INTO console_sign_in_failures (login_key, client, failures, last_at) " \
              "VALUES (:login_key, :client, 0, :now) ON CONFLICT (login_key, client) DO NOTHING"
# One statement: the count restarts after LOCK_MINUTES without a try; no row back = locked.
_RESERVE = "UPDATE console_sign_in_failures SET failures = CASE WHEN last_at < :fresh THEN 1 ELSE failures + 1 END, " \
           "last_at = :now WHERE login_key = :login_key AND client = :client " \
           "AND (failures < :limit OR last_at < :fresh) RETURNING failures"
_GIVE_BACK = "UPDATE console_sign_in_failures SET failures = failures - 1 " \
             "WHERE login_key = :login_key AND client = :client AND failures > 0"


def _reserve_row(db: Session, login_key: str, client: str, now: dt.datetime, limit: int) -> int | None:
    values = {"login_key": login_key, "client": client, "now": now, "fresh": now - dt.timedelta(minutes=LOCK_MINUTES),
              "limit": limit}
    db.execute(sql(_INSERT_ROW, times=("now",)), values)
    return db.execute(sql(_RESERVE, times=("now", "fresh"), failures=Integer), values).scalar_one_or_none()


def _retry_after(db: Session, login_key: str, client: str, now: dt.datetime) -> int:
    last = db.execute(sql("SELECT last_at FROM console_sign_in_failures WHERE login_key = :login_key "
                          "AND client = :client", last_at=DateTime),
                      {"login_key": login_key, "client": client}).scalar_one_or_none()
    if last is None:
        return 1
    left = int((last + dt.timedelta(minutes=LOCK_MINUTES) - now).total_seconds() + 0.999)
    return min(max(1, left), LOCK_MINUTES * 60)  # ``now`` may predate a concurrent try's last_at


def reserve(url: str, login: str, client: str, now: dt.datetime | None = None) -> Attempt:
    """Count this try before checking the password, atomically (one transaction whose first
    statement writes: SQLite's write lock, or the row's on PostgreSQL, orders concurrent tries).
    ``reserved`` is False when the login is locked for this address: then no check at all."""
    now = now or utcnow()
    name = typed_login(login)
    login_key, client_key = logins.keyed("login", name), logins.keyed("client", client)
    with _session(url) as db, db.begin():
        count = _reserve_row(db, login_key, client_key, now, MAX_FAILURES)
        account = db.execute(select(StaffAccount.id, StaffAccount.password_hash).where(
            StaffAccount.login == name)).first() if LOGIN_RE.match(name) else None  # no NUL for PostgreSQL
        shown = name if account else logins.unknown_login(name)
        attempt = Attempt(name, shown, client, login_key, client_key, account.id if account else None,
                          account.password_hash if account else None, reserved=count is not None,
                          failures=count or 0)
        if count is None:
            attempt.scope, attempt.retry_after = "adresse", _retry_after(db, login_key, client_key, now)
            return attempt
        known = account is not None and db.execute(select(KnownClient.staff_id).where(
            KnownClient.staff_id == account.id, KnownClient.client == client_key,
            KnownClient.last_ok_at >= now - dt.timedelta(days=KNOWN_CLIENT_DAYS))).first() is not None
        if not known:
            wide = _reserve_row(db, login_key, ALL_CLIENTS, now, LOGIN_WIDE_FAILURES)
            if wide is None:  # locked for unknown addresses: this try is not counted for this one
                db.execute(sql(_GIVE_BACK), {"login_key": login_key, "client": client_key})
                attempt.reserved, attempt.failures = False, count - 1
                attempt.scope, attempt.retry_after = "identifiant", _retry_after(db, login_key, ALL_CLIENTS, now)
                return attempt
            attempt.wide, attempt.wide_failures = True, wide
        return attempt


def give_back(url: str, attempt: Attempt) -> None:
    """Undo a reservation whose check did not take place (the console too busy to do it)."""
    with _session(url) as db, db.begin():
        db.execute(sql(_GIVE_BACK), {"login_key": attempt.login_key, "client": attempt.client_key})
        if attempt.wide:
            db.execute(sql(_GIVE_BACK), {"login_key": attempt.login_key, "client": ALL_CLIENTS})


def verify(attempt: Attempt, password: str) -> bool:
    """The Argon2 check (≈0.1 s, 64 MiB): only for a reserved attempt; an unknown login is
    checked against a dummy hash, so that it takes as long."""
    if not attempt.reserved:
        raise ValueError("no check without a reservation")
    PASSWORD_CHECKS.add()
    try:
        return _hasher.verify(attempt.password_hash or _DUMMY_HASH, password) and attempt.account_id is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def conclude(url: str, attempt: Attempt, ok: bool, password: str, now: dt.datetime | None = None) -> SignIn:
    """After the check: a success clears this address's count and remembers the address; a failure
    is audited (one row per burst) and, at the limit, the lock-out too."""
    now = now or utcnow()
    window = f"{LOCK_MINUTES} minutes"
    with _session(url) as db, db.begin():
        if ok:
            db.execute(sql("DELETE FROM console_sign_in_failures WHERE login_key = :login_key AND client = :client"),
                       {"login_key": attempt.login_key, "client": attempt.client_key})
            if attempt.wide:
                db.execute(sql(_GIVE_BACK), {"login_key": attempt.login_key, "client": ALL_CLIENTS})
            db.execute(sql("INSERT INTO console_known_clients (staff_id, client, last_ok_at) VALUES (:id, :client, :now) "
                           "ON CONFLICT (staff_id, client) DO UPDATE SET last_ok_at = excluded.last_ok_at",
                           times=("now",)), {"id": attempt.account_id, "client": attempt.client_key, "now": now})
            account = db.get(StaffAccount, attempt.account_id)
            if account is None:  # deleted while its password was being checked
                return SignIn(Outcome.WRONG)
            if _hasher.check_needs_rehash(account.password_hash):
                account.password_hash = _hasher.hash(password)
            account.last_sign_in_at = now
            audit.record(db, account.login, "connexion", f"depuis {attempt.client}")
            return SignIn(Outcome.OK, account.id, account.login)
        audit.repeated(db, attempt.shown, "échec de connexion", attempt.client,
                       f"mot de passe incorrect, depuis {attempt.client}", now=now)
        if attempt.wide and attempt.wide_failures == LOGIN_WIDE_FAILURES:
            audit.repeated(db, attempt.shown, "compte verrouillé", ALL_CLIENTS,
                           f"{LOGIN_WIDE_FAILURES} échecs depuis plusieurs adresses : identifiant bloqué "
                           f"{window} pour toute adresse d'où ce compte ne s'est pas encore connecté", now=now)
        if attempt.failures >= MAX_FAILURES:
            audit.repeated(db, attempt.shown, "compte verrouillé", attempt.client,
                           f"{MAX_FAILURES} échecs : identifiant bloqué {window} depuis {attempt.client}", now=now)
            db.execute(sql("DELETE FROM console_sign_in_failures WHERE last_at < :old", times=("old",)),
                       {"old": now - dt.timedelta(days=1)})  # old counts of other logins
            return SignIn(Outcome.LOCKED, retry_after=LOCK_MINUTES * 60)
        return SignIn(Outcome.WRONG)


def refusal_detail(attempt: Attempt) -> str:
    if attempt.scope == "identifiant":
        return "identifiant bloqué pour les adresses d'où ce compte ne s'est pas encore connecté"
    return f"identifiant bloqué depuis {attempt.client}"


def refuse(url: str, attempt: Attempt, now: dt.datetime | None = None) -> SignIn:
    """A try while locked: no check, one more in the burst's audit row."""
    with _session(url) as db, db.begin():
        audit.repeated(db, attempt.shown, "connexion refusée", attempt.client, refusal_detail(attempt), now=now)
    return SignIn(Outcome.LOCKED, retry_after=attempt.retry_after)


def authenticate(url: str, login: str, password: str, now: dt.datetime | None = None, client: str = "-") -> SignIn:
    """The whole sign-in in one call (the console does the same steps, with its limits around them)."""
    now = now or utcnow()
    attempt = reserve(url, login, client, now)
    if not attempt.reserved:
        return refuse(url, attempt, now)
    return conclude(url, attempt, verify(attempt, password), password, now)


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
                                     description="Comptes du personnel de la console (mots de passe Argon2, rôles).")
    parser.add_argument("command", choices=["create", "reset", "role", "list"])
    parser.add_argument("login", nargs="?")
    parser.add_argument("new_role", nargs="?", metavar="ROLE", help="pour « role » : " + ", ".join(ROLES))
    parser.add_argument("--role", choices=ROLES, help="pour « create » (défaut : admin pour le premier compte, "
                                                      "lecture ensuite)")
    args = parser.parse_args(argv)
    url = settings().db_url
    if args.command == "list":
        for account in accounts(url):
            print(f"{account.login}\t{account.role}")
        return 0
    if not args.login:
        parser.error("LOGIN est obligatoire pour create, reset et role")
    actor = f"ligne de commande ({_system_user()})"
    try:
        if args.command == "role":
            if not args.new_role:
                parser.error("usage : role LOGIN " + "|".join(ROLES))
            former = set_role(url, args.login, args.new_role, actor=actor)
            print(f"Compte « {normalise_login(args.login)} » : rôle {former} → {args.new_role}.")
            return 0
        password = read_password()
        role = set_password(url, args.login, password, create=args.command == "create", actor=actor,
                            role=args.role)
    except AccountError as error:
        print(error, file=sys.stderr)
        return 2
    done = f"créé (rôle : {role})" if args.command == "create" else "mis à jour (sessions ouvertes fermées)"
    print(f"Compte « {normalise_login(args.login)} » {done}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
