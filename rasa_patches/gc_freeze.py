"""After a model is loaded, move every object alive into the garbage collector's permanent
generation (``gc.freeze``): the model's millions of Python objects (spaCy, TensorFlow, the domain)
never change, yet each full collection walked them all, pausing the server under load
(`make bench`, the tail at 50 users). ``PUT /model`` unfreezes first, so that the replaced model
can be freed, and freezes again once the new one serves. Objects created afterwards are collected
as usual."""
from __future__ import annotations

import asyncio
import functools
import gc


def install() -> None:
    import rasa.core.run
    import rasa.server

    if getattr(rasa.core.run.load_agent_on_start, "freezes_after_loading", False):
        return
    rasa.core.run.load_agent_on_start = _then_freeze(rasa.core.run.load_agent_on_start)
    rasa.server._load_agent = _then_freeze(rasa.server._load_agent)


def _then_freeze(loader):
    @functools.wraps(loader)
    async def load_then_freeze(*args, **kwargs):
        gc.unfreeze()  # a model replaced by this one must be collectable
        agent = await loader(*args, **kwargs)
        # Once the caller has put the new agent in place (PUT /model drops the old one right after).
        asyncio.get_running_loop().call_soon(freeze)
        return agent

    load_then_freeze.freezes_after_loading = True
    return load_then_freeze


def freeze() -> None:
    gc.collect()
    gc.freeze()
