"""Rasa runs its model graph (the NLU pipeline on every message, the policies on every predicted
action) through dask: each run prunes the graph schema for its targets, rebuilds a dask graph,
orders it and executes it — 11 % of a message under load (py-spy, `make bench`), for graphs of a
dozen nodes that never change. ``run`` here executes the same nodes with the same inputs in a
topological order computed once per set of targets, and returns the same outputs.

What stays as in Rasa: the nodes themselves (``GraphNode``: hooks, component calls, errors), the
inputs' clash check, a ``RuntimeError`` raised as ``GraphRunError``. Verified on Rasa 3.6.21
(``tests/integration/test_graph_runner.py`` compares both runners' outputs on the trained model).
"""
from __future__ import annotations

from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

DASK_RUN = DaskGraphRunner.run  # Rasa's own (tests compare both)
# One plan per graph runner and set of targets: [(node name, names of the nodes or inputs it needs)].
Plan = list[tuple[str, list[str]]]


def execution_plan(schema: GraphSchema, targets: list[str]) -> Plan:
    """The nodes the targets need, each after the nodes it needs (Rasa's minimal graph schema)."""
    minimal = schema.minimal_graph_schema(targets)
    plan: Plan = []
    placed: set = set()

    def place(name: str) -> None:
        if name in placed:
            return
        placed.add(name)
        for needed in minimal.nodes[name].needs.values():
            if needed in minimal.nodes:
                place(needed)
        plan.append((name, list(minimal.nodes[name].needs.values())))

    for name in sorted(minimal.nodes):
        place(name)
    return plan


def run(self: DaskGraphRunner, inputs: dict[str, Any] | None = None,
        targets: list[str] | None = None) -> dict[str, Any]:
    run_targets = targets if targets else self._graph_schema.target_names
    plans: dict[tuple, Plan] = self.__dict__.setdefault("_bma_plans", {})
    plan = plans.get(tuple(run_targets))
    if plan is None:
        plan = plans[tuple(run_targets)] = execution_plan(self._graph_schema, run_targets)
    # As dask sees them: a node's output and an input are both (name, value) pairs.
    results: dict[str, Any] = {}
    for input_name, input_value in (inputs or {}).items():
        if isinstance(input_value, str) and any(input_value == name for name, _ in plan):
            raise GraphRunError(
                f"Input value '{input_value}' clashes with a node name. Make sure that none of the input "
                f"names passed to the `run` method are the same as node names in the graph schema.")
        results[input_name] = (input_name, input_value)
    try:
        for name, needs in plan:
            # (dask passes a name that is neither a node nor an input as the string itself)
            results[name] = self._instantiated_nodes[name](*(results.get(n, n) for n in needs))
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(results[target] for target in run_targets)


def install() -> None:
    if getattr(DaskGraphRunner.run, "bma_plan", False):
        return
    run.bma_plan = True
    DaskGraphRunner.run = run
