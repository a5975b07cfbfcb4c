"""A day's unit reports: the reporting day, and opening its obligations."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.escalation import schedule as schedule_steps
from domain.obligations import Obligation, ObligationKey, ObligationKind
from domain.org import OrgTree
from domain.reports import (
    ReportPolicy,
    report_obligation,
)
from services.obligations import EscalationPolicy
from storage import Repositories


def reporting_day(policy_zone: ZoneInfo, now: datetime) -> date:
    """The local date of `now`: the reporting day a filing made now is for by default."""
    return now.astimezone(policy_zone).date()


def report_key(unit_code: str, day: date) -> ObligationKey:
    return ObligationKey(ObligationKind.UNIT_REPORT, unit_code, day.isoformat())


def obligations_due(
    tree: OrgTree, escalation: EscalationPolicy, policy: ReportPolicy, day: date
) -> list[Obligation]:
    """The unit_report obligations of every active unit owing a report on `day`, scheduled
    (first reminder set) but not stored."""
    zone = escalation.calendar.zone
    found: list[Obligation] = []
    for unit in tree.units.values():
        schedule = policy.owed(unit, day, escalation.calendar)
        if schedule is None:
            continue
        obligation = report_obligation(unit, day, schedule, zone)
        chain = escalation.chains.of(obligation)
        if chain is None:
            raise ValueError(f"{obligation.key}: no escalation chain named {obligation.chain!r}")
        found.append(schedule_steps(obligation, chain, escalation.calendar))
    return found


async def open_day(
    repos: Repositories,
    escalation: EscalationPolicy,
    policy: ReportPolicy,
    day: date,
    *,
    now: datetime,
) -> int:
    """Open one unit_report obligation per active unit whose schedule reports on `day`;
    the number opened. Idempotent: what is already open (or closed) is left as it is.

    A report whose deadline has already passed is not opened: nobody could have been
    reminded of it, and opening it would only escalate at once (a bot started in the evening
    for the first time, or after a day down).
    """
    tree = await repos.org.load_tree()
    owed = [o for o in obligations_due(tree, escalation, policy, day) if o.due_at > now]
    return await repos.obligations.open_many(owed, now=now)
