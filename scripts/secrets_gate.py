"""The sealed weak-password corpora (tests/corpora/sealed/passwords_weak_sealed_*.yml): totals only, never their items.

Written apart by helpers who saw neither the code nor the other corpora; nobody reads their items or the
messages the rules miss, and no rule is chosen on them (issue #22). The first sealed corpus was read to
write rules and is now development data (tests/corpora/passwords_weak_2.yml). Prints, for each sealed
corpus, how many secrets the masking rules leave and how many ordinary messages they mask, and fails
under the floors given (one per corpus, in the order of their names).

    .venv/bin/python -m scripts.secrets_gate --min-masked 0.92 0.72 --max-false 0.02 0.025
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from bma.secrets import mask

SEALED = sorted((Path(__file__).resolve().parents[1] / "tests" / "corpora" / "sealed").glob("passwords_weak_sealed_*.yml"))


def measure(path: Path) -> dict:
    """Totals of one sealed corpus: secrets, masked, ordinary messages, false masks, addresses lost."""
    corpus = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = corpus["secret_bearing"] + corpus["ordinary"]
    masked = {item["text"]: mask(item["text"]) for item in items}  # each message masked once
    secrets = [(item["text"], secret) for item in corpus["secret_bearing"] for secret in item["secrets"]]
    ordinary = [item["text"] for item in corpus["ordinary"]]
    with_address = [item for item in items if item.get("address")]
    return {"messages": len(corpus["secret_bearing"]), "secrets": len(secrets),
            "masked": sum(secret not in masked[text].text for text, secret in secrets),
            "ordinary": len(ordinary), "false": sum(masked[text].found for text in ordinary),
            "with_address": len(with_address),
            "address_lost": sum(item["address"] not in masked[item["text"]].text for item in with_address)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-masked", type=float, nargs="+", required=True,
                        help="share of secrets masked, at least (one per sealed corpus)")
    parser.add_argument("--max-false", type=float, nargs="+", required=True,
                        help="share of ordinary messages masked, at most (one per sealed corpus)")
    args = parser.parse_args(argv)
    if not (len(args.min_masked) == len(args.max_false) == len(SEALED)):
        parser.error(f"one floor per sealed corpus: {len(SEALED)} corpora, "
                     f"{len(args.min_masked)} --min-masked, {len(args.max_false)} --max-false")
    ok = True
    for path, min_masked, max_false in zip(SEALED, args.min_masked, args.max_false):
        t = measure(path)
        masked_share, false_share = t["masked"] / t["secrets"], t["false"] / t["ordinary"]
        print(f"{path.stem}: {t['messages']} messages, {t['secrets']} secrets, {t['masked']} masked "
              f"({masked_share:.1%}); {t['ordinary']} ordinary messages, {t['false']} masked by mistake "
              f"({false_share:.1%}); {t['with_address']} messages with a BMA address, {t['address_lost']} address(es) masked")
        held = masked_share >= min_masked and false_share <= max_false and t["address_lost"] == 0
        print(f"  {'OK' if held else 'FAIL'}: masked ≥ {min_masked:.0%} and false masks ≤ {max_false:.1%} and every BMA "
              f"address kept; issue #22's target (every secret masked, false masks ≤ 2 %): "
              f"{'met' if t['masked'] == t['secrets'] and false_share <= 0.02 else 'not met'}")
        ok = ok and held
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
