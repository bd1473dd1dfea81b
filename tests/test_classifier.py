"""The offline planner's learned intent classifier: shipped weights, scoring, asking.

The weights are trained from tests/corpus by ``make train``; these tests check that
the shipped ones were (the fingerprint of the corpus and the feature code), that
the numpy scorer gives what scikit-learn's pipeline gives, and that an unsure
reading is a clarification the analyst answers with a number, never a guess.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from assistant.api import Assistant
from assistant.evaluation.train_intents import corpus_files, fingerprint
from assistant.planner.classifier import (
    WEIGHTS,
    encode_vocabulary,
    load,
    probabilities,
    save,
    weights,
)

CORPUS = Path(__file__).parent / "corpus"
MODEL = Path(__file__).parents[1] / "assistant" / "planner" / "model" / WEIGHTS


def test_shipped_weights_were_trained_on_the_corpus_in_the_repo():
    """The weights match the corpus, or are the frozen ones while batches wait.

    While a fresh held-out batch awaits its first run, the weights must be
    exactly the frozen ones (MODEL.yaml's weights_sha256): retraining on a corpus
    that changed since would score the batch against another reader.
    """
    import hashlib

    from assistant.evaluation.frozen_model import frozen
    from tests.test_heldout import FIRST_RUNS, batches

    runs = yaml.safe_load(FIRST_RUNS.read_text()) or {}
    if set(batches()) - set(runs):
        sha = hashlib.sha256(MODEL.read_bytes()).hexdigest()
        assert sha == frozen()["weights_sha256"], "not the frozen weights"
        return
    with np.load(MODEL) as saved:
        shipped = str(saved["corpus"])
    assert shipped == fingerprint(corpus_files(CORPUS)), (
        "the corpus or the feature code changed since the weights were trained: "
        "run `make train` and commit assistant/planner/model/"
    )


def test_held_out_batches_are_never_training_data():
    files = corpus_files(CORPUS)
    assert files and all("heldout" not in f.parts for f in files)


def test_the_weights_file_keeps_names_and_float32_coefficients(tmp_path):
    names = ["b:custid_please", "c: é ", "cue:recommend", "w:what's"]
    coef = np.arange(8, dtype=np.float32).reshape(2, 4) / 3
    path = tmp_path / "w.npz"
    save(
        path,
        {
            "vocabulary": encode_vocabulary(names),
            "classes": np.array(["a", "b"]),
            "coef": coef,
            "intercept": np.array([0.5, -0.5], dtype=np.float32),
            "threshold": np.array(0.8),
            "agree_floor": np.array(0.7),
            "corpus": np.array("x"),
        },
    )
    w = load(path)
    assert w.index == {n: i for i, n in enumerate(names)}
    assert w.classes == ("a", "b") and (w.threshold, w.agree_floor) == (0.8, 0.7)
    assert w.coef.dtype == np.float32 and np.array_equal(w.coef, coef)
    # scoring widens the columns it reads: as if every weight were float64
    wide = coef.astype(np.float64)
    expect = np.array([0.5, -0.5]) + wide[:, [1, 3]] @ (np.array([1.0, 1.0]) / 2**0.5)
    expect = np.exp(expect - expect.max())
    probs = probabilities({"c: é ": 1.0, "w:what's": 1.0, "unseen": 3.0}, w)
    assert list(probs.values()) == (expect / expect.sum()).tolist()
    with pytest.raises(ValueError, match="line break"):
        encode_vocabulary(["a\nb"])


def test_the_shipped_weights_are_read_in_place_as_np_load_reads_them():
    from assistant.planner.classifier import NAMES, _mapped

    mapped = _mapped(MODEL, NAMES)
    assert mapped is not None  # an uncompressed .npz: every array mapped
    with np.load(MODEL, allow_pickle=False) as saved:
        for name in NAMES:
            a, b = saved[name], mapped[name]
            assert (a.dtype, a.shape) == (b.dtype, b.shape), name
            assert a.flags.f_contiguous == b.flags.f_contiguous, name
            assert a.tobytes(order="A") == b.tobytes(order="A"), name
    assert not mapped["coef"].flags.writeable  # shared with the file: never written


def test_the_vocabulary_finds_every_name_at_its_column_and_nothing_else():
    from assistant.planner.classifier import Vocabulary

    with np.load(MODEL, allow_pickle=False) as saved:
        text = saved["vocabulary"].tobytes()
    names = text.decode("utf-8").split("\n")
    lines = text.split(b"\n")
    assert all(a < b for a, b in zip(lines, lines[1:], strict=False))  # bisectable
    vocabulary = weights().index
    assert len(vocabulary) == len(names)
    assert all(vocabulary[n] == i for i, n in enumerate(names))
    assert list(vocabulary) == names
    for absent in ("", "zzz", names[0][:-1], names[-1] + "x", "\udcff", "w:é"):
        assert vocabulary.get(absent) is None, absent
    small = Vocabulary("a\nb:é\nc".encode())
    assert small == {"a": 0, "b:é": 1, "c": 2}
    assert (small.get("b"), small.get("d"), small.get("")) == (None, None, None)
    assert len(Vocabulary(b"")) == 0 and Vocabulary(b"").get("a") is None
    with pytest.raises(ValueError, match="not sorted"):
        encode_vocabulary(["b", "a"])
    with pytest.raises(ValueError, match="not sorted"):
        encode_vocabulary(["a", "a"])


def test_the_vocabulary_remembers_names_looked_up_and_starts_over_when_full(
    monkeypatch: pytest.MonkeyPatch,
):
    from assistant.planner import classifier

    monkeypatch.setattr(classifier, "MEMO", 2)
    small = classifier.Vocabulary(b"a\nb\nc")
    got = [small.get(n) for n in ("c", "x", "c", "a", "b", "x")]
    assert got == [2, None, 2, 0, 1, None]  # the same answers, remembered or not
    assert len(small._seen) <= 2
    with pytest.raises(KeyError):
        small["x"]


def test_a_compressed_or_foreign_weights_file_is_read_by_np_load(tmp_path):
    from assistant.planner.classifier import NAMES, _mapped

    arrays = {
        "vocabulary": encode_vocabulary(["a", "b"]),
        "classes": np.array(["x", "y"]),
        "coef": np.asfortranarray(np.arange(4, dtype=np.float32).reshape(2, 2)),
        "intercept": np.zeros(2, dtype=np.float32),
        "threshold": np.array(0.5),
        "agree_floor": np.array(0.4),
    }
    packed = tmp_path / "packed.npz"
    np.savez_compressed(packed, **arrays)
    assert _mapped(packed, NAMES) is None
    w = load(packed)
    assert np.array_equal(w.coef, arrays["coef"]) and w.classes == ("x", "y")
    plain = tmp_path / "plain.npz"
    save(plain, arrays)
    mapped = _mapped(plain, NAMES)
    assert mapped is not None and mapped["coef"].flags.f_contiguous
    assert np.array_equal(mapped["coef"], arrays["coef"])
    assert _mapped(plain, (*NAMES, "absent")) is None
    broken = tmp_path / "broken.npz"
    broken.write_bytes(plain.read_bytes()[:-400])  # cut: no central directory
    assert _mapped(broken, NAMES) is None


def test_numpy_scoring_is_a_softmax_over_known_features():
    w = weights()
    known = w.classes[0]
    probs = probabilities({"bias": 1.0, "not-a-feature": 5.0}, w)
    assert set(probs) == set(w.classes)
    assert sum(probs.values()) == pytest.approx(1.0)
    # an unknown feature neither scores nor changes the scale of the known ones
    assert probs == pytest.approx(probabilities({"bias": 1.0}, w))
    assert probs[known] > 0


@pytest.fixture
def bot(tmp_path: Path) -> Assistant:
    return Assistant.create(model="offline", state_dir=tmp_path)


def test_a_clear_question_is_acted_on(bot: Assistant):
    turn = bot.ask("What should we offer U124?")
    assert "recommend_treatment" in [c.name for c in turn.tool_calls]
    assert bot.choices() == ()


@pytest.fixture
def unsure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Weights that are never sure enough to act (threshold above any reading).

    The cue override is off too (no intent trusted): nothing is acted on.
    """
    import dataclasses

    import assistant.planner.reading as reading

    strict = dataclasses.replace(weights(), threshold=1.01, agree_floor=1.01)
    monkeypatch.setattr(reading, "weights", lambda: strict)
    never_sure(monkeypatch)


def never_sure(monkeypatch: pytest.MonkeyPatch) -> None:
    """No rule acts on a reading below the threshold (cues, orders, lone readings)."""
    import assistant.planner.reading_first as first
    import assistant.planner.reading_pairs as pairs
    import assistant.planner.reading_rules as rules

    monkeypatch.setattr(first, "asks_what_to_offer", lambda ask: False)
    monkeypatch.setattr(pairs, "channel_allowed", lambda *args: False)
    monkeypatch.setattr(rules, "CUE_TRUSTED", frozenset())
    monkeypatch.setattr(rules, "AGREE_FLOORS", {})
    monkeypatch.setattr(rules, "ORDERS", frozenset())
    monkeypatch.setattr(rules, "ALONE_TRUSTED", frozenset())
    monkeypatch.setattr(pairs, "ALIKE", {})
    monkeypatch.setattr(pairs, "NEIGHBOURS", frozenset())
    monkeypatch.setattr(rules, "LOW_FLOORS", {})


def test_unsure_model_acts_on_trusted_read_only_cues(bot, monkeypatch):
    import dataclasses

    import assistant.planner.reading as reading
    import assistant.planner.reading_rules as rules

    strict = dataclasses.replace(weights(), threshold=1.01, agree_floor=1.01)
    monkeypatch.setattr(reading, "weights", lambda: strict)
    turn = bot.ask("What should we offer U124?")  # recommend cues, model's best
    assert "recommend_treatment" in [c.name for c in turn.tool_calls]
    assert bot.choices() == ()
    # a proposal only: nothing is booked until confirmed
    assert bot.session.pending is not None
    writes = {"book", "cancel", "choose", "outcome_record", "export"}
    assert not writes & rules.CUE_TRUSTED  # no write is reachable from the cues


def test_an_unsure_reading_offers_choices_and_a_number_picks_one(bot, unsure):
    turn = bot.ask("What should we offer U124?")
    offered = bot.choices()
    # nothing done on a guess: the customer named is only looked up (kept in focus)
    assert [c.name for c in turn.tool_calls] == ["get_customer_data"]
    assert 1 <= len(offered) <= 3
    assert offered[0][0] == "recommend"  # the closest reading comes first
    for n, (_, what) in enumerate(offered, 1):
        assert f"{n}. {what}" in turn.reply
    assert bot.asked() == "What should we offer U124?"
    picked = bot.ask("1")
    assert "recommend_treatment" in [c.name for c in picked.tool_calls]
    assert "U124" in picked.reply
    assert bot.choices() == ()
    # the choice proposed the booking; it did not make it
    assert bot.session.pending is not None
    assert bot.session.pending.tool == "allocate_treatment"


def test_a_choice_never_writes_and_a_stale_number_is_read_as_text(bot, unsure):
    bot.ask("What should we offer U124?")
    bot.ask("1")
    before = bot.session.pending
    turn = bot.ask("2")  # no choices open now: not a pick, not a confirmation
    assert bot.session.pending is before
    assert not [c for c in turn.tool_calls if c.name == "allocate_treatment"]


def test_focus_is_kept_after_a_turn_that_is_not_understood(bot):
    bot.ask("What should we offer U124?")
    bot.ask("remind me about the weather on mars next tuesday")
    turn = bot.ask("what does that cost?")
    assert "U124" in turn.reply
    assert "Which customer" not in turn.reply


QUESTIONS_ABOUT_U124 = (
    "why is U124's churn score so high?",
    "What about an SMS instead?",
    "is there anything cheaper for U124?",
    "what else could we offer U124?",
    "could we get it booked?",
    "would a loyalty app offer be better for them?",
    "what are the top 3 options for U124?",
)


@pytest.mark.parametrize("question", QUESTIONS_ABOUT_U124)
def test_a_question_never_changes_the_pending_action(bot, question):
    """Whatever the classifier reads a question as, the pending action stays."""
    bot.ask("What should we offer U124?")
    before = bot.session.pending
    assert before is not None
    turn = bot.ask(question)
    assert bot.session.pending is not None
    assert bot.session.pending.id == before.id, (question, turn.reply)
    assert not turn.allocations


def test_the_choices_include_the_cues_reading(bot, monkeypatch):
    """Unsure, the replies offer the hand-written cues' reading among the choices."""
    import dataclasses

    import assistant.planner.reading as reading

    strict = dataclasses.replace(weights(), threshold=1.01, agree_floor=1.01)
    monkeypatch.setattr(reading, "weights", lambda: strict)
    monkeypatch.setattr(reading, "probabilities", lambda feats, w: _flat(w, "cancel"))
    bot.ask("book U124's data boost")
    offered = [name for name, _ in bot.choices()]
    assert offered[0] == "cancel" and "book" in offered and len(offered) <= 3


def _flat(w, first: str) -> dict[str, float]:
    """Probabilities with ``first`` likeliest and the rest spread evenly."""
    rest = (1 - 0.5) / (len(w.classes) - 1)
    return {c: 0.5 if c == first else rest for c in w.classes}


def test_a_yes_after_a_clarification_shows_the_pending_action_again(bot, monkeypatch):
    """The numbered readings were the last thing shown: a bare yes runs nothing."""
    from tools.bookings import list_allocations

    bot.ask("What should we offer U124?")
    pending = bot.session.pending
    assert pending is not None
    import dataclasses

    import assistant.planner.reading as reading

    strict = dataclasses.replace(weights(), threshold=1.01, agree_floor=1.01)
    monkeypatch.setattr(reading, "weights", lambda: strict)
    never_sure(monkeypatch)
    asked = bot.ask("hmm and what about the other thing then")
    assert asked.asked_back and bot.choices()
    assert f"**{pending.title}** is still waiting" in asked.reply
    again = bot.ask("yes")
    assert list_allocations(bot.ctx) == []
    assert again.reply.startswith("Before anything is done")
    assert bot.session.pending is not None and bot.session.pending.id == pending.id
    booked = bot.ask("yes")  # now shown: the confirmation runs exactly it
    assert [a.treatment_key for a in list_allocations(bot.ctx)] == [
        pending.arguments["treatment_key"]
    ]
    assert booked.allocations


@pytest.mark.parametrize(
    "order",
    [
        "could you put U128 down for a marketing call back please",
        "Release the Service Call Back booking for U125.",
        "Book today's retention campaign.",
    ],
)
def test_a_plain_order_naming_its_object_is_proposed_not_asked(bot, order):
    """Model and cues read the same write order: proposed (shown), never run."""
    from tools.allocation import allocate_treatment
    from tools.bookings import list_allocations

    allocate_treatment("U125", "service_call_back", "ana", bot.ctx)
    before = list_allocations(bot.ctx)
    turn = bot.ask(order)
    assert bot.choices() == (), turn.reply
    assert turn.pending is not None and turn.pending_new, turn.reply
    assert list_allocations(bot.ctx) == before  # proposed, nothing written


def test_a_count_with_a_condition_is_answered_by_who_matches(bot):
    """A base summary or a search: for a stated condition both count who matches."""
    turn = bot.ask("how many customers have churn score above 0.6?")
    assert bot.choices() == (), turn.reply
    assert [c.name for c in turn.tool_calls] == ["find_customers"]
    assert "of 12 customers match" in turn.reply
    summary = bot.request(
        "summarise_base", "how many have churn over 0.6", None, None, True
    )
    assert [c.name for c in summary.tool_calls] == ["find_customers"]
    whole = bot.request("summarise_base", "summarise the base", None, None, True)
    assert [c.name for c in whole.tool_calls] == ["summarise_base"]


def test_a_lone_trusted_reading_is_acted_on_and_others_are_offered():
    """Only the reading worth offering, of a trusted kind, with enough: acted on."""
    from assistant.planner.reading_rules import ALONE_FLOOR, only_reading

    lone = [("outcome_record", 0.77), ("unknown", 0.08), ("plan_what_if", 0.05)]
    assert only_reading("outcome_record", 0.77, lone, 1.0)
    assert not only_reading("outcome_record", ALONE_FLOOR - 0.01, lone, 1.0)
    two = [("outcome_record", 0.70), ("facts", 0.20), ("plan", 0.10)]
    assert not only_reading("outcome_record", 0.70, two, 1.0)  # a second reading: asked
    untrusted = [("facts", 0.90), ("unknown", 0.05), ("plan", 0.05)]
    assert not only_reading("facts", 0.90, untrusted, 1.0)  # facts alone: not trusted


def test_an_outcome_in_the_analysts_words_is_proposed_not_asked(bot):
    text = "just had feedback, U128 said yes to the call back when we rang him"
    turn = bot.ask(text)
    assert bot.choices() == (), turn.reply
    assert turn.pending is None or turn.pending.tool.startswith("record_outcome")


def test_a_request_nobody_can_serve_gets_an_honest_cant_not_a_menu(bot):
    """The model's likeliest reading is 'unknown' (>= CANT_FLOOR): say so, no menu."""
    turn = bot.ask("change U126's tariff to a cheaper one")
    assert bot.choices() == ()
    assert turn.reply.startswith("I can't do that here.")
    assert turn.pending is None and not turn.allocations
