"""The run's closing check sees a file left in the checkout (it can fail)."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.hygiene import ROOT, hypothesis_home, new_paths, repo_paths


def test_a_file_left_in_the_checkout_is_seen():
    before = repo_paths()
    if before is None:
        pytest.skip("not a git checkout: the closing check is off")
    name = f"left-behind-{uuid.uuid4().hex}.png"
    try:
        (ROOT / name).write_bytes(b"x")
        assert name in new_paths(before, repo_paths())
    finally:
        (ROOT / name).unlink()
    assert name not in new_paths(before, repo_paths())


def test_hypothesis_and_chainlit_write_outside_the_checkout():
    assert not hypothesis_home().is_relative_to(ROOT)
    assert not os.path.realpath(os.environ["CHAINLIT_APP_ROOT"]).startswith(str(ROOT))
