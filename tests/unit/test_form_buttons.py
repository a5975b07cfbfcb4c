"""The form dialog's buttons: each acts only where the draft is; anything else is stale."""

from __future__ import annotations

from domain.form_buttons import FormAction, press
from tests.unit.test_forms import FULL, SPEC, at, summary


def test_a_choice_is_taken_by_its_index_and_a_forged_index_is_refused() -> None:
    draft = at("status")
    chosen = press(SPEC, draft, FormAction.CHOOSE, "1")
    assert chosen is not None
    assert chosen.refusal is None
    assert chosen.draft.answers["status"] == "attention"
    for forged in ("3", "-1", "²", "x", ""):
        refused = press(SPEC, draft, FormAction.CHOOSE, forged)
        assert refused is not None, forged
        assert refused.refusal is not None, forged
        assert refused.draft == draft


def test_skip_and_choose_do_not_act_at_the_summary_nor_edit_at_a_question() -> None:
    assert press(SPEC, summary(), FormAction.SKIP, "") is None
    assert press(SPEC, summary(), FormAction.CHOOSE, "0") is None
    assert press(SPEC, at("abnormal"), FormAction.EDIT, "returned") is None
    assert press(SPEC, summary(), FormAction.EDIT, "no_such_field") is None


def test_edit_asks_the_field_again_and_back_goes_one_question_back() -> None:
    edited = press(SPEC, summary(), FormAction.EDIT, "monitoring")
    assert edited is not None
    assert edited.draft.position == SPEC.index("monitoring")
    assert edited.draft.returning
    back = press(SPEC, at("abnormal"), FormAction.BACK, "")
    assert back is not None
    assert back.draft.position == SPEC.index("status")
    assert back.draft.answers == {k: v for k, v in FULL.items() if k != "abnormal"}


def test_cancel_and_submit_are_left_to_the_caller() -> None:
    assert press(SPEC, summary(), FormAction.SUBMIT, "") is None
    assert press(SPEC, at("returned"), FormAction.CANCEL, "") is None
