"""NLU experiments on development data only (never the sealed set): the classifier comparison
(``make nlu-compare``), pipeline variants (``make nlu-experiments``) and the classifier's views and
calibration (``make nlu-views``). Their entry points are in scripts/."""
