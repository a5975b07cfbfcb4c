"""The obligation clock against a real database, with time passed in by the test."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.calendar import WorkCalendar
from domain.escalation import DEFAULT_CHAIN_BOOK, ChainBook
from domain.obligations import Obligation, ObligationKind
from scheduler.engine import NobodyMessage, ObligationEngine, Rendered, StepMessage
from services.obligations import EscalationPolicy, open_obligation
from services.org import load_org_file
from storage import Database, Repositories
from storage.models import OutboxRow
from tests.orgs import COUNTY_SUPERVISOR, COUNTY_TREE, Member, org_toml

ZONE = ZoneInfo("Asia/Shanghai")
OFFICE_HEAD, TOWNSHIP_HEAD = 1, 2
LIAISON, DEPUTY, OTHER_LIAISON = 10, 11, 20
ADMIN = 99

ORG = org_toml(
    COUNTY_TREE,
    [
        COUNTY_SUPERVISOR,
        Member(TOWNSHIP_HEAD, "李镇长", "town", "supervisor"),
        Member(LIAISON, "张联络", "east", "liaison"),
        Member(DEPUTY, "赵副手", "east", "deputy"),
        Member(OTHER_LIAISON, "钱联络", "west", "liaison"),
    ],
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


MONDAY = date(2026, 11, 23)
DUE = local(MONDAY, 17)


class RecordingTexts:
    """Writes what the engine asked for, so tests can see which step reached whom."""

    def step(self, message: StepMessage) -> Rendered:
        covering = f"|for:{message.covering_for.telegram_id}" if message.covering_for else ""
        names = ",".join(p.name for p in message.assignees)
        return Rendered(f"{message.step.message}|{message.unit_name}|{names}{covering}")

    def nobody(self, message: NobodyMessage) -> Rendered:
        return Rendered(f"nobody|{message.step.message}|{message.unit_name}")


@dataclass
class Engine:
    """An engine and the policy it runs with, over one database."""

    database: Database
    calendar: WorkCalendar = field(default_factory=lambda: WorkCalendar.of(ZONE))
    chains: ChainBook = DEFAULT_CHAIN_BOOK

    def __post_init__(self) -> None:
        self.now = DUE - timedelta(hours=3)
        self.engine = ObligationEngine(
            self.database,
            self.chains,
            self.calendar,
            RecordingTexts(),
            now=lambda: self.now,
            admins=(ADMIN,),
        )

    @property
    def policy(self) -> EscalationPolicy:
        return EscalationPolicy(self.chains, self.calendar)

    async def load_org(self) -> None:
        async with self.database.transaction() as session:
            await load_org_file(Repositories(session), ORG, now=self.now)

    async def open(self, obligation: Obligation) -> Obligation:
        async with self.database.transaction() as session:
            stored, _ = await open_obligation(
                Repositories(session), self.policy, obligation, now=self.now
            )
        return stored

    async def at(self, moment: datetime) -> int:
        """Move time to `moment` and run a pass; the number of actions performed."""
        self.now = moment
        return (await self.engine.run_due()).actions


def unit_report(unit: str = "east", due: datetime = DUE) -> Obligation:
    return Obligation(ObligationKind.UNIT_REPORT, unit, due.date().isoformat(), unit, unit, due)


async def outbox(database: Database) -> list[tuple[int, str]]:
    """(chat, text) of every outbox row, in the order written."""
    async with database.session() as session:
        rows = await session.scalars(select(OutboxRow).order_by(OutboxRow.id))
        return [(row.chat_id, row.text) for row in rows]
