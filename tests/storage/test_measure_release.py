"""A measure ended early on the declaration: marked once, its follow-up excused in one
statement, and left out of re-screening and of the periods whose end is announced (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.cases import MeasureRelease
from domain.declaration_json import declaration_to_dict
from domain.obligations import Obligation, ObligationKind, ObligationState
from storage import Repositories
from tests.declaration_rows import monitoring_row
from tests.handlers.test_cases import FEVER

AT = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
START = date(2026, 11, 19)


async def _declaration(repos: Repositories, *, days: int = 14, category: str = "") -> int:
    row = monitoring_row(
        unit_code="dongguan",
        resident=None,
        filed_by=2001,
        at=AT,
        start=START,
        answers=declaration_to_dict(FEVER),
    )
    row.measure = {"days": days, "checkins": True}
    if category:
        row.category = category
    repos.session.add(row)
    await repos.session.flush()
    return int(row.id)


async def test_release_marks_once_and_excuses_every_open_obligation(org: Repositories) -> None:
    repos = org
    declaration = await _declaration(repos)
    other = await _declaration(repos)
    due = AT + timedelta(hours=10)
    for subject in (f"declaration:{declaration}", f"declaration:{other}"):
        await repos.obligations.open_many(
            [
                Obligation(ObligationKind.HEALTH_CHECKIN, subject, "2026-11-20", 2001, "x", due),
                Obligation(ObligationKind.TEST_DUE, subject, "2026-11-21", 2001, "x", due),
                Obligation(ObligationKind.CASE_HANDLING, subject, "handling", "x", "x", due),
            ],
            now=AT,
        )
    release = MeasureRelease(2001, AT, "复核排除")
    assert await repos.declarations.release(declaration, release)
    assert not await repos.declarations.release(declaration, release)
    assert len(await repos.declarations.excuse_open(declaration, "measure ended early", at=AT)) == 3
    assert await repos.declarations.excuse_open(declaration, "measure ended early", at=AT) == []
    stored = await repos.declarations.get(declaration)
    assert stored is not None
    assert stored.release == release
    untouched = await repos.obligations.get(
        Obligation(
            ObligationKind.TEST_DUE, f"declaration:{other}", "2026-11-21", 2001, "x", due
        ).key
    )
    assert untouched is not None
    assert untouched.state is ObligationState.OPEN
    # Neither re-screened nor announced by date any more.
    screened = {row.id for row in await repos.declarations.for_screening(START)}
    assert screened == {other}
    periods = await repos.declarations.periods_since(START)
    assert [(p.id, p.end) for p in periods] == [(other, START + timedelta(days=14))]


async def test_periods_leave_out_registrations_and_superseded(org: Repositories) -> None:
    repos = org
    await _declaration(repos, days=0, category="registration_only")
    old = await _declaration(repos)
    new = await _declaration(repos, days=7)
    await repos.declarations.supersede(old, new)
    periods = await repos.declarations.periods_since(START)
    assert [(p.id, p.end) for p in periods] == [(new, START + timedelta(days=7))]
