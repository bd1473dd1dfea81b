"""YAML text for the documents tests write (configurations, fuzzed variants).

PyYAML's ``safe_dump`` emits in pure Python: ~0.2 s for the shipped configuration,
most of ``test_fuzz``'s config examples. libyaml's emitter (shipped in PyYAML's
wheels) writes the same document in a few milliseconds; the text may be laid out
differently, the document it holds is the same (``test_yaml_text`` checks it).
"""

from __future__ import annotations

from typing import Any

import yaml

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def yaml_text(doc: Any, **options: Any) -> str:
    """``doc`` as YAML text (``options`` as for ``yaml.safe_dump``)."""
    return yaml.dump(doc, Dumper=DUMPER, **options)
