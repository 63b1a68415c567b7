"""Labelled inbox messages become NLU training examples in ``data/nlu/inbox.yml`` (Rasa's YAML
format), deduplicated against every example of ``data/nlu/`` (so that ``rasa data validate
--fail-on-warnings`` stays clean) and kept apart from the independent held-out questions (no
example within a token Jaccard of 0.6 of one, the rule of tests/unit/test_heldout.py)."""
from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import yaml

from bma.address import ADDRESS_RE, ANY_EMAIL_RE
from bma.intents import INTENT_LABELS
from bma.secrets import MASK
from bma.text import plain
from evaluation.paths import HELDOUT_DIR

INBOX_FILE = "inbox.yml"
HEADER = (
    "# Examples labelled in the staff console (« c'est la question X », « hors sujet »), written by\n"
    "# console/training_data.py: masked text, BMA addresses annotated as in the other files,\n"
    "# deduplicated against every file of data/nlu/. Review them like any training data.\n"
    'version: "3.1"\n'
    "nlu:\n"
)
MAX_CHARS = 300
# No training example as close as this to a held-out question (tests/unit/test_heldout.py).
HELDOUT_MAX_JACCARD = 0.6
ANNOTATION_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_write_lock = threading.Lock()


class LabelConflict(ValueError):
    """The phrase is already an example of another intent, or a held-out test phrase (French message)."""


@dataclass(frozen=True)
class Added:
    added: bool
    where: str = INBOX_FILE


def example_text(masked: str) -> str | None:
    """One line of training data from a masked user message; None when nothing is left to learn."""
    text = (masked or "").strip()
    if not text or text.startswith("/"):  # a quick-reply payload, not words
        return None
    text = text.replace(MASK, "XXXXXX")
    text = re.sub(r"[\[\]{}]", " ", text)  # never read as an entity annotation
    text = re.sub(r"\s+", " ", text).strip()[:MAX_CHARS].strip()
    if not text:
        return None
    # Addresses are written as in the other files: a BMA address is the bma_address entity,
    # another e-mail address is not something to learn.
    text = ANY_EMAIL_RE.sub(lambda m: m.group(0) if ADDRESS_RE.fullmatch(m.group(0)) else "adresse@exemple.be", text)
    return ADDRESS_RE.sub(lambda m: f"[{m.group(1).lower()}{m.group(2)}@adm.cfwb.be](bma_address)", text)


def comparable(example: str) -> str:
    """What makes two examples the same for deduplication: annotations removed, then case,
    accents, punctuation and spacing ignored."""
    bare = ANNOTATION_RE.sub(lambda m: m.group(1), example)
    return re.sub(r"\s+", " ", re.sub(r"[^\w']+", " ", plain(bare))).strip()


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, example) pairs of one Rasa NLU YAML file."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    pairs = []
    for item in content.get("nlu") or []:
        if isinstance(item, dict) and item.get("intent") and isinstance(item.get("examples"), str):
            for line in item["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    pairs.append((item["intent"], line[2:].strip()))
    return pairs


def known_examples(nlu_dir: Path) -> dict[str, tuple[str, str]]:
    """comparable text → (intent, file name) over every YAML file of the NLU directory."""
    known: dict[str, tuple[str, str]] = {}
    for path in sorted(Path(nlu_dir).glob("*.y*ml")):
        for intent, example in read_examples(path):
            known.setdefault(comparable(example), (intent, path.name))
    return known


def tokens(example: str) -> frozenset:
    """Words as tests/unit/test_heldout.py counts them (annotations removed, plain text)."""
    return frozenset(re.findall(r"\w+", plain(ANNOTATION_RE.sub(lambda m: m.group(1), example))))


def closest_held_out(example: str, directory: Path = HELDOUT_DIR) -> tuple[float, str]:
    """The held-out question nearest to ``example`` (token Jaccard), and its score."""
    words = tokens(example)
    best = (0.0, "")
    for path in sorted(Path(directory).glob("*.y*ml")):
        for _, text in read_examples(path):
            other = tokens(text)
            union = words | other
            score = len(words & other) / len(union) if union else 1.0
            best = max(best, (score, ANNOTATION_RE.sub(lambda m: m.group(1), text)))
    return best


def render(examples: dict[str, list[str]]) -> str:
    lines = [HEADER]
    for intent in sorted(examples):
        lines.append(f"- intent: {intent}\n  examples: |\n")
        lines.extend(f"    - {example}\n" for example in examples[intent])
    return "".join(lines)


def add_example(nlu_dir, intent: str, masked_text: str, heldout_dir: Path = HELDOUT_DIR) -> Added:
    """Append the example under ``intent`` in inbox.yml unless an equivalent one exists.

    Raises LabelConflict when the phrase is an example of another intent (Rasa would warn) or too
    close to a held-out question (training on it would inflate the measured accuracy)."""
    example = example_text(masked_text)
    if example is None:
        raise LabelConflict("Ce message ne contient pas de texte à apprendre (bouton ou message vide).")
    nlu_dir = Path(nlu_dir)
    key = comparable(example)
    with _write_lock:
        known = known_examples(nlu_dir)
        if key in known:
            known_intent, where = known[key]
            if known_intent == intent:
                return Added(False, where)
            label = INTENT_LABELS.get(known_intent, (known_intent,))[0]
            raise LabelConflict(f"Cette phrase est déjà un exemple de « {label} » dans {where} : "
                                "rien n'a été ajouté. Choisissez « ignorer » ou corrigez ce fichier.")
        score, nearest = closest_held_out(example, heldout_dir)
        if score >= HELDOUT_MAX_JACCARD:
            raise LabelConflict(f"Cette phrase ressemble trop à une question du jeu de test indépendant "
                                f"(tests/heldout : « {nearest} ») : l'apprendre fausserait la mesure de "
                                "l'assistant. Rien n'a été ajouté.")
        path = nlu_dir / INBOX_FILE
        examples: dict[str, list[str]] = {}
        for known_intent, known_example in read_examples(path) if path.exists() else []:
            examples.setdefault(known_intent, []).append(known_example)
        examples.setdefault(intent, []).append(example)
        handle, temporary = tempfile.mkstemp(prefix=".inbox-", suffix=".tmp", dir=nlu_dir)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(render(examples))
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)  # atomic: Rasa never reads half a file
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return Added(True)
