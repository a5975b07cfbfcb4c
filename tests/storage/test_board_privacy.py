"""No free text of a report in a group (issue 17 review): an abnormal situation or a zero
report's reason may name a resident's health or a phone number, so the boards, the roll-up in
the supervisors group and the work group's filed lines name only the units that wrote some;
the text itself is read in private (the supervisors' alert, /status UNIT)."""

from __future__ import annotations

from domain.org import Language
from domain.report_records import UnitRecords
from services.reports import ReportService
from storage import Database, Repositories
from texts.reports import ReportTexts

from .test_report_boards import (
    COUNTY_SUPERVISORS,
    LIAISON_WEST,
    POST_JOB,
    ROLLUP_JOB,
    ZH,
    calendar,
    rows,
    seed_day,
    send_everything,
)
from .test_reports import FULL, LIAISON_EAST, MONDAY, POLICY, ZONE, local

ABNORMAL = "胡军已送发热门诊，家属电话13800138000"
REASON = "发热者胡军已转走，电话13900139000"


async def test_no_free_text_of_a_report_reaches_a_group(database: Database) -> None:
    await seed_day(database)
    service = ReportService(POLICY, ZONE, ReportTexts(), Language.ZH_CN)
    async with database.transaction() as session:
        repos = Repositories(session)
        east = await repos.org.get_unit("east")
        west = await repos.org.get_unit("west")
        assert east is not None
        assert west is not None
        await service.file(
            repos, LIAISON_EAST, east, MONDAY, {**FULL, "abnormal": ABNORMAL}, now=local(MONDAY, 9)
        )
        # A zero report against the records, with its reason.
        await service.file(
            repos,
            LIAISON_WEST,
            west,
            MONDAY,
            None,
            now=local(MONDAY, 9, 30),
            records=UnitRecords({"fever_cases": 1}),
            zero_reason=REASON,
        )
    await calendar(database, local(MONDAY, 16)).run_now(POST_JOB)
    await send_everything(database)
    await calendar(database, local(MONDAY, 17)).run_now(ROLLUP_JOB)
    every = await rows(database, "")
    groups = [row for row in every if row.chat_id < 0]
    # Boards, closing edits, the roll-up and the filed lines all went to groups...
    assert {row.dedupe_key.split(":")[0] for row in groups} >= {"board"}
    assert any(row.dedupe_key.endswith(":rollup:1") for row in groups)
    assert any("东关村" in row.text and "已由" in row.text for row in groups)  # filed line
    for row in groups:
        for private in ("胡军", "13800138000", "13900139000", "发热门诊"):
            assert private not in row.text, (row.dedupe_key, row.text)
    # ...and the roll-up says which units wrote free text, to be read in private.
    [rollup] = [row for row in groups if row.dedupe_key.endswith(":rollup:1")]
    assert rollup.chat_id == COUNTY_SUPERVISORS
    assert ZH("rollup-notes-private", units="东关村、西关村") in rollup.text
    assert ZH("rollup-abnormal-title") not in rollup.text
    assert ZH("rollup-zero-reason-title") not in rollup.text
    # The text itself went to the supervisors privately.
    assert any(ABNORMAL in row.text for row in every if row.chat_id > 0)
