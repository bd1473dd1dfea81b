"""What customers said: the configured interaction signals, read in SQL.

``decisions.interaction_signals`` names, per signal, the topic codes and keywords of
an interaction that counts (and the signal it must come together with). They are
bound as parameters of :data:`tools.kernel.features_sql.FEATURES_SQL` (never spliced
into its text): :data:`SAID_COLUMNS` takes each signal's latest interaction,
:data:`SAID_DAYS` its age, :func:`said_params` the values bound. :func:`said_spec`
is the configuration's part in a hashable form, the derived tables' cache key.
"""

from __future__ import annotations

from functools import cache

from tools.config_decisions import INTERACTION_SIGNALS, Decisions
from tools.kernel.as_of import days_sql

# per signal, the latest interaction that counts (over the interactions' ``txt``)
SAID_COLUMNS = ",\n        ".join(
    f"max(interaction_date) FILTER (WHERE "
    f"(list_has_any(topics, $said_t{i}::VARCHAR[])"
    f" OR ($said_r{i} <> '' AND regexp_matches(txt, $said_r{i})))"
    f" AND (NOT $said_w{i} OR list_has_any(topics, $said_wt{i}::VARCHAR[])"
    f" OR ($said_wr{i} <> '' AND regexp_matches(txt, $said_wr{i}))))"
    f" AS said_{s}_last"
    for i, s in enumerate(INTERACTION_SIGNALS)
)
# per signal, the days since that interaction (``i``: the aggregate's alias)
SAID_DAYS = ",\n    ".join(
    days_sql(f"i.said_{s}_last") + f" AS said_{s}_days" for s in INTERACTION_SIGNALS
)
_REGEX_SPECIAL = frozenset("\\.^$|?*+()[]{}")
# (signal, topic codes, keywords, the signal it must come together with or "")
SaidSpec = tuple[tuple[str, tuple[str, ...], tuple[str, ...], str], ...]


def said_spec(d: Decisions) -> SaidSpec:
    """What the configuration reads from interactions, hashable (a cache key)."""
    return tuple(
        (str(k), tuple(v.topics), tuple(v.keywords), str(v.together_with or ""))
        for k, v in sorted(d.interaction_signals.items())
    )


def _pattern(keywords: tuple[str, ...]) -> str:
    """One regular expression matching any keyword literally ('' for none)."""
    return "|".join(
        "".join("\\" + ch if ch in _REGEX_SPECIAL else ch for ch in k) for k in keywords
    )


def said_params(spec: SaidSpec) -> dict[str, object]:
    """The bound parameters of :data:`FEATURES_SQL`'s interaction signals."""
    by = {signal: (topics, words, also) for signal, topics, words, also in spec}
    params: dict[str, object] = {}
    for i, signal in enumerate(INTERACTION_SIGNALS):
        topics, words, also = by.get(signal, ((), (), ""))
        params[f"said_t{i}"] = list(topics)
        params[f"said_r{i}"] = _pattern(words)
        with_topics, with_words, _ = by.get(also, ((), (), ""))
        params[f"said_w{i}"] = bool(also)
        params[f"said_wt{i}"] = list(with_topics)
        params[f"said_wr{i}"] = _pattern(with_words)
    return params


@cache
def default_said() -> SaidSpec:
    """What a configuration without ``interaction_signals`` reads (the shipped one)."""
    return said_spec(Decisions())
