"""« Modèles »: retraining that cannot make things worse.

« Réentraîner » trains a candidate in the background (``rasa train`` in a subprocess, on the
project's config.yml and domain.yml and the training data of ``BMA_DATA_DIR`` — data/ by default,
data/nlu/inbox.yml included — into ``BMA_MODELS_DIR``/console/ under its own name), evaluates it on
the independent held-out file (evaluation.paths.HELD_OUT, as `make evaluate` does), and
**refuses** it when its accuracy is below the active model's; otherwise it activates it on the
running Rasa server through Rasa's HTTP API (``PUT /model`` with ``BMA_API_TOKEN``). The model it
replaces is kept (copied into models/console/ if it lived elsewhere) for one-click « Revenir au
modèle précédent ». One operation at a time (a compare-and-set on one database row); the job, the
active and previous models and every figure are in the console's database, so a restart of the
console loses nothing (a job cut short by the restart is marked « interrompu »).

The active model is always what Rasa says (``GET /status``); its held-out figures are measured
once per model file (keyed by the file's SHA-256 and the held-out file's) and kept.

Modules: ``settings`` (paths, Rasa's URL and token, the French error), ``models`` (the tables),
``jobs`` (the one-at-a-time lock, the jobs and the state in the database), ``rasa_http`` (Rasa's
HTTP API), ``model_store`` (model files, their digests and figures, kept and pruned), ``runner``
(the background job: subprocesses, comparison, activation). The console's page is
console/models_page.py (a Blueprint); the scoring itself is evaluation/.

    .venv/bin/python -m retraining evaluer MODEL.tar.gz   # the figures of one model (JSON)
"""
