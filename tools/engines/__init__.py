"""Engines for the batch path: the local one (default) and Ray (the ``scale`` extra).

* :mod:`tools.engines.decisions` — the per-customer rows of ``cvm decide``, one
  definition for every engine.
* :mod:`tools.engines.shards` — the base as Parquet shards in id order, and one
  shard as a kernel source (no Ray needed).
* :mod:`tools.engines.ray_decide` / :mod:`tools.engines.ray_plan` — the same kernel
  and the same optimiser with shards in Ray tasks and actors (the actor's side:
  :mod:`tools.engines.shard_planner`, :mod:`tools.engines.baselines_ray`; the driver's
  merged calls on them: :mod:`tools.engines.ray_blocks`); ``ray``
  is imported in :mod:`tools.engines.ray_session` only, so nothing on the default
  paths loads it.
"""
