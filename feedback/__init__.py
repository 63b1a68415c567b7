"""A 👍/👎 on one answer, as the public side records it and the staff side reads it.

``votes`` (what a vote is: the rated bubble named by a digest of its text, parsed and checked),
``store`` (the ``feedback`` table, the only one this package creates, and saving a vote). No Rasa,
no Sanic: the web page, Teams and the analytics import it; it imports neither.
"""
