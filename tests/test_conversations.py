"""Every conversation file, through the runner of ``cvm test-conversations``."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evaluation.conversations import (
    ConversationFileError,
    load_conversation,
    run_conversation,
)

FOLDER = Path(__file__).parent / "conversations"
FILES = sorted(FOLDER.glob("*.yaml"))


def test_the_suite_is_large_enough():
    assert len(FILES) >= 40


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_conversation(path, monkeypatch):
    monkeypatch.delenv("CVM_NOW")  # conversations freeze the clock themselves
    result = run_conversation(path)
    assert result.passed, "\n".join(result.failures)


def test_unknown_key_names_file_and_key(tmp_path):
    bad = tmp_path / "typo.yaml"
    bad.write_text(
        "name: t\nturns:\n  - user: hi\n    expect:\n      replly_contains: [x]\n"
    )
    with pytest.raises(ConversationFileError) as info:
        load_conversation(bad)
    assert str(bad) in str(info.value) and "turns.0.expect.replly_contains" in str(
        info.value
    )


def test_failures_name_turn_expectation_and_actual(tmp_path):
    conv = tmp_path / "wrong.yaml"
    conv.write_text(
        "name: wrong\nturns:\n  - user: What should we offer U124?\n"
        "    expect: {recommended: retention_sms}\n"
    )
    result = run_conversation(conv)
    assert not result.passed
    assert result.failures == [
        "turn 1 'What should we offer U124?': recommended: "
        "expected 'retention_sms', got 'bill_review_call'"
    ]


def test_breaking_the_consent_check_fails_several_conversations(monkeypatch):
    """The suite can fail: rules that ignore CONSENT are caught.

    Consent is decided in one place for recommendations and bookings alike; with
    it broken, proposals and bookings the conversations forbid go through.
    """
    from dataclasses import replace

    from tools import allocation, eligibility

    real = eligibility.customer_verdicts

    def no_consent_check(*args, **kwargs):
        fixed = real(*args, **kwargs)
        before = tuple(
            v.model_copy(update={"passed": True}) if v.rule == "CONSENT" else v
            for v in fixed.before
        )
        return replace(fixed, before=before)

    monkeypatch.setattr(eligibility, "customer_verdicts", no_consent_check)
    monkeypatch.setattr(allocation, "customer_verdicts", no_consent_check)
    monkeypatch.delenv("CVM_NOW")
    failed: list[str] = []
    for path in FILES:  # until three have failed (the rest cannot change the verdict)
        if not run_conversation(path).passed:
            failed.append(path.stem)
            if len(failed) == 3:
                break
    assert len(failed) >= 3, failed
