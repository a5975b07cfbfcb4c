"""Places typed in the declaration dialog go through domain/place_match.py (issue 15, defect 1),
and region buttons read in English for English speakers (defect 9)."""

from __future__ import annotations

from datetime import date

from domain import declaration_dialog as dialog
from domain.declaration_steps import Step
from domain.declarations import Declaration, RiskLevel
from domain.org import Language
from domain.place_names import english_name
from domain.policy import DEFAULT_LOOKBACK_DAYS, Category, Policy, classify
from domain.risk_areas import RiskArea, RiskList, places_of
from tests.unit.test_declaration_dialog import TODAY, Walk
from texts.declaration_keyboards import plain_answer, question_keyboard
from texts.i18n import Translator

EN, ZH = Translator(Language.EN), Translator(Language.ZH_CN)


def declared_with_stays(*stays: tuple[str, str]) -> Declaration:
    """A declaration whose origin is typed in pinyin and whose stays are typed as given, each
    followed by a press on the expected division, which must be offered first."""
    walk = Walk().personal()
    walk.press("returned")
    walk.press("domestic")
    walk.type("Beijing Chaoyang")
    assert walk.draft.matches == ("110105",)
    walk.press("110105")
    walk.press(action="skip")  # no street
    for typed, code in stays:
        walk.press("add")
        walk.type(typed)
        assert walk.step == Step.SMATCH, typed
        assert walk.draft.matches[0] == code, (typed, walk.draft.matches)
        walk.press(code)
        walk.press(action="skip")  # start
        walk.press(action="skip")  # end
        walk.press("no")  # stayed there, not only passed through
    walk.press("done")
    walk.press("own_car")
    walk.type("11月20日")
    walk.press(action="skip")
    return walk.health().finish()


def test_stays_typed_in_pinyin_or_as_a_station_get_their_region() -> None:
    built = declared_with_stays(("Wuhan", "420100"), ("南京南站", "320100"))
    assert built.origin.region_codes == ("110000", "110105")  # type: ignore[union-attr]
    assert [stay.place for stay in built.stays] == ["Wuhan", "南京南站"]
    assert [stay.region_codes for stay in built.stays] == [
        ("420000", "420100"),
        ("320000", "320100"),
    ]


def test_a_stay_typed_in_pinyin_is_screened_as_its_chinese_name() -> None:
    risk = RiskList([RiskArea("420100", RiskLevel.HIGH, date(2026, 11, 1))])

    def screened(typed: str) -> tuple[object, ...]:
        built = declared_with_stays((typed, "420100"))
        facts = risk.facts(places_of(built, TODAY), TODAY, DEFAULT_LOOKBACK_DAYS)
        return facts, classify(built, facts, Policy())

    chinese = screened("湖北省武汉市")
    assert screened("Wuhan") == screened("wu han") == chinese
    facts, classification = chinese
    assert facts.level is RiskLevel.HIGH  # type: ignore[attr-defined]
    assert classification.category is Category.CENTRALISED_QUARANTINE  # type: ignore[attr-defined]


def labels(tr: Translator, draft: dialog.Draft) -> list[list[str]]:
    keyboard = question_keyboard(tr, draft, "d1")
    return [[button.text for button in row] for row in keyboard.inline_keyboard]


def at_step(step: Step, page: int = 0, **answers: str) -> dialog.Draft:
    answers = {"status": "returned", "origin": "domestic", **answers}
    return dialog.Draft(step=step, answers=answers, page=page)


def test_region_buttons_read_in_english_for_english_speakers() -> None:
    provinces = at_step(Step.PROV)
    assert labels(EN, provinces)[:3] == [
        ["Beijing", "Tianjin"],
        ["Hebei", "Shanxi"],
        ["Inner Mongolia", "Liaoning"],
    ]
    assert labels(ZH, provinces)[0] == ["北京市", "天津市", "河北省"]
    cities = at_step(Step.CITY, prov="420000")
    assert ["Wuhan", "Huangshi"] in labels(EN, cities)
    districts = at_step(Step.DIST, prov="420000", city="420100")
    assert labels(EN, districts)[0] == ["Jiang'an District", "Jianghan District"]
    assert labels(ZH, districts)[0] == ["江岸区", "江汉区", "硚口区"]
    shaanxi = at_step(Step.PROV, page=2)
    assert ["Shaanxi", "Gansu"] in labels(EN, shaanxi)  # not read as 山西's Shanxi
    assert plain_answer(EN, Step.PROV, "420000") == "Hubei"
    assert plain_answer(ZH, Step.PROV, "420000") == "湖北省"


def test_matches_read_in_english_with_the_units_above() -> None:
    walk = Walk()
    walk.draft = dialog.Draft(step=Step.SPLACE, answers={"status": "returned"})
    walk.type("Pudong, Shanghai")
    assert labels(EN, walk.draft)[0] == ["Pudong New Area, Shanghai"]
    assert labels(ZH, walk.draft)[0] == ["上海市浦东新区"]


def test_english_names_follow_one_rule() -> None:
    # Provinces and 市 cities by name alone; every other unit with its type; official
    # English names where they are not pinyin; apostrophes between syllables.
    assert [english_name(code) for code in ("420000", "420100", "110000", "450000")] == [
        "Hubei",
        "Wuhan",
        "Beijing",
        "Guangxi",
    ]
    assert english_name("429004") == "Xiantao City"
    assert english_name("422800") == "Enshi Autonomous Prefecture"
    assert english_name("310115") == "Pudong New Area"
    assert english_name("341500") == "Lu'an"
    assert english_name("810000") == "Hong Kong"
    assert english_name("211300") == "Chaoyang"  # 朝 read cháo, as places are
    assert english_name("310112") == "Minhang District"  # 行 read háng
    assert english_name("999999") == ""
