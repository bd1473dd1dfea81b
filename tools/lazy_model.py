"""Models whose validators are built on first use, not when their module loads.

pydantic builds a model's core schema, validator and serializer when its class is
defined. Every tool's module is imported with the tool registry (each spec names its
arguments and result models), yet one ``cvm ask`` validates a few dozen of the ~140
models: the planning, base-query, outcome and catalogue models derive from
:class:`LazyModel` and are built the first time they validate, dump or give their
schema (pydantic's ``defer_build``), so a question about one customer does not pay
for the plan's models. The fields, validation, dumps and JSON schemas are the same.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LazyModel(BaseModel):
    """A pydantic model built on its first use (``defer_build``)."""

    model_config = ConfigDict(defer_build=True)
