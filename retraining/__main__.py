"""`python -m retraining evaluer MODEL.tar.gz`: the held-out figures of one model, as one line
``BMA-FIGURES {json}`` (run as a subprocess by retraining.runner)."""
from __future__ import annotations

import json
import sys

from retraining.settings import RESULT_PREFIX


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "evaluer":
        sys.exit("usage: python -m retraining evaluer MODEL.tar.gz")
    from evaluation.quiet import quiet

    quiet()
    from evaluation.scoring import heldout_figures

    print(RESULT_PREFIX + json.dumps(heldout_figures(argv[1])), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
