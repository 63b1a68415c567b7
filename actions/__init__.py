"""The rasa-sdk actions, thin: they read the tracker, ask the domain (``bma``), and reply.

``faq`` (answers, greeting, clarification, fallback) · ``forms`` (address and ticket forms) ·
``handoff`` (a person, a prepared message) · ``common`` (what they share).
"""
