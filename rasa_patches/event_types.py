"""Event types resolved once per name (a speed patch, found with py-spy under `make bench`).
 every tracker read (tracker store, action server answers) turns each stored event
back into an object with ``Event.resolve_by_type``, which walks the whole ``Event`` class tree
(``all_subclasses``, with ``inspect.isabstract`` on each class) for every single event: about
5 % of the Rasa process's CPU with the in-memory store, 9 % with Redis. Here the walk's result is
kept per type name; an unknown name (or a subclass imported later) still goes through Rasa's own
walk, with its errors and defaults.
"""
from __future__ import annotations

_installed = False


def install() -> None:
    """Idempotent."""
    global _installed
    if _installed:
        return
    from rasa.shared.core.events import Event

    original = Event.resolve_by_type
    known: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        found = known.get(type_name)
        if found is None:
            found = original(type_name, default)
            if getattr(found, "type_name", None) == type_name:  # a real match, not the default
                known[type_name] = found
        return found

    Event.resolve_by_type = staticmethod(resolve_by_type)
    _installed = True
