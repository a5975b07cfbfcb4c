"""Board edits (issue 17 review): a render identical to the text last written to its message
writes no edit (Telegram would refuse it anyway), and a posting missed is made up at the
deadline."""

from __future__ import annotations

from datetime import timedelta

from storage import Database, Repositories

from .test_report_boards import (
    COUNTY_SUPERVISORS,
    EAST_WORK,
    POST_JOB,
    ROLLUP_JOB,
    TOWN_WORK,
    ZH,
    calendar,
    latest,
    refresher,
    rows,
    seed_day,
    send_everything,
)
from .test_reports import FULL, LIAISON_EAST, MONDAY, local
from .test_reports import file as file_report


async def test_an_identical_render_writes_no_edit(database: Database) -> None:
    await seed_day(database)
    await calendar(database, local(MONDAY, 16)).run_now(POST_JOB)
    await send_everything(database)
    clock = [local(MONDAY, 16, 10)]
    boards = refresher(database, clock)
    # Marked stale with nothing changed (a filing of another day's unit, say): no edit.
    async with database.transaction() as session:
        assert await Repositories(session).boards.mark_dirty(MONDAY, ["town", "east"]) == 2
    assert await boards.run_due() == 0
    assert [row for row in await rows(database) if row.edit_message_id is not None] == []
    # A real change is still written, and the same change twice only once.
    clock[0] += timedelta(seconds=10)
    await file_report(database, LIAISON_EAST, "east", FULL, clock[0])
    assert await boards.run_due() == 3
    assert ZH("board-line-filed", unit="东关村") in latest(await rows(database), TOWN_WORK)
    clock[0] += timedelta(seconds=10)
    async with database.transaction() as session:
        await Repositories(session).boards.mark_dirty(MONDAY, ["town"])
    assert await boards.run_due() == 0


async def test_a_missed_posting_is_made_up_at_the_deadline(database: Database) -> None:
    await seed_day(database)
    await file_report(database, LIAISON_EAST, "east", FULL, local(MONDAY, 10))
    # The 16:00 posting never ran: the deadline posts the boards, closed once they are out.
    summary = await calendar(database, local(MONDAY, 17)).run_now(ROLLUP_JOB)
    assert summary["boards_closed"] == 3
    posts = [row for row in await rows(database) if row.dedupe_key.endswith(":post")]
    assert sorted(row.chat_id for row in posts) == sorted(
        [TOWN_WORK, COUNTY_SUPERVISORS, EAST_WORK]
    )
    await send_everything(database)
    assert await refresher(database, [local(MONDAY, 17, 1)]).run_due() == 3
    town = latest(await rows(database), TOWN_WORK)
    assert ZH("board-title-closed", unit="城关镇", day=MONDAY.isoformat()) in town
    assert ZH("board-line-missing", unit="西关村") in town
