"""The declaration dialog's step machine: complete paths, back/skip/edit, stale buttons."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain import declaration_dialog as dialog
from domain.declaration_build import build as build_declaration
from domain.declaration_dialog import Draft, DraftError
from domain.declaration_json import declaration_from_dict, declaration_to_dict
from domain.declarations import (
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    OverseasOrigin,
    TransportKind,
)
from domain.org import Language
from texts.declaration_keyboards import question_text
from texts.i18n import Translator

TODAY = date(2026, 11, 22)


class Walk:
    def __init__(self) -> None:
        self.draft = Draft()

    def type(self, text: str, refusal: str | None = None) -> Walk:
        outcome = dialog.answer(self.draft, text, today=TODAY)
        assert outcome.refusal == refusal, (self.draft.step, text)
        if refusal is not None:
            assert outcome.draft == self.draft
        self.draft = outcome.draft
        return self

    def press(self, value: str = "", action: str = "pick") -> dialog.Outcome:
        outcome = dialog.press(self.draft, self.draft.step, action, value, today=TODAY)
        assert outcome.refusal is None, (self.draft.step, action, value, outcome.refusal)
        self.draft = outcome.draft
        return outcome

    @property
    def step(self) -> str:
        return self.draft.step

    def personal(self) -> Walk:
        self.type("王小明").type("13800138000")
        self.press(action="skip")
        return self.type("河西街道3号")

    def health(self) -> Walk:
        self.press("green")
        self.press("green")
        self.press(action="skip")  # no test date: no result asked
        assert self.step == "vacc"
        self.press("3")
        self.press("none")
        self.type("36.6")
        self.press("none")
        self.press(action="skip")
        assert self.step == "summary"
        return self

    def finish(self) -> Declaration:
        self.press("confirm")
        assert self.step == "attest"
        assert self.press("agree").submit
        built = build_declaration(self.draft)
        assert declaration_from_dict(declaration_to_dict(built)) == built
        assert Draft.from_data(self.draft.to_data(), today=TODAY) == self.draft
        return built


def test_domestic_by_buttons() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    assert walk.step == "prov"
    walk.press("420000")  # 湖北省
    assert walk.step == "city"
    walk.press("420100")  # 武汉市
    assert walk.step == "dist"
    walk.press("420102")
    walk.type("某某街道")
    assert walk.step == "stays"
    walk.press("none")
    walk.press("train")
    walk.type("G1234")
    walk.type("昨天")
    walk.type("14:30")
    built = walk.health().finish()
    assert built.origin == DomesticOrigin(
        ("420000", "420100", "420102"), ("湖北省", "武汉市", "江岸区", "某某街道")
    )
    assert built.transport is not None
    assert built.transport.number == "G1234"
    assert built.arrival == datetime(2026, 11, 21, 14, 30)
    assert built.name == "王小明"
    assert built.phone == "+8613800138000"
    assert built.last_test is None
    assert built.attested


def test_domestic_by_typing_offers_matches_and_skips_known_levels() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.type("湖北武汉江汉")
    assert walk.step == "rmatch"
    assert walk.draft.matches[0] == "420103"
    walk.press("420103")
    assert walk.step == "street"  # province, city and district all known
    walk.press(action="skip")
    walk.press("none")
    walk.press("own_car")
    assert walk.step == "arrdate"  # no number for own car
    walk.type("11月20日")
    walk.press(action="skip")
    built = walk.health().finish()
    assert built.origin == DomesticOrigin(
        ("420000", "420100", "420103"), ("湖北省", "武汉市", "江汉区")
    )
    assert built.transport is not None
    assert built.transport.kind is TransportKind.OWN_CAR
    assert built.transport.number is None


def test_none_of_the_matches_goes_to_the_levels_buttons_and_back_shows_them_again() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.type("Chaoyang")
    assert walk.step == "rmatch"
    assert dialog.KEEP_TYPED in dialog.options(walk.draft)
    walk.press(dialog.KEEP_TYPED)
    assert walk.step == "prov"
    assert "110000" in dialog.options(walk.draft)
    walk.press(action="back")
    assert walk.step == "rmatch"
    walk.press("110105")
    assert walk.step == "street"


def test_unknown_region_is_refused() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.type("不存在的地方xyz", "declare-region-unknown")


def test_overseas() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("overseas")
    assert walk.step == "country"
    walk.type("日本").type("上海浦东国际机场").type("2026-11-10")
    walk.press("no")
    walk.press("none")
    walk.press("flight")
    walk.type("MU 5101")
    walk.type("11/20").type("下午3点")
    built = walk.health().finish()
    assert built.origin == OverseasOrigin("日本", "上海浦东国际机场", date(2026, 11, 10), False)
    assert built.transport is not None
    assert built.transport.number == "MU5101"


def test_planning_return_asks_planned_date_not_arrival() -> None:
    walk = Walk().personal()
    walk.press("planning_return")
    assert walk.step == "planned"
    walk.type("2026-11-01", "declare-planned-range")
    walk.type("11/25")
    walk.press("domestic")
    walk.press("110000")
    walk.press("110105")  # 北京 has districts directly
    assert walk.step == "street"
    walk.press(action="skip")
    walk.press("none")
    walk.press("coach")
    assert walk.step == "hcode"
    built = walk.health().finish()
    assert built.status is DeclarationStatus.PLANNING_RETURN
    assert built.planned_date == date(2026, 11, 25)
    assert built.arrival is None


def test_planning_to_leave_asks_destination_departure_and_return() -> None:
    walk = Walk().personal()
    walk.press("planning_leave")
    assert walk.step == "depart"
    walk.type("2026-11-01", "declare-depart-range")  # in the past
    walk.type("2027-06-01", "declare-depart-range")  # beyond six months
    walk.type("1/3")  # read forwards: next January
    assert walk.step == "planned"
    walk.type("2026-12-30", "declare-return-before-departure")
    walk.type("1/10")
    assert walk.step == "origin"  # the destination, with the same region questions
    walk.press("domestic")
    walk.press("420000")
    assert walk.step == "city"
    walk.press("420100")
    assert walk.step == "dist"
    walk.press("420106")
    walk.press(action="skip")  # street
    walk.press("none")  # stays
    walk.press("train")
    walk.type("G12")
    assert walk.step == "hcode"  # no arrival asked
    built = walk.health().finish()
    assert built.status is DeclarationStatus.PLANNING_LEAVE
    assert built.departure_date == date(2027, 1, 3)
    assert built.planned_date == date(2027, 1, 10)
    assert isinstance(built.origin, DomesticOrigin)
    assert built.origin.region_codes == ("420000", "420100", "420106")
    assert built.arrival is None


def test_planning_to_leave_abroad_asks_only_the_country() -> None:
    walk = Walk().personal()
    walk.press("planning_leave")
    walk.type("11/30").type("12/20")
    walk.press("overseas")
    walk.type("日本")
    assert walk.step == "stays"  # no port, entry date or documents on the way out
    walk.press("none")
    walk.press("flight")
    walk.type("MU5101")
    built = walk.health().finish()
    assert built.origin == OverseasOrigin("日本", None, None, False)
    assert built.departure_date == date(2026, 11, 30)


def test_test_result_only_with_a_date_and_stays_with_matches() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("overseas")
    walk.type("韩国").press(action="skip")
    walk.type("2026-11-12")
    walk.press("yes")
    walk.press("add")
    walk.type("上海")
    assert walk.step == "smatch"
    walk.press("310000")
    walk.type("11/15").type("11/14", "declare-end-before-start").type("11/16")
    walk.press("no")
    walk.press("add")
    walk.type("a remote ranch")  # no region found: picked level by level, or none
    assert walk.step == "spick"
    walk.press(dialog.UNLISTED)
    assert walk.step == "sstart"
    walk.press(action="skip")
    walk.press(action="skip")
    walk.press("yes")
    assert walk.step == "stays"
    walk.press("done")
    walk.press("other")
    walk.type("昨天").press(action="skip")
    walk.press("yellow")
    walk.press("green")
    walk.type("11/20")
    assert walk.step == "testres"
    walk.press("negative")
    walk.press("2")
    walk.press("fever")
    walk.press("dry_cough")
    walk.press("fever")  # unticked again
    walk.press("done")
    walk.type("37.5")
    walk.press("close_contact")
    walk.press("done")
    walk.type("3")
    built = walk.finish()
    assert [s.place for s in built.stays] == ["上海", "a remote ranch"]
    assert built.stays[0].region_codes == ("310000",)
    assert not built.stays[0].transit
    assert built.stays[1].region_codes == ()
    assert built.stays[1].transit
    assert built.last_test is not None
    assert built.last_test.day == date(2026, 11, 20)
    assert {s.value for s in built.symptoms} == {"dry_cough"}
    assert built.companions == 3
    assert built.temperature == 37.5


def test_back_returns_to_the_previously_asked_step() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.type("武汉")
    walk.press("420100")
    assert walk.step == "dist"
    walk.press(action="back")
    assert walk.step == "rmatch"
    walk.press(action="back")
    assert walk.step == "prov"
    walk.press(action="back")
    assert walk.step == "origin"
    walk.press("overseas")  # the domestic answers are dropped
    assert walk.step == "country"
    assert "prov" not in walk.draft.answers
    assert "city" not in walk.draft.answers


def test_back_at_the_first_step_is_refused() -> None:
    outcome = dialog.press(Draft(), "name", "back", "", today=TODAY)
    assert outcome.refusal == dialog.STALE


def test_edit_from_summary_asks_new_steps_and_comes_back() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.press("110000")
    walk.press("110105")
    walk.press(action="skip")
    walk.press("none")
    walk.press("own_car")
    walk.type("昨天").press(action="skip")
    walk.health()
    assert "transport" in dialog.editable(walk.draft)
    walk.press("transport", "edit")
    assert walk.step == "transport"
    walk.press("train")
    assert walk.step == "tnum"  # newly required
    walk.type("G12")
    assert walk.step == "summary"
    walk.press("status", "edit")
    walk.press("planning_leave")
    assert walk.step == "depart"  # newly required: the departure and the return
    walk.type("11/28")
    assert walk.step == "planned"
    walk.type("12/5")
    # Where to is not where from: the destination and the way there are asked anew.
    assert walk.step == "origin"
    walk.press("domestic")
    walk.press("310000")
    walk.press("310115")
    walk.press(action="skip")
    assert walk.step == "transport"
    walk.press("train")
    walk.type("G12")
    assert walk.step == "summary"
    assert "arrdate" not in walk.draft.answers  # no longer applies
    walk.press("name", "edit")
    walk.type("李四")
    assert walk.step == "summary"
    built = walk.finish()
    assert built.name == "李四"
    assert built.arrival is None


def test_stale_and_forged_presses_are_refused() -> None:
    walk = Walk().personal()
    assert walk.step == "status"
    before = walk.draft
    for step, action, value in [
        ("name", "pick", "returned"),  # another step
        ("status", "pick", "nonsense"),  # not an option
        ("status", "skip", ""),  # not optional
        ("status", "edit", "name"),  # not at the summary
        ("status", "page", "x"),
        ("status", "fly", "returned"),
    ]:
        outcome = dialog.press(before, step, action, value, today=TODAY)
        assert outcome.refusal == dialog.STALE
        assert outcome.draft == before


def test_build_refuses_incomplete_or_unattested() -> None:
    walk = Walk().personal()
    with pytest.raises(ValueError, match="not complete"):
        build_declaration(walk.draft)


def test_checklist_done_needs_a_tick() -> None:
    draft = Draft(step="symptoms", answers={})
    outcome = dialog.press(draft, "symptoms", "pick", "done", today=TODAY)
    assert outcome.refusal == "declare-tick-or-none"


def test_text_on_a_button_step_is_refused() -> None:
    walk = Walk().personal()
    walk.type("returned", dialog.USE_BUTTONS)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"step": "name"},
        {**Draft().to_data(), "step": "nowhere"},
        {**Draft().to_data(), "answers": {"phone": "123"}},
        {**Draft().to_data(), "answers": {"status": "flying"}},
        {**Draft().to_data(), "answers": {"name": "x" * 300}},
        {**Draft().to_data(), "answers": {"prov": "999999"}},
        {**Draft().to_data(), "step": "planned", "answers": {"status": "returned"}},
        {**Draft().to_data(), "page": -1},
        {**Draft().to_data(), "history": ["name", 3]},
        {**Draft().to_data(), "answers": {"attested": "yes"}},
        # Dates no dialog could have stored (an old or tampered draft): restarted, never filed.
        {**Draft().to_data(), "answers": {"status": "planning_return", "planned": "9999-12-25"}},
        {**Draft().to_data(), "answers": {"status": "returned", "arrdate": "0001-01-01"}},
        {**Draft().to_data(), "answers": {"testdate": "2099-01-01"}},
        {**Draft().to_data(), "stays": [{"place": "x", "start": "9999-12-31"}]},
        {**Draft().to_data(), "step": "send", "stay": {"place": "x", "end": "9999-12-31"}},
        {**Draft().to_data(), "answers": {"stays": [{"place": "x", "end": "1000-01-01"}]}},
    ],
)
def test_from_data_refuses_what_does_not_fit(data: object) -> None:
    with pytest.raises(DraftError):
        Draft.from_data(data, today=TODAY)


def test_the_group_button_payload() -> None:
    from domain.invites import parse_start_payload

    assert parse_start_payload("decl-abc").kind == "declare"
    assert parse_start_payload("decl-abc").token == "abc"
    assert parse_start_payload("decl-").kind == "unknown"


def test_stays_can_be_cleared_and_back_from_the_list_skips_the_finished_stay() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("overseas")
    walk.type("日本").press(action="skip")
    walk.type("11/10")
    walk.press("yes")
    walk.press("add")
    walk.type("上海")
    walk.press(dialog.KEEP_TYPED)
    walk.press("310000")
    walk.press(dialog.PICK_HERE)
    walk.press(action="skip")
    walk.press(action="skip")
    walk.press("no")
    assert walk.step == "stays"
    assert len(walk.draft.stays) == 1
    assert walk.draft.history[-1] == "docs"  # back goes before the list, not into the stay
    assert walk.draft.stays[0]["codes"] == ["310000"]
    walk.press("clear")
    assert walk.draft.stays == ()
    assert dialog.options(walk.draft) == ("add", "none")
    walk.press("none")
    assert walk.draft.answers["stays"] == []


def test_back_past_a_replaced_match_list_skips_it() -> None:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.type("武汉")
    walk.press("420100")
    walk.press("420102")
    walk.press(action="skip")
    walk.press("add")
    walk.type("上海")
    walk.press("310000")
    for expected in ("smatch", "splace", "stays", "street", "dist", "prov"):
        walk.press(action="back")
        assert walk.step == expected


def test_media_is_refused_with_what_the_question_needs() -> None:
    walk = Walk()
    assert dialog.not_text_refusal(walk.draft) == "declare-text-only"  # the name is typed
    walk.personal()
    assert walk.step == "status"  # answered with buttons only
    assert dialog.not_text_refusal(walk.draft) == dialog.USE_BUTTONS
    walk.press("returned")
    walk.press("domestic")
    assert walk.step == "prov"  # buttons, or a typed place
    assert dialog.not_text_refusal(walk.draft) == "declare-text-only"


def _at_pick(place: str) -> Walk:
    walk = Walk().personal()
    walk.press("returned")
    walk.press("overseas")
    walk.type("日本").press(action="skip")
    walk.type("11/10")
    walk.press("yes")
    walk.press("add")
    walk.type(place)
    return walk


def test_an_unmatched_place_is_picked_level_by_level() -> None:
    walk = _at_pick("老家村口")
    assert walk.step == "spick"
    assert "420000" in dialog.options(walk.draft)  # the provinces first
    walk.press("420000")  # 湖北省: down to its cities
    assert "420100" in dialog.options(walk.draft)
    assert dialog.PICK_UP in dialog.options(walk.draft)
    walk.press("420100")
    walk.press(dialog.PICK_UP)  # back up to the cities of 湖北省
    assert "420100" in dialog.options(walk.draft)
    walk.press("420100")
    walk.press("420106")  # a district has nothing below: settled
    assert walk.step == "sstart"
    assert walk.draft.stay == {"place": "老家村口", "codes": ["420000", "420100", "420106"]}


def test_a_place_in_no_listed_division_is_kept_flagged_and_a_retyped_one_is_matched() -> None:
    walk = _at_pick("老家村口")
    walk.type("Wuhan")  # typed another way: matched after all
    assert walk.step == "smatch"
    assert "420100" in dialog.options(walk.draft)
    walk.press(dialog.KEEP_TYPED)  # none of these
    assert walk.step == "spick"
    walk.press(dialog.UNLISTED)
    assert walk.draft.stay == {"place": "Wuhan", "codes": []}


def test_a_pick_at_the_wrong_level_is_refused_and_the_draft_survives_storage() -> None:
    walk = _at_pick("老家村口")
    walk.press("420000")
    stored = Draft.from_data(walk.draft.to_data(), today=TODAY)
    assert stored == walk.draft
    refused = dialog.press(walk.draft, walk.draft.step, "pick", "310000", today=TODAY)
    assert refused.refusal == dialog.STALE  # 上海市 is not a city of 湖北省
    forged = {**walk.draft.to_data(), "stay": {"place": "x", "codes": [], "pick": "999999"}}
    with pytest.raises(dialog.DraftError):
        Draft.from_data(forged, today=TODAY)


@pytest.mark.parametrize("tr", [Translator(Language.ZH_CN), Translator(Language.EN)])
def test_the_pick_question_says_whether_matches_were_turned_down(tr: Translator) -> None:
    walk = _at_pick("南京南站")
    assert walk.step == "smatch"
    walk.press(dialog.KEEP_TYPED)  # none of these
    asked = question_text(tr, walk.draft)
    assert tr("declare-q-spick-declined", place="南京南站") in asked
    assert tr("declare-q-spick", place="南京南站") not in asked
    walk.type("老家村口")  # typed another way, and nothing matches it
    assert walk.step == "spick"
    assert tr("declare-q-spick", place="老家村口") in question_text(tr, walk.draft)
