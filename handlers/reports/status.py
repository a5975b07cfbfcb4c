"""/status: the day's roll-up of the supervised subtree, a filer's own units, or one unit's
versions with who filed them and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from aiogram.filters import CommandObject
from aiogram.types import Message

from bot.context import Context
from domain.obligations import ObligationState
from domain.org import OrgTree, Role, Unit
from domain.permissions import Capability, can_manage_unit
from domain.reports import FiledReport, ReportPolicy, UnitStatus, status_of
from services import reports
from services.onboarding import log_refusal
from services.reports import ReportService
from texts import reports as report_texts
from texts.messaging import split_html
from texts.reports import HISTORY_DAYS, ReportTexts

STATUS_ACTION = "report.status"
# How far back /status reads: a year of reports, and never a future day (nothing is owed
# yet; a date near date.min or date.max would overflow going back through the history).

STATUS_DAYS_BACK = 366


def parse_day(arg: str, today: date) -> date | None:
    """Empty: today; YYYY-MM-DD; or MM-DD of this year (a status looks back). None otherwise."""
    arg = arg.strip()
    if not arg:
        return today
    parts = arg.split("-")
    if not all(part.isdigit() for part in parts):
        return None
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        if len(parts) == 2 and all(len(part) <= 2 for part in parts):
            day = date(today.year, int(parts[0]), int(parts[1]))
            # A status looks back: in early January, 12-31 is last year's.
            return day if day <= today else date(today.year - 1, day.month, day.day)
    except ValueError:
        return None
    return None


def _top_units(ctx: Context, tree: OrgTree) -> list[str]:
    """The supervised units not below another supervised one; every root for an admin."""
    if ctx.actor.is_admin:
        return [unit.code for unit in tree.roots()]
    codes = [code for code in ctx.actor.units_with(Role.SUPERVISOR) if code in tree]
    return [c for c in codes if not any(a.code in codes for a in tree.ancestors(c))]


async def status_command(
    message: Message, command: CommandObject, ctx: Context, report_service: ReportService
) -> None:
    tr, now = ctx.tr, ctx.now()
    zone = ctx.settings.time.zone
    today = reports.reporting_day(zone, now)
    words = (command.args or "").split()
    tree = await ctx.repos.org.load_tree()
    # A unit code among the arguments asks for that unit's detail: who filed, and when.
    asked = [word for word in words if word in tree]
    dates = [word for word in words if word not in tree]
    day = parse_day(dates[0] if dates else "", today)
    if day is None or len(dates) > 1 or len(asked) > 1:
        await message.answer(tr("status-bad-date"))
        return
    policy = report_service.policy
    units = await report_service.units_for(ctx.repos, ctx.actor)
    supervisor = Capability.SUPERVISOR in ctx.actor.capabilities()
    # Who may ask comes before which day: someone without the role hears that, not the range.
    refusal = _status_refusal(ctx, tree, units, asked[0] if asked else None, supervisor)
    if refusal is not None:
        key, target = refusal
        await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, target, key, now)
        await message.answer(tr(key))
        return
    first = today - timedelta(days=STATUS_DAYS_BACK)
    if not first <= day <= today:
        last = today.isoformat()
        await message.answer(
            tr("status-date-range", first=first.isoformat(), last=last, days=STATUS_DAYS_BACK)
        )
        return
    parts: list[str] = []
    if asked:
        # A supervisor of the unit (or its liaison or deputy, or an admin) sees who filed it
        # and when, with every version.
        parts += split_html(await _unit_status(ctx, policy, tree.get(asked[0]), day))
        units = []
    elif supervisor:
        tops = _top_units(ctx, tree)
        rollups = await reports.day_rollups(ctx.repos, policy, tops, day)
        for code in tops:
            rollup = rollups.get(code)
            if rollup is None:
                continue
            if not rollup.tally.expected:
                parts.append(tr("status-none-owed", unit=rollup.root.name, day=day.isoformat()))
                continue
            form = policy.rollup_form(tree.subtree(code))
            parts += ReportTexts().rollup(rollup, tr.language, form)
    for unit in units:
        parts += split_html(await _unit_status(ctx, policy, unit, day))
    for part in parts:
        await message.answer(part)


def _status_refusal(
    ctx: Context, tree: OrgTree, units: Sequence[Unit], asked: str | None, supervisor: bool
) -> tuple[str, str] | None:
    """Why the caller may not see what they asked for (message key, audited target), if so."""
    if asked is not None:
        own = {unit.code for unit in units}
        if asked not in own and not can_manage_unit(ctx.actor, asked, tree):
            return "perm-denied", asked
        return None
    if not units and not supervisor:
        return "status-no-role", ""
    return None


async def _unit_status(ctx: Context, policy: ReportPolicy, unit: Unit, day: date) -> str:
    zone = ctx.settings.time.zone
    obligation = await ctx.repos.obligations.get(reports.report_key(unit.code, day))
    versions = await ctx.repos.reports.versions(unit.code, day)
    excused = obligation is not None and obligation.state is ObligationState.EXCUSED
    status = status_of(versions[0] if versions else None, excused)
    history: list[FiledReport] = []
    for back in range(HISTORY_DAYS):
        history += reversed(await ctx.repos.reports.versions(unit.code, day - timedelta(back)))
    people = await ctx.repos.people.many(r.filed_by for r in [*versions, *history])
    return report_texts.unit_status_text(
        ctx.tr,
        unit=unit.name,
        day=day,
        owed=obligation is not None,
        status=status if obligation is not None or versions else UnitStatus.MISSING,
        due=obligation.due_at if obligation is not None else None,
        versions=versions,
        history=history,
        names={telegram_id: person.name for telegram_id, person in people.items()},
        zone=zone,
    )
