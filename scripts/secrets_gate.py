"""The sealed weak-password corpus (tests/corpora/sealed/): totals only, never its items.

Written apart by a helper who saw neither the code nor the other corpora; nobody reads its items or
the messages it misses, and no rule is chosen on it (issue #22). The first sealed corpus was read to
write rules and is now development data (tests/corpora/passwords_weak_2.yml); this is the second. Prints how many secrets the
masking rules leave and how many ordinary messages they mask, and fails under the floors given.

    .venv/bin/python -m scripts.secrets_gate --min-masked 0.88 --max-false 0.02
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from bma.secrets import mask

SEALED = Path(__file__).resolve().parents[1] / "tests" / "corpora" / "sealed" / "passwords_weak_sealed_2.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-masked", type=float, required=True, help="share of secrets masked, at least")
    parser.add_argument("--max-false", type=float, required=True, help="share of ordinary messages masked, at most")
    args = parser.parse_args(argv)
    corpus = yaml.safe_load(SEALED.read_text(encoding="utf-8"))
    secrets = [(item["text"], secret) for item in corpus["secret_bearing"] for secret in item["secrets"]]
    left = sum(secret in mask(text).text for text, secret in secrets)
    ordinary = [item["text"] for item in corpus["ordinary"]]
    masked_by_mistake = sum(mask(text).found for text in ordinary)
    with_address = [item for item in corpus["secret_bearing"] + corpus["ordinary"] if item.get("address")]
    address_lost = sum(item["address"] not in mask(item["text"]).text for item in with_address)
    masked_share = 1 - left / len(secrets)
    false_share = masked_by_mistake / len(ordinary)
    print(f"sealed weak passwords: {len(corpus['secret_bearing'])} messages, {len(secrets)} secrets, "
          f"{len(secrets) - left} masked ({masked_share:.1%}); {len(ordinary)} ordinary messages, "
          f"{masked_by_mistake} masked by mistake ({false_share:.1%}); "
          f"{len(with_address)} messages with a BMA address, {address_lost} address(es) masked")
    ok = masked_share >= args.min_masked and false_share <= args.max_false and address_lost == 0
    print(f"{'OK' if ok else 'FAIL'}: masked ≥ {args.min_masked:.0%} and false masks ≤ {args.max_false:.0%} "
          "and every BMA address kept (issue #22's target: every secret masked, false masks ≤ 2 %)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
