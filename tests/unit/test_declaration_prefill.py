"""An update's pre-filled draft: the earlier declaration's answers, back at the summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from domain import declaration_dialog as dialog
from domain.declaration_build import build
from domain.declaration_prefill import prefill
from domain.declaration_steps import SUMMARY, Step
from domain.declarations import (
    CodeColour,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    Stay,
    Transport,
    TransportKind,
)

TODAY = date(2026, 11, 22)
DECLARATION = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DomesticOrigin(("420000", "420100", "420102"), ("湖北省", "武汉市", "江岸区")),
    stays=(Stay("南京", date(2026, 11, 15), date(2026, 11, 16), False, ("320100",)),),
    transport=Transport(TransportKind.TRAIN, "G1234"),
    arrival=datetime(2026, 11, 21, 8, 30),
    health_code=CodeColour.GREEN,
    itinerary_card=CodeColour.GREEN,
    vaccination_doses=3,
    temperature=36.5,
    attested=True,
    name="刘小明",
    phone="+8613800138000",
)


def test_the_answers_come_back_and_the_address_of_an_older_one_is_asked() -> None:
    draft = prefill(DECLARATION, today=TODAY)
    assert draft.step == Step.ADDRESS  # filed before the address was kept
    assert "attested" not in draft.answers  # attested anew
    answered = replace(
        draft, step=SUMMARY, answers={**draft.answers, Step.ADDRESS: "东关村5组", "attested": True}
    )
    assert build(answered) == replace(DECLARATION, address="东关村5组")
    # Kept now: an update lands on the summary with every answer.
    again = prefill(build(answered), today=TODAY)
    assert again.step == SUMMARY
    assert again.answers[Step.ADDRESS] == "东关村5组"


def test_an_answer_that_no_longer_fits_is_asked_again() -> None:
    draft = prefill(DECLARATION, today=date(2030, 11, 22))  # years later: dates out of window
    assert Step.ARRDATE not in draft.answers
    assert draft.answers[Step.NAME] == "刘小明"


def test_places_staff_located_or_found_in_no_division_stay_so_in_an_update() -> None:
    stays = (
        *DECLARATION.stays,
        Stay("牧场", date(2026, 11, 17), date(2026, 11, 18), confirmed_unlisted=True),
        Stay("老家村口", date(2026, 11, 19), date(2026, 11, 19)),
    )
    declaration = replace(DECLARATION, stays=stays)
    draft = prefill(declaration, today=TODAY)
    answered = replace(
        draft, step=SUMMARY, answers={**draft.answers, Step.ADDRESS: "东关村5组", "attested": True}
    )
    built = build(answered)
    assert built == replace(declaration, address="东关村5组")
    assert built.unlocated_stays() == (2,)  # only the one nobody has located yet


def test_an_update_to_planning_to_leave_asks_where_to_rather_than_keep_where_from() -> None:
    draft = prefill(DECLARATION, today=TODAY)
    draft = dialog.answer(draft, "东关村5组", today=TODAY).draft
    assert draft.step == SUMMARY
    draft = dialog.edit(draft, Step.STATUS).draft
    draft = dialog.press(draft, Step.STATUS, "pick", "planning_leave", today=TODAY).draft
    assert Step.ORIGIN not in draft.answers  # Wuhan was where from, not where to
    assert Step.PROV not in draft.answers
    assert Step.TRANSPORT not in draft.answers
    assert draft.step == Step.DEPART
    draft = dialog.answer(draft, "11/30", today=TODAY).draft
    draft = dialog.answer(draft, "12/20", today=TODAY).draft
    assert draft.step == Step.ORIGIN  # asked as the destination
