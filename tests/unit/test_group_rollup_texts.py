"""The roll-up a supervisors group reads (issue 17 review): no free text of a report, only
which units wrote some, to be read in private; the private roll-up still quotes it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.org import Language, OrgTree, Unit, UnitKind
from domain.reports import DEFAULT_FORM, FiledReport, rollup
from tests.unit.test_report_texts import DAY, filed
from texts.i18n import Translator
from texts.report_figures import QUOTED_UNITS
from texts.reports import ReportTexts

ABNORMAL = "胡军已送发热门诊 13800138000"
REASON = "<已转走> 13900139000"


def _tree(villages: int) -> OrgTree:
    units = [Unit("xian", "示范县", UnitKind.OFFICE)]
    units += [Unit(f"v{n:02d}", f"第{n:02d}村", UnitKind.VILLAGE, "xian") for n in range(villages)]
    return OrgTree.of(units)


def _reports(count: int) -> list[FiledReport]:
    found = []
    for n in range(count):
        report = filed(f"v{n:02d}", zero=n % 2 == 1)
        if report.zero:
            report = replace(report, records={"fever_cases": 1}, zero_reason=REASON)
        else:
            report = replace(report, answers={**report.answers, "abnormal": ABNORMAL})
        found.append(report)
    return found


@pytest.mark.parametrize("language", list(Language))
def test_a_group_rollup_names_the_units_and_quotes_nothing(language: Language) -> None:
    tr = Translator(language)
    result = rollup(_tree(2), "xian", DAY, owing=["v00", "v01"], versions=_reports(2))
    [group] = ReportTexts().rollup(result, language, DEFAULT_FORM, group=True)
    for private in ("胡军", "13800138000", "13900139000", "已转走"):
        assert private not in group
    assert tr("rollup-notes-private", units="第00村" + tr("list-separator") + "第01村") in group
    assert "/status" in tr("rollup-notes-private", units="x")
    # In private the same roll-up quotes both.
    [private] = ReportTexts().rollup(result, language, DEFAULT_FORM)
    assert "胡军" in private
    assert "&lt;已转走&gt;" in private
    assert tr("rollup-notes-private", units="第00村") not in private


def test_many_units_with_free_text_are_named_then_counted() -> None:
    tr = Translator(Language.ZH_CN)
    count = QUOTED_UNITS + 5
    owing = [f"v{n:02d}" for n in range(count)]
    result = rollup(_tree(count), "xian", DAY, owing=owing, versions=_reports(count))
    [group] = ReportTexts().rollup(result, Language.ZH_CN, DEFAULT_FORM, group=True)
    names = tr("list-separator").join(f"第{n:02d}村" for n in range(QUOTED_UNITS))
    assert tr("rollup-notes-private-many", units=names, count=5) in group
    assert "胡军" not in group
