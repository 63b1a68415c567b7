"""The staff console: sign-in, dashboard, inbox of misunderstood questions (Sanic, own port).

    .venv/bin/python -m console.app [--host 127.0.0.1] [--port 8081]
    .venv/bin/python -m console.accounts create|reset LOGIN

It shows what analytics/ folds in from Rasa's SQL event broker (never the live tracker store),
keeps its own tables in the ``BMA_DB_URL`` database (staff accounts, sessions, audit log) and
writes labelled examples to ``data/nlu/inbox.yml``. No Rasa import.
"""
