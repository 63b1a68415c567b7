"""Custom Rasa NLU components of the BMA assistant."""
