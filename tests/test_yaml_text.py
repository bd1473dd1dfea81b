"""The YAML text tests write holds the document they meant (libyaml's emitter)."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.yaml_text import yaml_text
from tools.config import DEFAULT_CONFIG_PATH

documents = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False),
        st.text(max_size=200),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner)
    ),
    max_leaves=12,
)


def test_the_shipped_configuration_reads_back_as_itself():
    raw = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    assert yaml.safe_load(yaml_text(raw, sort_keys=False)) == raw
    assert yaml.safe_load(yaml_text(raw, allow_unicode=True)) == raw


@settings(max_examples=100, deadline=None)
@given(doc=documents)
def test_any_document_reads_back_as_itself(doc):
    assert yaml.safe_load(yaml_text(doc, allow_unicode=True)) == doc
