"""Entry point: evaluation/experiments/compare.py (see its docstring)."""
from evaluation.experiments.compare import main

if __name__ == "__main__":
    raise SystemExit(main())
