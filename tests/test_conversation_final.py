"""Conversation files grade the ledger's final state (``final:``), and can fail."""

from __future__ import annotations

import pytest

from assistant.evaluation.conversations import (
    ConversationFileError,
    Final,
    check_final,
    load_conversation,
    run_conversation,
)

# Books U128's call-back before the chat (no open service problem: selling is
# allowed); the chat only asks a question.
BOOKED = """\
name: final-{tag}
now: "2024-03-06T12:00:00+00:00"
setup:
  allocations: [{{customer_id: U128, treatment_key: marketing_call_back}}]
turns:
  - user: "How many call-backs are left today?"
final:
{final}
"""


def _run(tmp_path, final: str, tag: str = "t"):
    path = tmp_path / f"{tag}.yaml"
    path.write_text(BOOKED.format(tag=tag, final=final))
    return run_conversation(path)


def test_the_right_final_state_passes(tmp_path):
    result = _run(
        tmp_path,
        "  allocations: [{customer_id: u128, treatment_key: marketing_call_back}]\n"
        "  bookings: 1\n  released: []\n",
    )
    assert result.passed, result.failures


@pytest.mark.parametrize(
    "final, failure",
    [
        ("  bookings: 0\n", "final bookings: expected 0, got 1"),
        (
            "  allocations: []\n",
            "final allocations: expected [], got [('U128', 'marketing_call_back')]",
        ),
        (
            "  allocations: [{customer_id: U128, treatment_key: data_boost}]\n",
            "final allocations: expected [('U128', 'data_boost')], "
            "got [('U128', 'marketing_call_back')]",
        ),
        (
            "  released: [{customer_id: U128, treatment_key: marketing_call_back}]\n",
            "final released: expected [('U128', 'marketing_call_back')], got []",
        ),
    ],
)
def test_a_wrong_final_state_fails_naming_key_expected_and_actual(
    tmp_path, final, failure
):
    result = _run(tmp_path, final)
    assert not result.passed
    assert result.failures == [failure]


def test_the_whole_ledger_is_graded_not_todays_page(ctx, monkeypatch):
    """A booking of another day counts (today's listing would not show it)."""
    from tools.allocation import allocate_treatment, list_allocations

    monkeypatch.setenv("CVM_NOW", "2024-03-05T12:00:00+00:00")
    allocate_treatment("U128", "marketing_call_back", "setup", ctx)
    monkeypatch.setenv("CVM_NOW", "2024-03-06T12:00:00+00:00")
    assert list_allocations(ctx) == []  # today's page is empty
    assert check_final(Final(bookings=1), ctx) == []
    assert check_final(Final(bookings=0), ctx) == ["final bookings: expected 0, got 1"]


def test_an_empty_final_is_refused_with_file_and_key(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("name: e\nturns: [{user: hi}]\nfinal: {}\n")
    with pytest.raises(ConversationFileError) as info:
        load_conversation(path)
    assert str(path) in str(info.value) and "final:" in str(info.value)
