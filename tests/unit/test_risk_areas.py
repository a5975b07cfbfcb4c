"""The risk-area list: screening places against it, and reading it from a CSV file."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import regions
from domain.declarations import RiskLevel
from domain.risk_areas import (
    DrasticLoad,
    Place,
    RiskArea,
    RiskList,
    drastic_load,
    fingerprint,
    pack_areas,
    unpack_areas,
)
from domain.risk_csv import MAX_FILE_BYTES, MAX_ROWS, CsvProblem, decode_csv, parse_csv

DAY = date(2026, 11, 20)
WUHAN, JIANGHAN, HONGSHAN = "420100", "420103", "420111"
CHAOYANG_BJ, HAIDIAN, BEIJING = "110105", "110108", "110000"


def area(
    code: str,
    level: RiskLevel = RiskLevel.HIGH,
    start: date = date(2026, 11, 1),
    end: date | None = None,
) -> RiskArea:
    return RiskArea(code, level, start, end)


def facts(
    areas: list[RiskArea], *places: Place, lookback: int = 14
) -> tuple[str, bool, tuple[str, ...]]:
    found = RiskList(areas).facts(places, DAY, lookback)
    return found.level.value, found.city_has_cases, found.matched


# --- Screening -------------------------------------------------------------------------------


def test_a_district_inside_a_listed_city_matches() -> None:
    assert facts([area(WUHAN)], Place(JIANGHAN)) == ("high", True, ("湖北省武汉市",))


def test_a_place_coarser_than_the_area_does_not_match_but_its_city_has_cases() -> None:
    assert facts([area(JIANGHAN, RiskLevel.MID)], Place(WUHAN)) == ("low", True, ())
    # Another district of the same city: not listed itself, but the city has cases.
    assert facts([area(JIANGHAN, RiskLevel.MID)], Place(HONGSHAN)) == ("low", True, ())


def test_municipality_districts_count_the_municipality_as_their_city() -> None:
    listed = [RiskArea(CHAOYANG_BJ, RiskLevel.MID, date(2026, 11, 1), name="北京朝阳")]
    assert facts(listed, Place(CHAOYANG_BJ)) == ("mid", True, ("北京朝阳",))
    assert facts(listed, Place(HAIDIAN)) == ("low", True, ())
    # Another province's district is not in Beijing.
    assert facts(listed, Place(JIANGHAN)) == ("low", False, ())


def test_the_worst_level_wins_and_each_label_is_named_once() -> None:
    listed = [area(WUHAN, RiskLevel.MID), area(JIANGHAN, RiskLevel.HIGH)]
    level, _, matched = facts(listed, Place(JIANGHAN), Place(JIANGHAN))
    assert level == "high"
    assert matched == ("湖北省武汉市", "湖北省武汉市江汉区")


def test_an_area_not_yet_or_no_longer_in_effect_does_not_match() -> None:
    later = area(JIANGHAN, start=date(2026, 11, 21))
    lifted = area(JIANGHAN, start=date(2026, 10, 1), end=date(2026, 11, 5))  # before the window
    assert facts([later], Place(JIANGHAN)) == ("low", False, ())
    assert facts([lifted], Place(JIANGHAN)) == ("low", False, ())
    # Lifted inside the window: a stay before the lifting still counts.
    lifted_late = area(JIANGHAN, start=date(2026, 10, 1), end=date(2026, 11, 10))
    stay = Place(JIANGHAN, date(2026, 11, 8), date(2026, 11, 9))
    assert facts([lifted_late], stay)[0] == "high"
    after = Place(JIANGHAN, date(2026, 11, 11), date(2026, 11, 15))
    assert facts([lifted_late], after)[0] == "low"


def test_the_look_back_window_is_respected() -> None:
    listed = [area(JIANGHAN, start=date(2026, 1, 1))]
    old_stay = Place(JIANGHAN, date(2026, 10, 1), date(2026, 11, 5))  # ended 15 days ago
    assert facts(listed, old_stay, lookback=14) == ("low", False, ())
    assert facts(listed, old_stay, lookback=15)[0] == "high"
    future = Place(JIANGHAN, date(2026, 11, 21), date(2026, 11, 25))
    assert facts(listed, future) == ("low", False, ())


def test_unknown_codes_are_harmless() -> None:
    listed = [area("999999"), area(JIANGHAN, RiskLevel.MID)]
    assert facts(listed, Place("999999")) == ("low", False, ())
    assert facts(listed, Place("abc")) == ("low", False, ())
    assert facts(listed, Place(JIANGHAN))[0] == "mid"


def test_place_round_trips_through_its_json_shape() -> None:
    place = Place(JIANGHAN, date(2026, 11, 1), None)
    assert Place.from_data(place.to_data()) == place


# --- CSV -------------------------------------------------------------------------------------

HEADER = "region,level,effective_from,effective_to\n"


def problems(text: str) -> list[tuple[int, str]]:
    parsed = parse_csv(text)
    assert parsed.areas == ()  # nothing is loaded when anything is wrong
    return [(problem.line, problem.key) for problem in parsed.problems]


def test_codes_and_names_in_english_columns() -> None:
    parsed = parse_csv(
        HEADER
        + "110105,high,2026-11-01,\n湖北省武汉市,mid,2026-11-02,2026-11-30\n长沙市,MID,2026-11-03\n"
    )
    assert parsed.ok
    assert parsed.areas == (
        RiskArea("110105", RiskLevel.HIGH, date(2026, 11, 1), None, "北京市朝阳区"),
        RiskArea(WUHAN, RiskLevel.MID, date(2026, 11, 2), date(2026, 11, 30), "湖北省武汉市"),
        # 长沙市 is a full name: 长沙县 (short name 长沙) does not make it ambiguous.
        RiskArea("430100", RiskLevel.MID, date(2026, 11, 3), None, "湖南省长沙市"),
    )


def test_chinese_header_tabs_bom_and_chinese_levels() -> None:
    text = (
        "\ufeff风险等级\t地区\t生效日期\t截止日期\r\n"
        "高\t北京朝阳\t2026-11-01\t\r\n"
        "\r\n"
        "中风险\t湖北武汉\t2026-11-02\t2026-11-09\r\n"
    )
    parsed = parse_csv(text)
    assert [(a.region_code, a.level) for a in parsed.areas] == [
        (CHAOYANG_BJ, RiskLevel.HIGH),
        (WUHAN, RiskLevel.MID),
    ]
    assert decode_csv(text.encode()) == text.removeprefix("\ufeff")  # the BOM goes


def test_control_characters_leave_the_file_before_it_is_read() -> None:
    text = decode_csv("region,level,effective_from\n北京市\x00朝阳区,高,2026-11-20\n".encode())
    assert isinstance(text, str)
    assert [a.region_code for a in parse_csv(text).areas] == [CHAOYANG_BJ]


def test_a_header_alone_is_an_empty_list() -> None:
    assert parse_csv("地区,风险等级,生效日期\n") == parse_csv(HEADER)
    assert parse_csv(HEADER).ok
    assert parse_csv(HEADER).areas == ()


def test_every_problem_is_reported_with_its_line() -> None:
    text = (
        HEADER
        + "朝阳区,high,2026-11-01\n"  # 2: two districts are called 朝阳区
        + "999999,mid,2026-11-01\n"  # 3: no such code
        + "火星市,mid,2026-11-01\n"  # 4: no such name
        + "110105,low,2026-11-01\n"  # 5: low is not listed
        + "110108,severe,2026/11/01\n"  # 6: bad level and bad date
        + ",,\n"  # blank: skipped
        + "420103,high,,\n"  # 8: missing start
        + "420111,high,2026-11-10,2026-11-01\n"  # 9: ends before it starts
        + "420100,high,2026-02-30\n"  # 10: no such day
        + "110101,mid,2026-11-01,,extra\n"  # 11: too many fields
        + "110102,high,2026-11-01,2026-11-10\n"  # 12
        + "北京市西城区,mid,2026-11-10,\n"  # 13: same region, overlapping 12
        + "110102,mid,2026-11-11,\n"  # 14: same region after 12: fine, but overlaps 13
        + ",high,2026-11-01\n"  # 15: region missing
        + "110106,,2026-11-01\n"  # 16: level missing
    )
    assert problems(text) == [
        (2, "risk-csv-ambiguous"),
        (3, "risk-csv-unknown-code"),
        (4, "risk-csv-no-region"),
        (5, "risk-csv-low-level"),
        (6, "risk-csv-bad-level"),
        (6, "risk-csv-bad-date"),
        (8, "risk-csv-date-missing"),
        (9, "risk-csv-date-order"),
        (10, "risk-csv-bad-date"),
        (11, "risk-csv-extra-fields"),
        (13, "risk-csv-overlap"),
        (14, "risk-csv-overlap"),
        (15, "risk-csv-region-missing"),
        (16, "risk-csv-level-missing"),
    ]


def test_an_ambiguous_name_lists_its_candidates() -> None:
    (problem,) = parse_csv(HEADER + "朝阳区,high,2026-11-01\n").problems
    assert problem.params["candidates"] == "北京市朝阳区 110105; 吉林省长春市朝阳区 220104"
    (problem,) = parse_csv(HEADER + "长沙,high,2026-11-01\n").problems
    assert problem.key == "risk-csv-ambiguous"
    assert "湖南省长沙市长沙县 430121" in str(problem.params["candidates"])


def test_the_same_region_may_be_listed_for_separate_periods() -> None:
    parsed = parse_csv(HEADER + "110102,mid,2026-11-01,2026-11-10\n110102,high,2026-11-11,\n")
    assert [a.level for a in parsed.areas] == [RiskLevel.MID, RiskLevel.HIGH]
    overlap = parse_csv(HEADER + "110102,mid,2026-11-01,\n110102,high,2026-12-01,\n")
    assert [(p.line, p.key, p.params["other_line"]) for p in overlap.problems] == [
        (3, "risk-csv-overlap", 2)
    ]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "risk-csv-empty"),
        ("\n  \n", "risk-csv-empty"),
        ("region,level\n", "risk-csv-missing-column"),
        ("region,level,effective_from,colour\n", "risk-csv-unknown-column"),
        ("region,地区,level,effective_from\n", "risk-csv-duplicate-column"),
    ],
)
def test_header_problems(text: str, key: str) -> None:
    assert [p.key for p in parse_csv(text).problems] == [key]


def test_limits() -> None:
    rows = "".join("110105,mid,2026-11-01,\n" for _ in range(MAX_ROWS + 1))
    (problem,) = parse_csv(HEADER + rows).problems
    assert (problem.key, problem.params["rows"]) == ("risk-csv-too-many-rows", MAX_ROWS + 1)
    assert decode_csv(b"x" * (MAX_FILE_BYTES + 1)) == CsvProblem(
        0, "risk-csv-too-large", {"limit_kb": MAX_FILE_BYTES // 1024}
    )
    assert decode_csv("地区".encode("gbk")) == CsvProblem(0, "risk-csv-not-utf8")
    long_name = "区" * 500
    assert problems(HEADER + f"{long_name},mid,2026-11-01\n") == [(2, "risk-csv-no-region")]


def test_a_list_at_the_row_limit_is_read() -> None:
    # Distinct regions with codes: no name matching, so this stays fast.
    codes = ["110105", "110108", "420103", "420111"]
    rows = "".join(
        f"{codes[i % 4]},mid,{date.fromordinal(date(2020, 1, 1).toordinal() + i)},"
        f"{date.fromordinal(date(2020, 1, 1).toordinal() + i)}\n"
        for i in range(MAX_ROWS)
    )
    assert len(parse_csv(HEADER + rows).areas) == MAX_ROWS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_areas_or_problems_never_an_exception(text: str) -> None:
    parsed = parse_csv(HEADER + text)
    assert parsed.ok or parsed.areas == ()
    assert all(problem.key.startswith("risk-csv-") for problem in parsed.problems)
    assert all(area.level is not RiskLevel.LOW for area in parsed.areas)


# --- Replacing the list ----------------------------------------------------------------------

FOUR = [area(WUHAN), area(JIANGHAN, RiskLevel.MID), area(CHAOYANG_BJ), area(HAIDIAN)]
TODAY = date(2026, 11, 23)


def drastic(stored: list[RiskArea], new: list[RiskArea]) -> DrasticLoad | None:
    """What `drastic_load` says today, without the stored list's fingerprint."""
    found = drastic_load(stored, new, TODAY)
    return None if found is None else DrasticLoad(found.key, found.lifted, found.listed)


def test_an_empty_list_asks_first() -> None:
    asked = drastic_load(FOUR, [], TODAY)
    assert asked == DrasticLoad("risk-confirm-empty", 4, 4, fingerprint(FOUR))
    assert asked.params == {"lifted": 4, "listed": 4}
    # Even when nothing is listed now: an empty file is more likely a mistake than a list.
    assert drastic([], []) == DrasticLoad("risk-confirm-empty-none", 0, 0)


def test_lifting_exactly_half_goes_ahead() -> None:
    kept = [area(WUHAN, RiskLevel.MID), area(JIANGHAN, RiskLevel.HIGH, end=date(2026, 12, 1))]
    assert drastic(FOUR, kept) is None  # 2 of 4 lifted; the kept ones changed level/dates
    assert drastic(FOUR, [*kept, area(HONGSHAN), area(BEIJING)]) is None
    assert drastic(FOUR[:3], FOUR[1:3]) is None  # 1 of 3


def test_lifting_more_than_half_asks_first() -> None:
    assert drastic(FOUR, [area(WUHAN)]) == DrasticLoad("risk-confirm-lifts", 3, 4)
    # Adding other areas does not make up for lifting most of those listed.
    added = [area(WUHAN), area(HONGSHAN), area(BEIJING), area("420102"), area("420104")]
    assert drastic(FOUR, added) == DrasticLoad("risk-confirm-lifts", 3, 4)
    assert drastic(FOUR[:3], FOUR[2:3]) == DrasticLoad("risk-confirm-lifts", 2, 3)


def test_regions_are_counted_by_code_not_by_entry() -> None:
    # JIANGHAN listed for two periods is one region; keeping it for one period keeps it.
    stored = [
        area(JIANGHAN, start=date(2026, 10, 1), end=date(2026, 10, 20)),
        area(JIANGHAN, start=date(2026, 11, 1)),
        area(WUHAN),
    ]
    assert drastic(stored, [area(JIANGHAN)]) is None  # 1 of 2 regions
    assert drastic(stored, [area(HONGSHAN)]) == DrasticLoad("risk-confirm-lifts", 2, 2)


def test_a_first_load_goes_ahead() -> None:
    assert drastic([], [area(WUHAN)]) is None
    assert drastic([], FOUR) is None


def test_entries_that_have_ended_are_not_counted_as_listed() -> None:
    ended = area(HAIDIAN, start=date(2026, 10, 1), end=date(2026, 11, 22))
    ending_today = area(HONGSHAN, start=date(2026, 10, 1), end=TODAY)
    stored = [area(WUHAN), ended, ending_today]
    # HAIDIAN's listing is over: only WUHAN and HONGSHAN are listed, and one of two is kept.
    assert drastic(stored, [area(WUHAN)]) is None
    assert drastic(stored, [area(JIANGHAN)]) == DrasticLoad("risk-confirm-lifts", 2, 2)
    assert drastic([ended], []) == DrasticLoad("risk-confirm-empty-none", 0, 0)


def test_a_confirmation_names_the_stored_list_it_was_worked_out_against() -> None:
    first = drastic_load(FOUR, [], TODAY)
    second = drastic_load(FOUR[:3], [], TODAY)
    assert first is not None
    assert second is not None
    assert first.stored != second.stored


def test_a_pending_list_round_trips_and_has_a_fingerprint() -> None:
    listed = [
        RiskArea(code, level, start, end, regions.full_name(code))
        for code, level, start, end in (
            (CHAOYANG_BJ, RiskLevel.HIGH, date(2026, 11, 20), None),
            (WUHAN, RiskLevel.MID, date(2026, 11, 1), date(2026, 11, 30)),
        )
    ]
    packed = pack_areas(listed)
    assert packed == ["110105,high,2026-11-20,", "420100,mid,2026-11-01,2026-11-30"]
    assert unpack_areas(packed) == tuple(listed)
    assert unpack_areas([]) == ()
    assert len(fingerprint(listed)) == 16
    assert fingerprint(unpack_areas(packed)) == fingerprint(listed)
    other = [listed[0], RiskArea(WUHAN, RiskLevel.HIGH, date(2026, 11, 1), date(2026, 11, 30))]
    assert fingerprint(other) != fingerprint(listed)
    assert fingerprint([]) != fingerprint(listed)
    for bad, why in (
        ("110105,high", "not enough values"),
        ("999999,high,2026-11-20,", "unknown region code"),
        ("110105,low,2026-11-20,", "low-risk"),
        ("110105,extreme,2026-11-20,", "not a valid RiskLevel"),
    ):
        with pytest.raises(ValueError, match=why):
            unpack_areas([bad])
