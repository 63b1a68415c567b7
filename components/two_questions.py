"""Two questions in one message (issue #24): the clauses a message is cut into, the topics a second
question may have, and the answers that serve each other's question (no Rasa import)."""
from __future__ import annotations

SECOND_QUESTION = "second_question"
# Topics a second question may have (the FAQ's and the mailbox's state), and answers that serve each other.
SECOND_QUESTION_TOPICS = frozenset({
    "faq_bma_definition", "faq_migration_reason", "faq_what_changes", "faq_migration_steps", "faq_how_to_migrate",
    "faq_lost_new_password", "faq_lost_old_password", "faq_no_email_received", "faq_more_questions",
    "faq_not_covered", "check_migration_status"})
SAME_ANSWER = ({"faq_how_to_migrate", "faq_migration_steps"}, {"faq_more_questions", "faq_not_covered"})
MIN_CLAUSE_TOKENS = 3
# Where a message turns to another question: punctuation, or a conjunction between two clauses.
CLAUSE_BREAKS = {"?", ".", ";", "!", "et", "mais", "puis", "ensuite", "aussi", "également", "sinon", "autre"}


def same_answer(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in SAME_ANSWER)


def clause_spans(doc) -> list:
    """The clauses of a spaCy document, cut at sentence punctuation and at conjunctions."""
    spans, start = [], 0
    for token in doc:
        if token.lower_ in CLAUSE_BREAKS:
            if token.i > start:
                spans.append(doc[start:token.i + (1 if token.is_punct else 0)])
            start = token.i + 1
    if start < len(doc):
        spans.append(doc[start:len(doc)])
    return spans
