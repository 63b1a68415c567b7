"""The rasa-sdk actions, thin: they read the tracker, ask the domain (``bma``), and reply.

``faq`` (answers, greeting, clarification, fallback) · ``forms`` (address and ticket forms) ·
``handoff`` (a person, a prepared message) · ``common`` (what they share).
"""
from bma.registry.production import assert_no_demo_in_production

# A production start (BMA_PRODUCTION=1 or deploy/'s endpoints) never serves demonstration data,
# even when the action server is started outside scripts/run.sh (a container, a service unit).
assert_no_demo_in_production()
