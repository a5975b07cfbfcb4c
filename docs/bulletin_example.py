"""Writes docs/stats-chart.png and prints the bulletin the README quotes: the week of the
end-to-end test (tests/e2e/test_bulletin.py, week 2) for 城关镇, in Chinese.

    python docs/bulletin_example.py
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

from domain.bulletin import build, last_full_week
from domain.org import Language, OrgTree, Unit, UnitKind
from domain.reports import UnitStatus
from domain.stats import ReportDay, compute
from texts.bulletin import bulletin_text
from texts.charts import trend_chart
from texts.i18n import Translator

S, L, M = UnitStatus.SUBMITTED, UnitStatus.LATE, UnitStatus.MISSING
TREE = OrgTree.of(
    [
        Unit("chengguan", "城关镇", UnitKind.TOWNSHIP),
        Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
        Unit("xiguan", "西关村", UnitKind.VILLAGE, "chengguan"),
        Unit("nanjie", "南街社区", UnitKind.COMMUNITY, "chengguan"),
        Unit("beijie", "北街社区", UnitKind.COMMUNITY, "chengguan"),
    ]
)
WEEKS = {
    "dongguan": [S] * 7,
    "xiguan": [S, S, M, S, S, S, S],
    "nanjie": [S, L, S, S, S, S, S],
    "beijie": [M] * 7,
}


def main() -> None:
    week = last_full_week(date(2026, 12, 7))
    records = [
        ReportDay(code, week.first + timedelta(days=n), status, late_minutes=10.0)
        for code, statuses in WEEKS.items()
        for n, status in enumerate(statuses)
    ]
    bulletin = build(compute(TREE, "chengguan", week, records))
    tr = Translator(Language.ZH_CN)
    out = Path(__file__).with_name("stats-chart.png")
    out.write_bytes(trend_chart(tr, bulletin.stats))
    print(re.sub(r"</?b>", "", bulletin_text(tr, bulletin)))


if __name__ == "__main__":
    main()
