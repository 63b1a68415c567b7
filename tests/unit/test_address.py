import re
from pathlib import Path

import pytest
import yaml

from bma import address

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text, expected", [
    ("ec012345@adm.cfwb.be", "ec012345@adm.cfwb.be"),
    ("  EC012345@ADM.CFWB.BE. ", "ec012345@adm.cfwb.be"),
    ("mon adresse: Po000123@Adm.Cfwb.Be, merci", "po000123@adm.cfwb.be"),
    ("(ec1@adm.cfwb.be)", "ec1@adm.cfwb.be"),
    ("<ec008899@adm.cfwb.be>", "ec008899@adm.cfwb.be"),
    ("ec 012345 @ adm.cfwb.be", "ec012345@adm.cfwb.be"),
])
def test_normalise_accepts_and_normalises(text, expected):
    assert address.normalise(text) == expected


@pytest.mark.parametrize("text", [
    "", "bonjour", "ec012345@adm.cfwb", "xec012345@adm.cfwb.be", "ec012345@adm.cfwb.bed",
    "ecole@adm.cfwb.be", "ec@adm.cfwb.be", "ab012345@adm.cfwb.be", "ec012345@gmail.com",
    "ec123456789@adm.cfwb.be",
])
def test_normalise_rejects(text):
    assert address.normalise(text) is None


def test_kind_and_fase():
    found = address.parse("PO004455@adm.cfwb.be")
    assert (found.kind, found.fase) == ("po", "004455")


def test_near_miss_gets_a_suggestion():
    check = address.check("ec012345@adm.cfwb")
    assert not check.ok and check.problem == "near_miss"
    assert check.suggestion.address == "ec012345@adm.cfwb.be"
    assert address.check("c'est ec012345").suggestion.address == "ec012345@adm.cfwb.be"


def test_other_email_and_missing():
    assert address.check("direction@monecole.be").problem == "other_email"
    assert address.check("je ne sais pas").problem == "missing"


def test_find_all_deduplicates_in_order():
    text = "ec1@adm.cfwb.be, po2@adm.cfwb.be et EC1@ADM.CFWB.BE"
    assert [a.address for a in address.find_all(text)] == ["ec1@adm.cfwb.be", "po2@adm.cfwb.be"]


def test_nlu_regex_agrees_with_parser():
    """data/nlu/regex.yml and actions/address.py must accept the same compact addresses."""
    nlu = yaml.safe_load((ROOT / "data/nlu/regex.yml").read_text())
    pattern = nlu["nlu"][0]["examples"].strip().lstrip("- ").strip()
    nlu_re = re.compile(pattern, re.I)
    samples = ["ec012345@adm.cfwb.be", "PO1@ADM.CFWB.BE", "ec12345678@adm.cfwb.be",
               "ec123456789@adm.cfwb.be", "ec012345@adm.cfwb", "xx012345@adm.cfwb.be"]
    for sample in samples:
        assert bool(nlu_re.fullmatch(sample)) == (address.normalise(sample) == sample.lower()), sample
