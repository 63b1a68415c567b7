"""Entry point: evaluation/experiments/variants.py (see its docstring)."""
from evaluation.experiments.variants import main

if __name__ == "__main__":
    raise SystemExit(main())
