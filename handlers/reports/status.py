"""/status: the day's roll-up of the supervised subtree, a filer's own units, or one unit's
versions with who filed them and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.obligations import ObligationState
from domain.org import OrgTree, Role, Unit
from domain.permissions import Capability, can_manage_unit
from domain.reports import FiledReport, ReportPolicy, Rollup, UnitStatus, status_of
from handlers.chat import send_private
from services import reports
from services.onboarding import log_refusal
from services.reports import ReportService
from texts import reports as report_texts
from texts.keyboards import StatusOpen, status_children_keyboard
from texts.messaging import split_html
from texts.reports import HISTORY_DAYS, ReportTexts

STATUS_ACTION = "report.status"
# How far back /status reads: a year of reports, and never a future day (nothing is owed
# yet; a date near date.min or date.max would overflow going back through the history).

STATUS_DAYS_BACK = 366


def first_status_day(today: date) -> date:
    """The earliest day /status (and its buttons) show; the latest is today."""
    return today - timedelta(days=STATUS_DAYS_BACK)


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
    first = first_status_day(today)
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
            if rollup is not None:
                await _send_rollup(ctx, policy, tree, rollup)
    for unit in units:
        parts += split_html(await _unit_status(ctx, policy, unit, day))
    for part in parts:
        await message.answer(part)


async def status_open_pressed(
    query: CallbackQuery, callback_data: StatusOpen, ctx: Context, report_service: ReportService
) -> None:
    """A unit's roll-up, opened from the roll-up above it (the data is not trusted: the
    caller must supervise the unit, and the day must be one /status would show)."""
    tree = await ctx.repos.org.load_tree()
    today = reports.reporting_day(ctx.settings.time.zone, ctx.now())
    try:
        day = date.fromisoformat(callback_data.day)
    except ValueError:
        day = None
    unit = callback_data.unit
    if (
        not can_manage_unit(ctx.actor, unit, tree)
        or day is None
        or not first_status_day(today) <= day <= today
    ):
        await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, unit, "perm-denied", ctx.now())
        await query.answer(ctx.tr("perm-denied"), show_alert=True)
        return
    await query.answer()
    rollups = await reports.day_rollups(ctx.repos, report_service.policy, [unit], day)
    await _send_rollup(ctx, report_service.policy, tree, rollups[unit])


async def _send_rollup(ctx: Context, policy: ReportPolicy, tree: OrgTree, rollup: Rollup) -> None:
    """The roll-up, with a button under it for each unit below with units of its own that
    owe reports (the next roll-up down)."""
    day = rollup.day.isoformat()
    if not rollup.tally.expected:
        await send_private(ctx, ctx.tr("status-none-owed", unit=rollup.root.name, day=day))
        return
    form = policy.rollup_form(tree.subtree(rollup.root.code))
    parts = ReportTexts().rollup(rollup, ctx.tr.language, form, buttons=True)
    below = [
        (child.unit.code, child.unit.name)
        for child in rollup.children
        if child.tally.expected and tree.children(child.unit.code)
    ]
    markup = status_children_keyboard(below, day)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await ctx.bot.send_message(
            ctx.actor.telegram_id, part, reply_markup=markup if last else None
        )


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
