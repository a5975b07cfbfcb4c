import json
from collections.abc import Callable
from typing import Any

import pytest

from domain.forms import (
    Draft,
    FieldKind,
    FormField,
    FormSpec,
    Outcome,
    Refusal,
    Value,
    answer,
    back,
    check_draft,
    choose,
    current,
    edit,
    is_complete,
    problems,
    skip,
    start,
    visible,
    zero_answers,
)

COUNT, TEXT, CHOICE = FieldKind.COUNT, FieldKind.TEXT, FieldKind.CHOICE

SPEC = FormSpec(
    "unit_report",
    (
        FormField("returned", COUNT),
        FormField("returned_risk", COUNT, at_most="returned", asked_if_positive="returned"),
        FormField("central_quarantine", COUNT),
        FormField("home_quarantine", COUNT),
        FormField("monitoring", COUNT, max_value=5000),
        FormField("fever_cases", COUNT),
        FormField("tests_done", COUNT),
        FormField("status", CHOICE, choices=("normal", "attention", "urgent")),
        FormField("abnormal", TEXT, optional=True, max_length=20),
    ),
)
KEYS = [item.key for item in SPEC.fields]
SUMMARY = len(SPEC.fields)
FULL: dict[str, Value] = {
    "returned": 5,
    "returned_risk": 2,
    "central_quarantine": 1,
    "home_quarantine": 3,
    "monitoring": 4,
    "fever_cases": 0,
    "tests_done": 12,
    "status": "normal",
    "abnormal": "none",
}


def ok(outcome: Outcome) -> Draft:
    assert outcome.refusal is None, outcome.refusal
    return outcome.draft


def at(key: str, answers: dict[str, Value] | None = None, **changes: Any) -> Draft:
    """A draft asking `key`, with the answers the form would hold there."""
    position = SPEC.index(key)
    if answers is None:
        answers = {k: v for k, v in FULL.items() if KEYS.index(k) < position}
    return Draft("unit_report", answers, position, **changes)


def summary(**changes: Value) -> Draft:
    return Draft("unit_report", {**FULL, **changes}, SUMMARY)


def fill(draft: Draft, *texts: str) -> Draft:
    for text in texts:
        draft = ok(answer(SPEC, draft, text))
    return draft


def refused(outcome: Outcome, draft: Draft) -> Refusal:
    assert outcome.draft == draft  # the same question again
    assert outcome.refusal is not None
    return outcome.refusal


# --- the spec ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((), "has no fields"),
        ((FormField("a", COUNT), FormField("a", TEXT)), "'a': the key is used twice"),
        ((FormField("a", COUNT, at_most="b"), FormField("b", COUNT)), "not an earlier field"),
        ((FormField("a", COUNT, at_most="a"),), "not an earlier field"),
        ((FormField("a", COUNT, asked_if_positive="zz"),), "'a': asked_if_positive 'zz'"),
        ((FormField("t", TEXT), FormField("a", COUNT, at_most="t")), "'t' is not a count"),
        (
            (FormField("c", CHOICE, choices=("x",)), FormField("a", TEXT, asked_if_positive="c")),
            "'a': asked_if_positive 'c' is not a count",
        ),
    ],
)
def test_a_spec_refers_only_to_earlier_counts(fields: tuple[FormField, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FormSpec("f", fields)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FormField("Bad-Key", COUNT), "lower-case identifier"),
        (lambda: FormField("", COUNT), "lower-case identifier"),
        (lambda: FormField("t", TEXT, at_most="a"), "'t': only a count"),
        (lambda: FormField("c", CHOICE), "'c': a choice needs choices"),
        (lambda: FormField("c", CHOICE, choices=("a", "a")), "choices repeat"),
        (lambda: FormField("c", CHOICE, choices=("a", " b")), "edge spaces"),
        (lambda: FormField("c", CHOICE, choices=("",)), "non-empty"),
        (lambda: FormField("t", TEXT, choices=("a",)), "only a choice field"),
        (lambda: FormField("n", COUNT, max_value=0), "'n': max_value"),
        (lambda: FormField("t", TEXT, max_length=0), "'t': max_length"),
        (lambda: FormField("t", TEXT, labels={"en": " "}), "'en' label is empty"),
        (lambda: FormSpec("Unit Report", (FormField("a", COUNT),)), "lower-case identifier"),
    ],
)
def test_bad_fields_and_names_are_refused(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_labels_are_stored_read_only() -> None:
    labels = {"zh_CN": "返乡人数", "en": "Returned"}
    item = FormField("returned", COUNT, labels=labels)
    labels["en"] = "changed"
    assert item.labels == {"zh_CN": "返乡人数", "en": "Returned"}
    with pytest.raises(TypeError):
        item.labels["en"] = "x"  # type: ignore[index]
    assert FormField("returned", COUNT).labels == {}


# --- walking through --------------------------------------------------------------------


def test_a_whole_report_walks_to_the_summary() -> None:
    draft = start(SPEC)
    assert draft == Draft("unit_report", {}, 0)
    assert current(SPEC, draft) == SPEC.fields[0]
    draft = fill(draft, "5", "2", "1", "3", "4", "0", "12")
    assert current(SPEC, draft) == SPEC.fields[SPEC.index("status")]
    assert not is_complete(SPEC, draft)
    draft = ok(choose(SPEC, draft, "normal"))
    draft = fill(draft, "  none ")
    assert draft == summary()
    assert current(SPEC, draft) is None
    assert is_complete(SPEC, draft)
    assert visible(SPEC, draft.answers) == SPEC.fields


@pytest.mark.parametrize(
    ("text", "value"),
    [("12", 12), (" 12 ", 12), ("１２", 12), ("\u3000３\u3000", 3), ("007", 7), ("0", 0)],
)
def test_counts_accept_spaces_and_full_width_digits(text: str, value: int) -> None:
    draft = ok(answer(SPEC, at("tests_done"), text))
    assert draft.answers["tests_done"] == value
    assert draft.position == SPEC.index("status")


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("-3", "form-negative"),
        ("－３", "form-negative"),
        ("−3", "form-negative"),
        ("-1.5", "form-negative"),
        ("+3", "form-not-a-number"),
        ("1.5", "form-not-a-number"),
        ("3.0", "form-not-a-number"),
        ("twelve", "form-not-a-number"),
        ("十二", "form-not-a-number"),
        ("1,000", "form-not-a-number"),
        ("1 2", "form-not-a-number"),
        ("12人", "form-not-a-number"),
        ("10²", "form-not-a-number"),
        ("١٢", "form-not-a-number"),  # Arabic-Indic digits, which int() would take
        ("", "form-empty"),
        ("   ", "form-empty"),
    ],
)
def test_counts_refuse_signs_decimals_and_words(text: str, key: str) -> None:
    draft = at("tests_done")
    assert refused(answer(SPEC, draft, text), draft) == Refusal(key)


@pytest.mark.parametrize("text", ["5001", "99999999999999", "9" * 5000])
def test_counts_above_the_ceiling_are_too_large(text: str) -> None:
    draft = at("monitoring")
    assert refused(answer(SPEC, draft, text), draft) == Refusal("form-too-large", {"limit": 5000})
    assert ok(answer(SPEC, draft, "5000")).answers["monitoring"] == 5000


def test_a_sub_count_cannot_exceed_its_total() -> None:
    draft = at("returned_risk")
    refusal = refused(answer(SPEC, draft, "6"), draft)
    assert refusal == Refusal("form-exceeds", {"other": "returned", "limit": 5})
    assert ok(answer(SPEC, draft, "5")).answers["returned_risk"] == 5


def test_a_zero_total_derives_its_conditional_fields() -> None:
    draft = ok(answer(SPEC, start(SPEC), "0"))
    assert draft.answers == {"returned": 0, "returned_risk": 0}
    assert current(SPEC, draft) == SPEC.fields[SPEC.index("central_quarantine")]
    assert "returned_risk" not in [item.key for item in visible(SPEC, draft.answers)]
    draft = fill(draft, "0", "0", "0", "0", "0")
    draft = ok(choose(SPEC, draft, "normal"))
    draft = ok(skip(SPEC, draft))
    assert draft.position == SUMMARY
    assert is_complete(SPEC, draft)


def test_conditions_cascade() -> None:
    spec = FormSpec(
        "f",
        (
            FormField("a", COUNT),
            FormField("b", COUNT, asked_if_positive="a"),
            FormField("c", TEXT, asked_if_positive="b"),
            FormField("d", COUNT),
        ),
    )
    draft = ok(answer(spec, start(spec), "0"))
    assert draft.answers == {"a": 0, "b": 0, "c": None}
    assert draft.position == 3
    draft = fill_spec(spec, start(spec), "2", "0")
    assert draft.answers == {"a": 2, "b": 0, "c": None}
    draft = fill_spec(spec, draft, "7")
    assert draft.position == 4
    assert problems(spec, draft.answers) == []
    # raising a from 0 asks b again, and then c
    draft = Draft("f", {"a": 0, "b": 0, "c": None, "d": 7}, 4)
    draft = fill_spec(spec, edit(spec, draft, "a"), "1")
    assert (draft.position, draft.returning) == (1, True)
    assert draft.answers == {"a": 1, "d": 7}
    draft = fill_spec(spec, draft, "1")
    assert (draft.position, draft.returning) == (2, True)
    draft = fill_spec(spec, draft, "x")
    assert draft == Draft("f", {"a": 1, "b": 1, "c": "x", "d": 7}, 4)


def fill_spec(spec: FormSpec, draft: Draft, *texts: str) -> Draft:
    for text in texts:
        draft = ok(answer(spec, draft, text))
    return draft


# --- text and choices -------------------------------------------------------------------


def test_text_is_stripped_and_limited() -> None:
    draft = at("abnormal")
    assert ok(answer(SPEC, draft, "  发热 1 人 \n")).answers["abnormal"] == "发热 1 人"
    assert ok(answer(SPEC, draft, " " + "x" * 20 + " ")).answers["abnormal"] == "x" * 20
    refusal = refused(answer(SPEC, draft, "x" * 21), draft)
    assert refusal == Refusal("form-too-long", {"limit": 20, "length": 21})


def test_empty_text_skips_an_optional_field_and_is_refused_otherwise() -> None:
    draft = at("abnormal")
    assert answer(SPEC, draft, "  ") == skip(SPEC, draft)
    assert ok(skip(SPEC, draft)) == summary(abnormal=None)
    required = FormSpec("f", (FormField("note", TEXT),))
    assert refused(answer(required, start(required), " \n"), start(required)) == Refusal(
        "form-empty"
    )


@pytest.mark.parametrize("key", ["returned", "returned_risk", "status"])
def test_only_optional_fields_can_be_skipped(key: str) -> None:
    draft = at(key)
    assert refused(skip(SPEC, draft), draft) == Refusal("form-not-optional")


def test_an_optional_count_may_be_skipped() -> None:
    spec = FormSpec(
        "f",
        (
            FormField("a", COUNT, optional=True),
            FormField("b", COUNT, at_most="a"),
            FormField("c", COUNT, asked_if_positive="a"),
        ),
    )
    draft = ok(skip(spec, start(spec)))
    assert draft == Draft("f", {"a": None, "c": 0}, 1)
    draft = fill_spec(spec, draft, "9")  # no total to exceed
    assert draft == Draft("f", {"a": None, "b": 9, "c": 0}, 3)
    assert problems(spec, draft.answers) == []


def test_choices_come_from_buttons_or_typed_text_and_are_checked() -> None:
    draft = at("status")
    assert ok(choose(SPEC, draft, "urgent")).answers["status"] == "urgent"
    assert ok(answer(SPEC, draft, " attention ")).answers["status"] == "attention"
    for forged in ("URGENT", "urgent ", "", "panic"):
        assert refused(choose(SPEC, draft, forged), draft) == Refusal("form-not-a-choice")
    assert refused(answer(SPEC, draft, "panic"), draft) == Refusal("form-not-a-choice")
    assert refused(answer(SPEC, draft, " "), draft) == Refusal("form-empty")


def test_a_button_press_for_another_question_is_refused() -> None:
    draft = at("tests_done")
    assert refused(choose(SPEC, draft, "normal"), draft) == Refusal("form-not-a-choice")


@pytest.mark.parametrize(
    "step",
    [
        lambda: answer(SPEC, summary(), "1"),
        lambda: choose(SPEC, summary(), "normal"),
        lambda: skip(SPEC, summary()),
    ],
)
def test_nothing_is_answered_at_the_summary(step: Callable[[], Outcome]) -> None:
    with pytest.raises(ValueError, match="summary"):
        step()


# --- back, edit ---------------------------------------------------------------------------


def test_back_goes_to_the_previous_asked_field() -> None:
    assert back(SPEC, start(SPEC)) == start(SPEC)
    assert back(SPEC, at("returned_risk")).position == SPEC.index("returned")
    assert back(SPEC, at("central_quarantine")).position == SPEC.index("returned_risk")
    skipped = at("central_quarantine", {"returned": 0, "returned_risk": 0})
    assert back(SPEC, skipped) == Draft("unit_report", skipped.answers, 0)
    assert back(SPEC, summary()) == Draft("unit_report", FULL, SPEC.index("abnormal"))


def test_back_then_forward_walks_the_same_fields_again() -> None:
    draft = back(SPEC, back(SPEC, at("central_quarantine")))
    assert draft.position == 0
    draft = fill(draft, "4")
    assert draft.position == SPEC.index("returned_risk")
    assert draft.answers["returned_risk"] == 2  # kept until answered again
    draft = fill(draft, "3")
    assert draft.answers == {"returned": 4, "returned_risk": 3}
    assert draft.position == SPEC.index("central_quarantine")


def test_lowering_a_total_on_the_way_through_drops_the_part_to_ask_it_again() -> None:
    draft = back(SPEC, at("central_quarantine"))
    draft = fill(back(SPEC, draft), "1")  # returned 5 -> 1, below returned_risk 2
    assert draft.answers == {"returned": 1}
    assert draft.position == SPEC.index("returned_risk")
    draft = fill(draft, "1")
    assert draft.answers == {"returned": 1, "returned_risk": 1}


def test_back_to_a_zero_total_and_raising_it_asks_the_part() -> None:
    draft = at("central_quarantine", {"returned": 0, "returned_risk": 0})
    draft = fill(back(SPEC, draft), "2")
    assert draft.answers == {"returned": 2}
    assert draft.position == SPEC.index("returned_risk")


def test_editing_from_the_summary_returns_to_it() -> None:
    draft = edit(SPEC, summary(), "home_quarantine")
    assert draft == Draft("unit_report", FULL, SPEC.index("home_quarantine"), returning=True)
    assert current(SPEC, draft) == SPEC.fields[SPEC.index("home_quarantine")]
    assert fill(draft, "9") == summary(home_quarantine=9)
    assert ok(skip(SPEC, edit(SPEC, summary(), "abnormal"))) == summary(abnormal=None)
    assert ok(choose(SPEC, edit(SPEC, summary(), "status"), "urgent")) == summary(status="urgent")


def test_a_refused_edit_stays_on_the_field() -> None:
    draft = edit(SPEC, summary(), "returned_risk")
    assert refused(answer(SPEC, draft, "x"), draft) == Refusal("form-not-a-number")
    assert refused(answer(SPEC, draft, "6"), draft).key == "form-exceeds"


def test_back_while_editing_keeps_returning() -> None:
    draft = back(SPEC, edit(SPEC, summary(), "central_quarantine"))
    assert (draft.position, draft.returning) == (SPEC.index("returned_risk"), True)
    assert fill(draft, "1") == summary(returned_risk=1)


def test_a_total_cannot_be_edited_below_its_part() -> None:
    draft = edit(SPEC, summary(), "returned")
    refusal = refused(answer(SPEC, draft, "1"), draft)
    assert refusal == Refusal("form-below-part", {"other": "returned_risk", "value": 2})
    assert fill(draft, "2") == summary(returned=2)


def test_a_total_edited_to_zero_derives_its_part_and_back_up_asks_it() -> None:
    draft = fill(edit(SPEC, summary(), "returned"), "0")
    assert draft == summary(returned=0, returned_risk=0)
    assert is_complete(SPEC, draft)
    with pytest.raises(ValueError, match="not asked"):
        edit(SPEC, draft, "returned_risk")
    draft = fill(edit(SPEC, draft, "returned"), "3")
    assert (draft.position, draft.returning) == (SPEC.index("returned_risk"), True)
    assert "returned_risk" not in draft.answers
    assert not is_complete(SPEC, draft)
    assert fill(draft, "3") == summary(returned=3, returned_risk=3)


def test_a_part_without_condition_blocks_a_zero_total() -> None:
    spec = FormSpec("f", (FormField("a", COUNT), FormField("b", COUNT, at_most="a")))
    draft = edit(spec, Draft("f", {"a": 4, "b": 2}, 2), "a")
    assert refused(answer(spec, draft, "0"), draft) == Refusal(
        "form-below-part", {"other": "b", "value": 2}
    )


@pytest.mark.parametrize(
    ("draft", "key", "message"),
    [
        (summary(), "nope", "no field 'nope'"),
        (summary(returned=0, returned_risk=0), "returned_risk", "not asked"),
        (at("status"), "returned", "only from the summary"),
    ],
)
def test_edit_refuses_unknown_hidden_fields_and_mid_form(
    draft: Draft, key: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        edit(SPEC, draft, key)


def test_steps_are_pure() -> None:
    draft = at("returned")
    assert answer(SPEC, draft, "3") == answer(SPEC, draft, "3")
    assert draft == at("returned")
    with pytest.raises(TypeError):
        draft.answers["returned"] = 1  # type: ignore[index]


# --- storage ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draft",
    [start(SPEC), at("returned_risk"), summary(abnormal=None), edit(SPEC, summary(), "status")],
)
def test_drafts_survive_json_storage(draft: Draft) -> None:
    data = json.loads(json.dumps(draft.to_data()))
    assert Draft.from_data(data) == draft


GOOD: dict[str, Any] = {
    "form": "unit_report",
    "answers": {"returned": 1},
    "position": 1,
    "returning": False,
}


@pytest.mark.parametrize(
    "changes",
    [
        {"form": 7},
        {"form": "Unit Report"},
        {"answers": []},
        {"answers": {"returned": 1.5}},
        {"answers": {"returned": True}},
        {"answers": {"returned": [1]}},
        {"answers": {"Returned": 1}},
        {"answers": {1: 1}},
        {"position": -1},
        {"position": "1"},
        {"position": 1.0},
        {"position": True},
        {"returning": "yes"},
        {"returning": 0},
        {"extra": 1},
    ],
)
def test_tampered_drafts_are_rejected(changes: dict[str, Any]) -> None:
    assert Draft.from_data(GOOD) == Draft("unit_report", {"returned": 1}, 1)
    with pytest.raises(ValueError, match="stored draft"):
        Draft.from_data({**GOOD, **changes})


@pytest.mark.parametrize("missing", sorted(GOOD))
def test_incomplete_stored_drafts_are_rejected(missing: str) -> None:
    with pytest.raises(ValueError, match="stored draft"):
        Draft.from_data({k: v for k, v in GOOD.items() if k != missing})


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (Draft("declaration", {}, 0), "not 'unit_report'"),
        (Draft("unit_report", {}, SUMMARY + 1), "out of range"),
        (Draft("unit_report", {"vaccinated": 1}, 0), "unknown field"),
        (Draft("unit_report", {"returned": "5"}, 1), "wrong type"),
        (Draft("unit_report", {"status": 1}, 0), "wrong type"),
        (Draft("unit_report", {"returned": 0}, 1), "'returned_risk' is not asked"),
        (Draft("unit_report", {}, 1), "'returned_risk' is not asked"),
        (Draft("unit_report", FULL, SUMMARY, returning=True), "returning"),
    ],
)
def test_a_draft_that_does_not_fit_the_spec_is_refused(draft: Draft, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_draft(SPEC, draft)
    for step in (
        lambda: current(SPEC, draft),
        lambda: answer(SPEC, draft, "1"),
        lambda: back(SPEC, draft),
        lambda: is_complete(SPEC, draft),
    ):
        with pytest.raises(ValueError, match=message):
            step()


# --- submission -------------------------------------------------------------------------


def test_problems_of_a_good_report_and_its_summary() -> None:
    assert problems(SPEC, FULL) == []
    assert problems(SPEC, {**FULL, "abnormal": None}) == []
    assert problems(SPEC, {**FULL, "returned": 0, "returned_risk": 0}) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"returned_risk": 6},
            [("returned_risk", Refusal("form-exceeds", {"other": "returned", "limit": 5}))],
        ),
        ({"returned": 0, "returned_risk": 2}, [("returned_risk", Refusal("form-invalid"))]),
        ({"returned": 0, "returned_risk": None}, [("returned_risk", Refusal("form-invalid"))]),
        ({"tests_done": -1}, [("tests_done", Refusal("form-negative"))]),
        ({"tests_done": "12"}, [("tests_done", Refusal("form-not-a-number"))]),
        ({"tests_done": True}, [("tests_done", Refusal("form-not-a-number"))]),
        ({"tests_done": 1.5}, [("tests_done", Refusal("form-not-a-number"))]),
        ({"monitoring": 5001}, [("monitoring", Refusal("form-too-large", {"limit": 5000}))]),
        ({"tests_done": None}, [("tests_done", Refusal("form-empty"))]),
        ({"status": None}, [("status", Refusal("form-empty"))]),
        ({"status": "panic"}, [("status", Refusal("form-not-a-choice"))]),
        ({"status": 1}, [("status", Refusal("form-invalid"))]),
        ({"abnormal": 3}, [("abnormal", Refusal("form-invalid"))]),
        (
            {"abnormal": "x" * 21},
            [("abnormal", Refusal("form-too-long", {"limit": 20, "length": 21}))],
        ),
        ({"vaccinated": 3}, [("vaccinated", Refusal("form-invalid"))]),
        (
            {"returned": -2, "returned_risk": 0, "fever_cases": "x"},
            [
                ("returned", Refusal("form-negative")),
                ("fever_cases", Refusal("form-not-a-number")),
            ],
        ),
    ],
)
def test_problems_find_forged_answers(
    changes: dict[str, Any], expected: list[tuple[str, Refusal]]
) -> None:
    assert problems(SPEC, {**FULL, **changes}) == expected


@pytest.mark.parametrize("key", KEYS)
def test_every_field_must_be_present_at_submission(key: str) -> None:
    answers = {k: v for k, v in FULL.items() if k != key}
    expected = [(key, Refusal("form-empty"))]
    if key == "returned":  # an answer to a question that cannot have been asked
        expected.append(("returned_risk", Refusal("form-invalid")))
    assert problems(SPEC, answers) == expected


def test_a_draft_short_of_the_summary_is_not_complete() -> None:
    assert not is_complete(SPEC, Draft("unit_report", FULL, SPEC.index("abnormal")))
    assert not is_complete(SPEC, summary(status="panic"))


def test_zero_answers_attest_nothing_to_report() -> None:
    zero = zero_answers(SPEC)
    assert zero == {key: 0 for key in KEYS[:7]} | {"status": None, "abnormal": None}
    assert problems(SPEC, zero) == [("status", Refusal("form-empty"))]
    counts_only = FormSpec("f", SPEC.fields[:7] + SPEC.fields[8:])
    assert problems(counts_only, zero_answers(counts_only)) == []
