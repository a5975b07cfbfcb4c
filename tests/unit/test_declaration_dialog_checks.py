"""The declaration dialog's identity document (type, then number) and its question when "no
symptoms" meets a fever."""

from __future__ import annotations

import pytest

from domain import declaration_dialog as dialog
from domain.declaration_dialog import Draft, DraftError
from domain.declaration_json import DeclarationError, declaration_from_dict, declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin
from domain.id_documents import IdType
from tests.unit.test_declaration_dialog import TODAY, Walk

RESIDENT_ID = "11010519491231002X"
BEIJING = DomesticOrigin(("110000",))


def to_vaccination(walk: Walk) -> Walk:
    """From the status question of a returnee by own car up to the symptoms question."""
    walk.press("returned")
    walk.press("domestic")
    walk.press("110000")
    walk.press("110105")
    walk.press(action="skip")
    walk.press("none")
    walk.press("own_car")
    walk.type("昨天").press(action="skip")
    walk.press("green")
    walk.press("green")
    walk.press(action="skip")
    walk.press("3")
    assert walk.step == "symptoms"
    return walk


def to_summary(walk: Walk) -> Walk:
    """From the contacts question to the summary."""
    walk.press("none")
    walk.press(action="skip")
    assert walk.step == "summary"
    return walk


# --- identity documents ----------------------------------------------------------------------


def test_the_type_is_picked_then_its_number_typed_and_both_are_kept() -> None:
    walk = Walk().type("Jane Doe").type("13800138000")
    assert walk.step == "idtype"
    walk.type("E12345678", dialog.USE_BUTTONS)  # the type first
    walk.press("passport")
    assert walk.step == "idno"
    walk.type("110", "answer-passport-invalid")
    walk.type("e1234 5678")
    assert walk.step == "address"
    assert (walk.draft.answers["idtype"], walk.draft.answers["idno"]) == ("passport", "E12345678")
    walk.type("河西街道3号")
    to_vaccination(walk).press("none")
    built = to_summary(walk.type("36.5")).finish()
    assert (built.id_type, built.id_number) == (IdType.PASSPORT, "E12345678")


def test_another_type_asks_the_number_again_and_skipping_it_gives_no_document() -> None:
    walk = Walk().type("王小明").type("13800138000")
    walk.press("resident")
    walk.type(RESIDENT_ID)
    walk.type("河西街道3号")
    to_vaccination(walk).press("none")
    to_summary(walk.type("36.5"))
    walk.press("idtype", "edit")
    walk.press("resident")  # the same document: its number stands
    assert walk.step == "summary"
    assert walk.draft.answers["idno"] == RESIDENT_ID
    walk.press("idtype", "edit")
    walk.press("taiwan")
    assert walk.step == "idno"  # a resident ID is no Taiwan permit number
    assert "idno" not in walk.draft.answers
    walk.press(action="skip")  # no number after all
    assert walk.step == "summary"
    assert walk.draft.answers["idtype"] is None
    assert "idno" not in walk.draft.answers
    built = walk.finish()
    assert (built.id_type, built.id_number) == (None, None)


def test_a_stored_number_must_fit_the_stored_type() -> None:
    data = Draft().to_data()
    for answers in (
        {"idtype": "passport", "idno": "e12345678"},
        {"idtype": "taiwan", "idno": RESIDENT_ID},
        {"idtype": "visa", "idno": "E12345678"},
        {"idtype": None, "idno": "E12345678"},
    ):
        with pytest.raises(DraftError):
            Draft.from_data({**data, "answers": answers}, today=TODAY)


def test_a_draft_saved_before_the_types_reads_its_number_as_a_resident_id() -> None:
    base = Draft().to_data()
    answered = {**base, "step": "address", "answers": {"name": "王小明", "idno": RESIDENT_ID}}
    draft = Draft.from_data(answered, today=TODAY)
    assert (draft.answers["idtype"], draft.answers["idno"]) == ("resident", RESIDENT_ID)
    skipped = {**base, "step": "address", "answers": {"name": "王小明", "idno": None}}
    draft = Draft.from_data(skipped, today=TODAY)
    assert draft.answers == {"name": "王小明", "idtype": None}
    asking = {**base, "step": "idno", "answers": {"name": "王小明"}}
    draft = Draft.from_data(asking, today=TODAY)
    assert draft.answers["idtype"] == "resident"
    outcome = dialog.answer(draft, RESIDENT_ID, today=TODAY)
    assert outcome.refusal is None
    assert outcome.draft.step == "address"


def test_a_declaration_stored_with_a_number_alone_has_a_resident_id() -> None:
    stored = declaration_to_dict(
        Declaration(DeclarationStatus.RETURNED, BEIJING, id_number=RESIDENT_ID)
    )
    assert "id_type" not in stored  # as written before the types existed
    assert declaration_from_dict(stored).id_type is IdType.RESIDENT_ID
    passport = Declaration(
        DeclarationStatus.RETURNED,
        BEIJING,
        id_number="E12345678",
        id_type=IdType.PASSPORT,
    )
    assert declaration_from_dict(declaration_to_dict(passport)) == passport
    with pytest.raises(DeclarationError, match="id_type"):
        declaration_from_dict({**stored, "id_number": None, "id_type": "passport"})


# --- "no symptoms" with a fever ---------------------------------------------------------------


def at_symptoms() -> Walk:
    return to_vaccination(Walk().personal())


def test_no_symptoms_with_a_fever_is_asked_and_kept_as_given_once_confirmed() -> None:
    walk = at_symptoms()
    walk.press("none")
    walk.type("38.5")
    assert walk.step == "tempok"
    assert dialog.options(walk.draft) == ("confirm", "temp", "symptoms")
    walk.press("confirm")
    assert walk.step == "contacts"
    built = to_summary(walk).finish()
    assert (built.symptoms, built.temperature) == (frozenset(), 38.5)


def test_the_temperature_or_the_symptoms_can_be_corrected_instead() -> None:
    walk = at_symptoms()
    walk.press("none")
    walk.type("38.5")
    walk.press("temp")
    assert walk.step == "temp"
    walk.type("36.8")  # a typo: no fever, no question
    assert walk.step == "contacts"
    walk.press(action="back")
    assert walk.step == "temp"
    walk.type("38.5")
    walk.press("symptoms")
    assert walk.step == "symptoms"
    walk.press("fever")
    walk.press("done")
    assert walk.step == "contacts"  # symptoms and fever agree
    assert walk.draft.answers["symptoms"] == ["fever"]


def test_back_from_the_question_returns_to_the_answers_it_was_about() -> None:
    walk = at_symptoms()
    walk.press("none")
    walk.type("39")
    walk.press(action="back")
    assert walk.step == "temp"
    walk.type("39")
    walk.press("temp")
    walk.press(action="back")  # past the check and the temperature it asked again
    assert walk.step == "symptoms"


def test_another_feverish_temperature_is_asked_about_again() -> None:
    walk = at_symptoms()
    walk.press("none")
    walk.type("38.5")
    walk.press("confirm")
    to_summary(walk)
    walk.press("temp", "edit")
    walk.type("38.5")  # the temperature already confirmed
    assert walk.step == "summary"
    walk.press("temp", "edit")
    walk.type("39.1")
    assert walk.step == "tempok"
    walk.press("confirm")
    assert walk.step == "summary"
    walk.press("symptoms", "edit")
    walk.press("none")  # still none, and 39.1 was confirmed
    assert walk.step == "summary"


def test_symptoms_dropped_from_the_summary_with_a_fever_are_asked_about() -> None:
    walk = at_symptoms()
    walk.press("fever")
    walk.press("done")
    walk.type("38.5")
    to_summary(walk)
    walk.press("symptoms", "edit")
    walk.press("fever")  # unticked
    walk.press("none")
    assert walk.step == "tempok"
    walk.press(action="back")
    assert walk.step == "symptoms"


@pytest.mark.parametrize(("temperature", "asked"), [("37.2", False), ("37.3", True)])
def test_the_default_threshold_is_a_fever_from_37_3(temperature: str, asked: bool) -> None:
    walk = at_symptoms()
    walk.press("none")
    walk.type(temperature)
    assert (walk.step == "tempok") is asked


def test_the_policys_threshold_decides() -> None:
    walk = at_symptoms()
    walk.press("none")
    outcome = dialog.answer(walk.draft, "38.0", today=TODAY, fever_threshold=38.2)
    assert outcome.draft.step == "contacts"
    outcome = dialog.answer(walk.draft, "38.2", today=TODAY, fever_threshold=38.2)
    assert outcome.draft.step == "tempok"


def test_a_stored_question_needs_its_temperature() -> None:
    with pytest.raises(DraftError):
        Draft.from_data({**Draft().to_data(), "step": "tempok"}, today=TODAY)
