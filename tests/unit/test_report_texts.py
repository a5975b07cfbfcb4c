"""The daily report's texts: labels, refusals, confirmations, the group line and roll-ups."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.forms import FieldKind, FormField, FormSpec, Refusal
from domain.org import Language, OrgTree, Unit, UnitKind
from domain.reports import DEFAULT_FORM, Cutoff, FiledReport, rollup
from texts.i18n import Translator
from texts.messaging import TELEGRAM_TEXT_LIMIT
from texts.reports import (
    ReportTexts,
    cutoff_text,
    field_label,
    filed_confirmation,
    group_line,
    question,
    refusal_text,
    summary,
)

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
ZH = Translator(Language.ZH_CN)
EN = Translator(Language.EN)
TREE = OrgTree.of(
    [
        Unit("xian", "示范县", UnitKind.OFFICE),
        Unit("chengguan", "城关镇", UnitKind.TOWNSHIP, "xian"),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
        Unit("nanjie", "南街<社区>", UnitKind.COMMUNITY, "chengguan"),
    ]
)


def filed(
    unit: str = "dongguan",
    *,
    version: int = 1,
    zero: bool = False,
    late: bool = False,
    at: datetime = datetime(2026, 11, 23, 16, 5, tzinfo=ZONE),
) -> FiledReport:
    answers = {item.key: 0 for item in DEFAULT_FORM.fields} | {"abnormal": None}
    if not zero:
        answers |= {"returned": 3, "returned_risk": 1, "tests_done": 40}
    return FiledReport(unit, DAY, version, zero, answers, 2001, at, late)


def test_labels_come_from_configuration_then_the_catalog_then_the_key() -> None:
    custom = FormField(
        "vaccinated", FieldKind.COUNT, labels={"zh_CN": "接种人数", "en": "Vaccinated"}
    )
    bare = FormField("other_count", FieldKind.COUNT)
    form = FormSpec("unit_report", (*DEFAULT_FORM.fields, custom, bare))
    assert field_label(ZH, form, custom) == "接种人数"
    assert field_label(EN, form, custom) == "Vaccinated"
    assert field_label(EN, form, form.fields[0]) == "Newly returned people"
    assert field_label(ZH, form, bare) == "other_count"
    assert cutoff_text(EN, Cutoff.TODAY_08) == "as of 08:00 today"
    assert cutoff_text(ZH, Cutoff.YESTERDAY_24) == "截至昨日24时"


@pytest.mark.parametrize("language", list(Language))
def test_every_refusal_of_the_engine_renders(language: Language) -> None:
    tr = Translator(language)
    refusals = [
        Refusal("form-empty"),
        Refusal("form-negative"),
        Refusal("form-not-a-number"),
        Refusal("form-too-large", {"limit": 1_000_000}),
        Refusal("form-exceeds", {"other": "returned", "limit": 2}),
        Refusal("form-below-part", {"other": "returned_risk", "value": 2}),
        Refusal("form-too-long", {"limit": 1000, "length": 5000}),
        Refusal("form-not-a-choice"),
        Refusal("form-not-optional"),
        Refusal("form-invalid"),
    ]
    for refusal in refusals:
        text = refusal_text(tr, DEFAULT_FORM, refusal)
        assert "{" not in text
        assert text != refusal.key
    exceeds = refusal_text(tr, DEFAULT_FORM, refusals[4])
    assert tr("form-unit_report-returned") in exceeds
    assert '"returned"' not in exceeds


def test_a_configured_label_is_escaped_in_a_refusal() -> None:
    item = FormField("total", FieldKind.COUNT, labels={"en": "A & <B>"})
    part = FormField("part", FieldKind.COUNT, at_most="total", labels={"en": "part"})
    form = FormSpec("unit_report", (item, part))
    text = refusal_text(EN, form, Refusal("form-exceeds", {"other": "total", "limit": 1}))
    assert "A &amp; &lt;B&gt;" in text


def test_question_and_summary_show_the_day_and_cutoff() -> None:
    text = question(
        EN,
        DEFAULT_FORM,
        DEFAULT_FORM.fields[-1],
        {"returned": 0},
        unit="东关村",
        day=DAY,
        cutoff=Cutoff.TODAY_08,
        refusal=Refusal("form-too-long", {"limit": 1000, "length": 1200}),
    )
    lines = text.splitlines()
    assert lines[0] == EN("report-refused", reason=EN("form-too-long", limit=1000, length=1200))
    assert "2026-11-23" in lines[2]
    assert "as of 08:00 today" in lines[2]
    assert lines[3] == EN("report-question", number=7, total=7, question="Abnormal situations")
    assert lines[4] == EN("report-hint-text", limit=1000) + " " + EN("report-hint-optional")
    answers = dict(filed().answers) | {"abnormal": "停电<2小时>"}
    shown = summary(ZH, DEFAULT_FORM, answers, unit="东关村", day=DAY, cutoff=Cutoff.NOW)
    assert "异常情况：停电&lt;2小时&gt;" in shown
    assert "其中来自中高风险地区的人数：1" in shown


def test_confirmations_and_the_group_line() -> None:
    due = datetime(2026, 11, 23, 17, 0, tzinfo=ZONE)
    on_time = filed()
    assert filed_confirmation(ZH, on_time, unit="东关村", due=due, zone=ZONE) == (
        "✅ 东关村 2026-11-23 日报告已报送（16:05）。"
    )
    late = filed(late=True, zero=True, at=datetime(2026, 11, 24, 9, 30, tzinfo=ZONE))
    assert filed_confirmation(EN, late, unit="东关村", due=due, zone=ZONE).splitlines() == [
        "✅ Filed: zero report of 东关村 for 2026-11-23 (11-24 09:30).",
        EN("report-filed-late", due="17:00"),
    ]
    assert group_line(ZH, late, unit="东关村", filer="张三", zone=ZONE) == (
        "📨 东关村 零报告已由 张三 报送（11-24 09:30，迟报）"
    )
    correction = filed(version=3, late=True)
    assert group_line(EN, correction, unit="南街<社区>", filer="Zhang", zone=ZONE) == (
        "📨 南街&lt;社区&gt;: daily report filed by Zhang (16:05, correction, version 3)"
    )
    assert "40" not in group_line(ZH, correction, unit="东关村", filer="张三", zone=ZONE)


@pytest.mark.parametrize("language", list(Language))
def test_the_rollup_counts_names_and_totals(language: Language) -> None:
    tr = Translator(language)
    result = rollup(
        TREE,
        "xian",
        DAY,
        owing=["dongguan", "nanjie"],
        versions=[filed(), filed(version=2)],
    )
    [text] = ReportTexts().rollup(result, language, DEFAULT_FORM)
    lines = text.splitlines()
    assert lines[0] == tr("rollup-title", unit="示范县", day="2026-11-23")
    assert lines[1] == tr(
        "rollup-tally", expected=2, submitted=1, zero=0, late=0, excused=0, missing=1
    )
    assert tr("rollup-missing-line", parent="城关镇", units="南街<社区>") in lines
    assert "南街&lt;社区&gt;" in text
    assert tr("rollup-total-line", field=tr("form-unit_report-tests_done"), value=40) in lines
    assert tr("rollup-total-line", field=tr("form-unit_report-fever_cases"), value=0) in lines
    # "abnormal" is a text: never summed.
    assert tr("form-unit_report-abnormal") not in text


def test_a_day_with_everything_filed_says_so_and_has_no_missing_list() -> None:
    result = rollup(TREE, "chengguan", DAY, owing=["dongguan"], versions=[filed()])
    [text] = ReportTexts().rollup(result, Language.ZH_CN, DEFAULT_FORM)
    assert ZH("rollup-all-filed") in text
    assert ZH("rollup-missing-title") not in text


def _county(villages: int) -> OrgTree:
    units = [Unit("xian", "示范县", UnitKind.OFFICE)]
    units += [Unit(f"t{t}", f"第{t}镇", UnitKind.TOWNSHIP, "xian") for t in range(10)]
    units += [
        Unit(f"v{n:04d}", f"第{n:04d}村<委会>", UnitKind.VILLAGE, f"t{n % 10}")
        for n in range(villages)
    ]
    return OrgTree.of(units)


def test_a_thousand_missing_villages_are_counted_in_the_county_roll_up() -> None:
    tree = _county(1000)
    result = rollup(tree, "xian", DAY, owing=[f"v{n:04d}" for n in range(1000)], versions=[])
    # Pushed at the deadline, it points to /status; under /status, to its buttons.
    [pushed] = ReportTexts().rollup(result, Language.EN, DEFAULT_FORM)
    assert EN("rollup-missing-many-status", count=1000) in pushed
    [part] = ReportTexts().rollup(result, Language.EN, DEFAULT_FORM, buttons=True)
    assert EN("rollup-missing-many", count=1000) in part
    assert "村" not in part  # the villages are named a level down
    assert part.count("第") == 10  # the ten townships


def test_a_townships_missing_villages_are_all_named_split_never_cut() -> None:
    units = [
        Unit("xian", "示范县", UnitKind.OFFICE),
        Unit("t0", "第0镇", UnitKind.TOWNSHIP, "xian"),
    ]
    units += [Unit(f"v{n:04d}", f"第{n:04d}村<委会>", UnitKind.VILLAGE, "t0") for n in range(1000)]
    tree = OrgTree.of(units)
    result = rollup(tree, "t0", DAY, owing=[f"v{n:04d}" for n in range(1000)], versions=[])
    parts = ReportTexts().rollup(result, Language.EN, DEFAULT_FORM)
    assert len(parts) > 1
    assert all(len(part) <= TELEGRAM_TEXT_LIMIT for part in parts)
    joined = "".join(parts)
    for n in range(1000):
        assert f"第{n:04d}村&lt;委会&gt;" in joined
    # Each part is whole lines: no name is cut between two messages.
    assert all(part.endswith(("\n", ")", "&gt;")) for part in parts)
