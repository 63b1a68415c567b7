"""The staff side's headless half: the only reader of Rasa's event tables (no Sanic, no console).

``ingest`` folds the broker's events into daily counters, transcripts and the review inbox's
intake (``inbox``); ``rated_answers`` links the public side's votes (feedback/) to the answers they
rate; ``privacy`` declares every table's retention and ``retention`` applies it. ``db`` holds their
tables, ``config`` their settings, ``events`` the reading of an event. console/ shows all this.
"""
