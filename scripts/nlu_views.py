"""Entry point: evaluation/experiments/views.py (see its docstring)."""
from evaluation.experiments.views import main

if __name__ == "__main__":
    raise SystemExit(main())
