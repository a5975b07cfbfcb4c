import pytest

from domain.org import GroupPurpose, OrgTree, Role, Unit, UnitKind
from domain.orgfile import OrgFileError, parse_org_file

GOOD = """
[[unit]]
code = "xian"
name = "示范县疫情防控办公室"
kind = "office"

[[unit]]
code = "dongguan"
name = "东关村"
kind = "village"
parent = "chengguan"   # defined below: order in the file does not matter

[[unit]]
code = "chengguan"
name = "城关镇"
kind = "township"
parent = "xian"

[[member]]
telegram_id = 1001
name = "王主任"
unit = "xian"
role = "supervisor"

[[member]]
telegram_id = 2001
name = "Zhang"
unit = "dongguan"
role = "liaison"
language = "en"

[[group]]
chat_id = -100123
title = "东关村居民群"
unit = "dongguan"
purpose = "residents"
"""


def problems(text: str, existing: OrgTree | None = None) -> list[str]:
    with pytest.raises(OrgFileError) as caught:
        parse_org_file(text, existing)
    return [str(p) for p in caught.value.problems]


def test_a_good_file_is_parsed_completely() -> None:
    plan = parse_org_file(GOOD)
    assert [u.code for u in plan.units] == ["xian", "dongguan", "chengguan"]
    assert plan.units[1].parent_code == "chengguan"
    assert [(a.telegram_id, a.role) for a in plan.assignments] == [
        (1001, Role.SUPERVISOR),
        (2001, Role.LIAISON),
    ]
    assert plan.people[1].language.value == "en"
    assert plan.groups[0].purpose is GroupPurpose.RESIDENTS


def test_unknown_parent_names_its_line() -> None:
    text = '[[unit]]\ncode = "a"\nname = "A"\nkind = "office"\nparent = "ghost"\n'
    assert problems(text) == ["line 5: unit 'a' has unknown parent 'ghost'"]


def test_parent_may_already_be_stored() -> None:
    existing = OrgTree.of([Unit("xian", "县", UnitKind.OFFICE)])
    text = '[[unit]]\ncode = "a"\nname = "A"\nkind = "township"\nparent = "xian"\n'
    assert parse_org_file(text, existing).units[0].parent_code == "xian"


def test_cycles_are_rejected() -> None:
    text = (
        '[[unit]]\ncode = "a"\nname = "A"\nkind = "office"\nparent = "b"\n'
        '[[unit]]\ncode = "b"\nname = "B"\nkind = "office"\nparent = "a"\n'
    )
    found = problems(text)
    assert "line 5: unit 'a' is part of a cycle" in found
    assert "line 10: unit 'b' is part of a cycle" in found


def test_a_cycle_through_a_stored_unit_is_rejected() -> None:
    existing = OrgTree.of([Unit("a", "A", UnitKind.OFFICE), Unit("b", "B", UnitKind.TOWNSHIP, "a")])
    text = '[[unit]]\ncode = "a"\nname = "A"\nkind = "office"\nparent = "b"\n'
    assert problems(text, existing) == ["line 5: unit 'a' is part of a cycle"]


def test_duplicate_codes_name_both_lines() -> None:
    text = (
        '[[unit]]\ncode = "a"\nname = "A"\nkind = "office"\n\n'
        '[[unit]]\ncode = "a"\nname = "A2"\nkind = "office"\n'
    )
    assert problems(text) == ["line 7: duplicate unit code 'a' (first at line 1)"]


def test_unknown_role_kind_and_key_are_rejected_with_lines() -> None:
    text = (
        '[[unit]]\ncode = "a"\nname = "A"\nkind = "castle"\n'
        '[[member]]\ntelegram_id = 1\nname = "X"\nunit = "a"\nrole = "king"\ncolour = "red"\n'
    )
    found = problems(text)
    assert any(p.startswith("line 4: unknown kind 'castle'") for p in found)
    assert any(p.startswith("line 9: unknown role 'king'") for p in found)
    assert "line 10: unknown key 'colour' in [[member]]" in found


def test_member_of_unknown_unit_and_missing_fields() -> None:
    text = '[[member]]\ntelegram_id = 5\nunit = "nowhere"\nrole = "liaison"\n'
    found = problems(text)
    assert "line 1: [[member]] is missing 'name'" in found
    assert "line 3: unknown unit 'nowhere'" in found


def test_bad_code_and_syntax_errors() -> None:
    assert problems('[[unit]]\ncode = "Bad Code!"\nname = "A"\nkind = "office"\n') == [
        "line 2: code 'Bad Code!' must be 1-40 lower-case letters, digits, '-' or '_'"
    ]
    assert problems("[[unit]\ncode=")[0].startswith("not valid TOML")
    assert problems("[[units]]\ncode = 'a'\n")[0] == (
        "line 1: unknown table [[units]] (expected unit, member or group)"
    )


def test_wrong_types_are_named() -> None:
    text = '[[unit]]\ncode = "a"\nname = 7\nkind = "office"\n'
    assert problems(text) == ["line 3: 'name' must be a non-empty str"]


def test_duplicate_group_chat_ids_name_both_lines() -> None:
    text = (
        '[[unit]]\ncode = "a"\nname = "A"\nkind = "office"\n'
        '[[group]]\nchat_id = -5\ntitle = "G"\nunit = "a"\npurpose = "work"\n'
        '[[group]]\nchat_id = -5\ntitle = "G"\nunit = "a"\npurpose = "residents"\n'
    )
    assert problems(text) == ["line 11: duplicate group chat_id -5 (first at line 5)"]


def test_lengths_and_blank_names_are_checked() -> None:
    text = (
        f'[[unit]]\ncode = "a"\nname = "{"长" * 201}"\nkind = "office"\n'
        '[[unit]]\ncode = "b"\nname = "   "\nkind = "office"\n'
        '[[member]]\ntelegram_id = 1\nname = "X"\nunit = "a"\nrole = "liaison"\n'
        f'phone = "{"1" * 40}"\n'
    )
    found = problems(text)
    assert "line 3: 'name' is longer than 200 characters" in found
    assert "line 7: 'name' must be a non-empty str" in found
    assert "line 14: 'phone' must be a number of at most 32 characters" in found
