"""BMA address parsing and normalisation (no Rasa import).

A BMA address is ``ec`` (school) or ``po`` (organising authority), the FASE number in
digits, then ``@adm.cfwb.be``. Users type it with capitals, spaces, punctuation around it,
or with small mistakes (a missing ``.be``); we normalise what is certain and suggest a
correction for near-misses, never guess silently.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bma.facts import ADDRESS_DOMAIN

# Same shape as the NLU regex in data/nlu/regex.yml (kept in sync by a test).
ADDRESS_RE = re.compile(r"(?<![a-z0-9])(ec|po)\s*(\d{1,8})\s*@\s*adm\s*\.\s*cfwb\s*\.\s*be(?![a-z0-9])", re.I)
# Something that looks like an attempt at a BMA address (kind + digits, maybe a domain).
ATTEMPT_RE = re.compile(r"(?<![a-z0-9])(ec|po)\s*(\d{1,10})(\s*@\s*[\w.\-]*)?", re.I)
ANY_EMAIL_RE = re.compile(r"[\w.+\-]+@[\w\-]+(\.[\w\-]+)*", re.I)
MAX_FASE_DIGITS = 8


@dataclass(frozen=True)
class BmaAddress:
    kind: str  # "ec" or "po"
    fase: str  # the digits, as typed (leading zeros kept)

    @property
    def address(self) -> str:
        return f"{self.kind}{self.fase}@{ADDRESS_DOMAIN}"

    def __str__(self) -> str:
        return self.address


@dataclass(frozen=True)
class AddressCheck:
    """Result of reading a user's text: a valid address, or why not."""

    address: BmaAddress | None = None
    problem: str | None = None  # "missing", "other_email", "near_miss"
    suggestion: BmaAddress | None = None

    @property
    def ok(self) -> bool:
        return self.address is not None


def parse(text: str) -> BmaAddress | None:
    """The first well-formed BMA address in ``text``, normalised, or None."""
    if not text:
        return None
    match = ADDRESS_RE.search(text)
    if not match:
        return None
    return BmaAddress(kind=match.group(1).lower(), fase=match.group(2))


def find_all(text: str) -> list[BmaAddress]:
    """Every distinct well-formed address in ``text``, in order."""
    seen: dict[str, BmaAddress] = {}
    for match in ADDRESS_RE.finditer(text or ""):
        found = BmaAddress(kind=match.group(1).lower(), fase=match.group(2))
        seen.setdefault(found.address, found)
    return list(seen.values())


def normalise(text: str) -> str | None:
    """``' EC001234@ADM.CFWB.BE. '`` → ``'ec001234@adm.cfwb.be'``; None if not an address."""
    found = parse(text)
    return found.address if found else None


def check(text: str) -> AddressCheck:
    """Read a user's answer to « quelle est votre adresse ? »."""
    found = parse(text)
    if found:
        return AddressCheck(address=found)
    attempt = ATTEMPT_RE.search(text or "")
    if attempt:
        digits = attempt.group(2)
        if len(digits) <= MAX_FASE_DIGITS:
            return AddressCheck(
                problem="near_miss",
                suggestion=BmaAddress(kind=attempt.group(1).lower(), fase=digits),
            )
    if ANY_EMAIL_RE.search(text or ""):
        return AddressCheck(problem="other_email")
    return AddressCheck(problem="missing")
