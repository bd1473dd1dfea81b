"""The customer store: a documented relational schema in DuckDB, behind a source.

``schema`` (tables and columns), ``duck`` (the DuckDB store, read-only readers and
atomic replacement), ``records`` (one customer's rows <-> ``CustomerData``),
``source`` (the ``CustomerSource`` interface on ``ToolContext``), ``importer``
(``cvm import``) and ``generate`` (``cvm generate-customers``).
"""
