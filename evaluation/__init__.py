"""NLU evaluation shared by the console's « Modèles » page (retraining/), `make evaluate` and the
gates (scripts/): the held-out path, loading, the baseline, the scores, the sealed set's judge.

Importing this package is cheap: the heavy libraries (Rasa, scikit-learn, matplotlib) load in the
modules that need them (``evaluation.scoring``, ``evaluation.plots``, ``evaluation.sealed``)."""
