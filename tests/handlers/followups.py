"""What the check-in and test-result handler tests share: an organisation with a tracker and
residents in dongguan, a monitored resident's follow-up obligation, and what to look at."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.methods import AnswerCallbackQuery

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK
from domain.obligations import Obligation, ObligationKind, ObligationState
from scheduler.engine import ObligationEngine
from services import obligations
from services.org import load_org_file
from storage import Repositories
from tests.declaration_rows import monitoring_row
from tests.handlers.conftest import Harness
from tests.orgs import NANJIE, Member, org_toml
from texts.obligations import ObligationTexts

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 23)
DUE = datetime(2026, 11, 23, 20, 0, tzinfo=ZONE)
MORNING = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
ESCALATION = obligations.EscalationPolicy(DEFAULT_CHAIN_BOOK, WorkCalendar.of(ZONE))
LIAISON, TRACKER, RESIDENT, OTHER, STRANGER = 2001, 2101, 3001, 3002, 4001
MORE_ORG = org_toml(
    [NANJIE],
    [
        Member(TRACKER, "刘网格", "dongguan", "tracker"),
        Member(RESIDENT, "胡军", "dongguan", "resident"),
        Member(OTHER, "钱居民", "dongguan", "resident"),
        Member(STRANGER, "孙网格", "nanjie", "tracker"),
    ],
)


async def load_more_org(harness: Harness) -> None:
    harness.clock.set(MORNING)

    async def act(repos: Repositories) -> None:
        await load_org_file(repos, MORE_ORG, now=MORNING)

    await harness.repos(act)


async def followup(
    harness: Harness,
    *,
    resident: int | None = RESIDENT,
    assignee: int = RESIDENT,
    kind: ObligationKind = ObligationKind.HEALTH_CHECKIN,
    name: str = "胡军",
    phone: str | None = None,
    answers: dict[str, Any] | None = None,
) -> int:
    """`answers`: the declaration's whole answers (by default only the name and phone, enough
    for reminders and alerts but not for the case card)."""
    if answers is None:
        answers = {"name": name} if phone is None else {"name": name, "phone": phone}

    async def act(repos: Repositories) -> int:
        row = monitoring_row(
            unit_code="dongguan",
            resident=resident,
            filed_by=assignee,
            at=MORNING,
            start=DAY,
            answers=answers,
        )
        repos.session.add(row)
        await repos.session.flush()
        ob = Obligation(kind, f"declaration:{row.id}", DAY.isoformat(), assignee, "dongguan", DUE)
        stored, _ = await obligations.open_obligation(repos, ESCALATION, ob, now=MORNING)
        assert stored.id is not None
        return stored.id

    result: int = await harness.repos(act)
    return result


def engine_at(harness: Harness, at: datetime) -> ObligationEngine:
    """The clock as it would run at `at`: reminders and escalations into the outbox."""
    return ObligationEngine(
        harness.database, ESCALATION.chains, ESCALATION.calendar, ObligationTexts(), now=lambda: at
    )


async def state(harness: Harness, obligation_id: int) -> ObligationState:
    found = await harness.repos(lambda r: r.obligations.get_by_id(obligation_id))
    assert isinstance(found, Obligation)
    return found.state


def refusal(harness: Harness) -> str | None:
    answer: AnswerCallbackQuery = harness.session.of_type(AnswerCallbackQuery)[-1]
    return answer.text
