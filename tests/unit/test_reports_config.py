"""The [reports] section: per-kind schedules, per-unit overrides, forms, and its errors."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from domain.forms import FieldKind
from domain.org import Unit, UnitKind
from domain.reports import DEFAULT_FORM, DEFAULT_REPORTING_KINDS, Cutoff, ReportPolicy


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path, environ={})


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    return str(caught.value)


def unit(kind: UnitKind, code: str = "u1") -> Unit:
    return Unit(code, code, kind)


SCHOOLS = """
[[escalation.named.schools]]
offset = "0"
target = "assignee"
message = "obligation-unit-report-late"
"""


def test_by_default_the_grassroots_kinds_report_every_day_at_five() -> None:
    policy = load_settings(None, environ={}).reports.policy()
    assert policy == ReportPolicy.default()
    assert set(policy.by_kind) == DEFAULT_REPORTING_KINDS
    schedule = policy.schedule_for(unit(UnitKind.VILLAGE))
    assert schedule is not None
    assert (schedule.deadline, schedule.days, schedule.skip_holidays, schedule.cutoff) == (
        time(17),
        frozenset(range(1, 8)),
        True,
        Cutoff.YESTERDAY_24,
    )
    assert schedule.form == DEFAULT_FORM
    assert schedule.chain is None
    assert policy.schedule_for(unit(UnitKind.TOWNSHIP)) is None
    assert policy.deadlines() == {time(17)}


def test_the_example_file_keeps_the_defaults() -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    assert load_settings(example, environ={}).reports.policy() == ReportPolicy.default()


def test_kinds_and_units_are_configured(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        SCHOOLS
        + """
[reports.school]
deadline = "12:00"
days = ["mon", "Tue", 3, "thu", 5]
skip_holidays = false
cutoff = "today_08"
chain = "schools"

[reports.enterprise]
reports = false

[reports.township]
deadline = 18:30:00

[reports.units.east]
deadline = "16:00"

[reports.units.little-school]
days = [6]

[reports.units.north]
reports = false
""",
    )
    policy = settings.reports.policy()
    school = policy.schedule_for(unit(UnitKind.SCHOOL))
    assert school is not None
    assert (school.deadline, school.days, school.skip_holidays, school.cutoff, school.chain) == (
        time(12),
        frozenset({1, 2, 3, 4, 5}),
        False,
        Cutoff.TODAY_08,
        "schools",
    )
    assert policy.schedule_for(unit(UnitKind.ENTERPRISE)) is None
    township = policy.schedule_for(unit(UnitKind.TOWNSHIP))
    assert township is not None
    assert township.deadline == time(18, 30)
    # A unit's keys go over its kind's: only the deadline changes for east...
    east = policy.schedule_for(unit(UnitKind.VILLAGE, "east"))
    assert east is not None
    assert (east.deadline, east.days) == (time(16), frozenset(range(1, 8)))
    # ...and only the days for a school, which keeps the schools' deadline and chain.
    little = policy.schedule_for(unit(UnitKind.SCHOOL, "little-school"))
    assert little is not None
    assert (little.deadline, little.days, little.chain) == (time(12), frozenset({6}), "schools")
    assert policy.schedule_for(unit(UnitKind.VILLAGE, "north")) is None
    assert policy.deadlines() == {time(12), time(16), time(17), time(18, 30)}


def test_a_form_replaces_the_default_one(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
[[reports.school.form]]
key = "returned"
[[reports.school.form]]
key = "returned_risk"
[[reports.school.form]]
key = "absent_sick"
kind = "count"
max_value = 5000
label_zh_CN = "因病缺课人数"
label_en = "Pupils absent through illness"
[[reports.school.form]]
key = "abnormal"
max_length = 300
[[reports.school.form]]
key = "canteen"
kind = "choice"
optional = true
choices = ["open", "closed"]
label_zh_CN = "食堂"
label_en = "Canteen"
""",
    )
    school = settings.reports.policy().schedule_for(unit(UnitKind.SCHOOL))
    assert school is not None
    fields = {f.key: f for f in school.form.fields}
    assert list(fields) == ["returned", "returned_risk", "absent_sick", "abnormal", "canteen"]
    # Default fields keep their attributes (and message keys: no labels).
    assert fields["returned_risk"] == DEFAULT_FORM.fields[1]
    assert (
        fields["abnormal"].kind,
        fields["abnormal"].optional,
        fields["abnormal"].max_length,
    ) == (
        FieldKind.TEXT,
        True,
        300,
    )
    assert dict(fields["absent_sick"].labels) == {
        "zh_CN": "因病缺课人数",
        "en": "Pupils absent through illness",
    }
    assert fields["absent_sick"].max_value == 5000
    assert fields["canteen"].choices == ("open", "closed")
    # Villages keep the default form.
    village = settings.reports.policy().schedule_for(unit(UnitKind.VILLAGE))
    assert village is not None
    assert village.form == DEFAULT_FORM


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[reports.village]\nchain = "schools"\n',
            "reports.village.chain: no chain 'schools' in [escalation.named] (named chains: "
            "none configured)",
        ),
        (
            SCHOOLS + '[reports.units.east]\nchain = "villages"\n',
            "reports.units.east.chain: no chain 'villages' in [escalation.named] (named "
            "chains: schools)",
        ),
        ('[reports.village]\ndeadline = "25:00"\n', "reports.village.deadline: '25:00' is not"),
        ("[reports.village]\ndays = [0]\n", "reports.village.days: 0 is not a weekday"),
        ('[reports.village]\ndays = ["someday"]\n', "reports.village.days: 'someday' is not"),
        ("[reports.village]\ndays = []\n", "reports.village.days: must be a non-empty list"),
        ('[reports.village]\ncutoff = "noon"\n', "reports.village.cutoff: Input should be"),
        ("[reports.village]\ncolour = 1\n", "reports.village.colour: unknown key"),
        ("[reports.hamlet]\ndeadline = '17:00'\n", "reports.hamlet: unknown key"),
        ("[reports.units.East]\n", "reports.units: 'East' is not a unit code"),
        (
            '[[reports.school.form]]\nkey = "absent"\nkind = "count"\nlabel_en = "Absent"\n',
            "reports.school.form: field 'absent' is not a field of the default form, so it "
            "needs label_zh_CN",
        ),
        (
            '[[reports.school.form]]\nkey = "returned_risk"\n',
            "reports.school.form: form 'unit_report', field 'returned_risk': at_most "
            "'returned' is not an earlier field",
        ),
        (
            '[[reports.school.form]]\nkey = "returned"\n'
            '[[reports.school.form]]\nkey = "returned"\n',
            "the key is used twice",
        ),
        (
            '[[reports.school.form]]\nkey = "returned"\n[[reports.school.form]]\n'
            'key = "mood"\nkind = "choice"\nchoices = ["good"]\nlabel_en = "Mood"\n'
            'label_zh_CN = "情绪"\n',
            "reports.school.form: fields that are not counts must be optional, or a zero "
            "report could never be filed: mood",
        ),
        (
            '[[reports.school.form]]\nkey = "returned"\nsize = 3\n',
            "reports.school.form.0.size: unknown key",
        ),
        (
            '[[reports.school.form]]\nkey = "x"\nkind = "number"\n'
            'label_en = "X"\nlabel_zh_CN = "X"\n',
            "reports.school.form.0.kind: Input should be 'count', 'text' or 'choice'",
        ),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    assert message in error_of(tmp_path, text)
