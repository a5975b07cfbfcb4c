"""Who the case_handling chain reaches, over a real database: one rule for who hears of a
case (domain.recipients.case_staff), the one the case's alerts go by. A unit with a liaison
and no deputy, and a tracker of its residents: the first step reaches the tracker as well,
and with the liaison away the tracker (and a deputy, as the liaison's cover) still hear of
it, so the step never reaches nobody while someone would have had the alert."""

from __future__ import annotations

from datetime import timedelta

from domain.cases import handling_obligation
from domain.recipients import case_recipients
from services.obligations import load_directory
from services.org import load_org_file
from storage import Database, Repositories
from tests.engine.conftest import ADMIN, DUE, MONDAY, TOWNSHIP_HEAD, Engine, outbox
from tests.orgs import COUNTY_SUPERVISOR, COUNTY_TREE, Member, org_toml

LIAISON, DEPUTY, TRACKER = 30, 31, 32
UNHANDLED = "obligation-case-unhandled"
ESCALATE = "obligation-case-escalate"
MEMBERS = [
    COUNTY_SUPERVISOR,
    Member(TOWNSHIP_HEAD, "李镇长", "town", "supervisor"),
    Member(LIAISON, "刘联络", "west", "liaison"),
    Member(TRACKER, "吴网格员", "west", "tracker"),
]


async def clock_over(database: Database, *, deputy: bool = False, away: bool = False) -> Engine:
    """An engine over 西关村 (a liaison, a tracker, a deputy only when asked), the liaison
    away on the day when asked, and a declaration's handling owed by DUE."""
    clock = Engine(database)
    members = [*MEMBERS, Member(DEPUTY, "陈副联络", "west", "deputy")] if deputy else MEMBERS
    async with database.transaction() as session:
        repos = Repositories(session)
        await load_org_file(repos, org_toml(COUNTY_TREE, members), now=clock.now)
        if away:
            await repos.absences.set(LIAISON, MONDAY, now=clock.now)
    await clock.open(handling_obligation(7, "west", DUE))
    return clock


async def first_step(clock: Engine) -> list[tuple[int, str]]:
    """(chat, text) of what the chain's first step sent, at the deadline."""
    assert await clock.at(DUE + timedelta(seconds=1)) == 1
    return await outbox(clock.database)


async def alerted(database: Database) -> set[int]:
    """Who a case of 西关村 alerts today, without the supervisors (the unit's own people)."""
    async with database.session() as session:
        directory = await load_directory(Repositories(session), MONDAY)
    return set(case_recipients(directory, "west", MONDAY, chain=False))


async def test_the_first_step_reaches_the_tracker_who_had_the_alert(database: Database) -> None:
    clock = await clock_over(database)
    sent = await first_step(clock)
    # The liaison and the tracker, each naming both as answering for it.
    assert sent == [
        (LIAISON, f"{UNHANDLED}|西关村|刘联络,吴网格员"),
        (TRACKER, f"{UNHANDLED}|西关村|刘联络,吴网格员"),
    ]
    assert {chat for chat, _ in sent} == await alerted(database)
    # Then the township, as before.
    assert await clock.at(DUE + timedelta(minutes=30, seconds=1)) == 1
    assert (await outbox(database))[-1][0] == TOWNSHIP_HEAD


async def test_with_the_liaison_away_and_no_deputy_the_tracker_still_hears(
    database: Database,
) -> None:
    clock = await clock_over(database, away=True)
    sent = await first_step(clock)
    # Not "reached nobody" to the admins: the tracker, named as the one answering for it.
    assert sent == [(TRACKER, f"{UNHANDLED}|西关村|吴网格员")]
    assert ADMIN not in {chat for chat, _ in sent}
    assert {chat for chat, _ in sent} == await alerted(database)
    # The township's step names who is there, not the away liaison.
    await clock.at(DUE + timedelta(minutes=30, seconds=1))
    assert (await outbox(database))[-1] == (TOWNSHIP_HEAD, f"{ESCALATE}|西关村|吴网格员")


async def test_with_the_liaison_away_the_deputy_covers_beside_the_tracker(
    database: Database,
) -> None:
    clock = await clock_over(database, deputy=True, away=True)
    sent = await first_step(clock)
    assert sent == [
        (DEPUTY, f"{UNHANDLED}|西关村|陈副联络,吴网格员|for:{LIAISON}"),
        (TRACKER, f"{UNHANDLED}|西关村|陈副联络,吴网格员"),
    ]
    assert {chat for chat, _ in sent} == await alerted(database)
