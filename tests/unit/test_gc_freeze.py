"""rasa_patches.gc_freeze: the loaded model is frozen once it serves; a model replaced through
PUT /model is still collected (its reference cycles would otherwise stay frozen forever)."""
import asyncio
import gc
import weakref

import rasa.core.run
import rasa.server

import rasa_patches
from rasa_patches import gc_freeze


class Model:
    def __init__(self):
        self.itself = self  # a reference cycle, as real models have: only the collector frees it


def test_frozen_after_loading_and_the_replaced_model_is_collected():
    gc.unfreeze()
    load = gc_freeze._then_freeze(lambda: asyncio.sleep(0, result=Model()))
    served = {}

    async def serve():
        served["agent"] = await load()
        await asyncio.sleep(0)  # the freeze runs once the caller has put the agent in place
        first = weakref.ref(served["agent"])
        frozen = gc.get_freeze_count()
        served["agent"] = await load()  # PUT /model: the new agent replaces the old one
        await asyncio.sleep(0)
        return first, frozen

    try:
        first, frozen = asyncio.run(serve())
        assert frozen > 0
        assert first() is None  # unfrozen before loading, so collected afterwards
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_installed_on_rasas_loaders():
    rasa_patches.install()
    assert rasa.core.run.load_agent_on_start.freezes_after_loading
    assert rasa.server._load_agent.freezes_after_loading
