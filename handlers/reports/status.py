"""/status: the day's roll-up of the supervised subtree, a filer's own units, or one unit's
versions with who filed them and when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from aiogram.filters import CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.context import Context
from domain.answers import Parsed
from domain.dates import DATE_INVALID, DateWindow, looks_like_date, read_date, refusal_params
from domain.obligations import ObligationState
from domain.org import OrgTree, Role, Unit
from domain.permissions import Capability, can_manage_unit, manageable_units
from domain.reports import FiledReport, ReportPolicy, Rollup, UnitStatus, status_of
from domain.unit_names import exact_units
from handlers.chat import send_private
from handlers.reports.status_range import show_range
from handlers.unit_picker import Again, browse, picked, unit_named
from services import reports
from services.onboarding import log_refusal
from services.reports import ReportService
from services.reports.figures import unit_figures
from texts import report_figures
from texts import reports as report_texts
from texts.keyboards import StatusOpen, StatusUnit, status_children_keyboard
from texts.messaging import split_html
from texts.reports import HISTORY_DAYS, ReportTexts
from texts.unit_keyboards import MakeData

STATUS_ACTION = "report.status"
# How far back /status reads: a year of reports, and never a future day (nothing is owed
# yet; a date near date.min or date.max would overflow going back through the history).
STATUS_DAYS_BACK = 366


def first_status_day(today: date) -> date:
    """The earliest day /status (and its buttons) show; the latest is today."""
    return today - timedelta(days=STATUS_DAYS_BACK)


def status_window(today: date) -> DateWindow:
    """The days /status (and its buttons) show: a year back, never a day to come."""
    return DateWindow(first_status_day(today), today)


def _pressed_day(text: str, today: date) -> date | None:
    """The day a button names (not trusted), if /status would show it."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if day in status_window(today) else None


def _top_units(ctx: Context, tree: OrgTree) -> list[str]:
    """The supervised units not below another supervised one; every root for an admin."""
    if ctx.actor.is_admin:
        return [unit.code for unit in tree.roots()]
    codes = [code for code in ctx.actor.units_with(Role.SUPERVISOR) if code in tree]
    return [c for c in codes if not any(a.code in codes for a in tree.ancestors(c))]


async def status_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    ctx: Context,
    report_service: ReportService,
) -> None:
    await _status(message, state, ctx, report_service, command.args or "")


async def status_typed_again(
    message: Message, state: FSMContext, ctx: Context, args: str, data: dict[str, Any]
) -> None:
    await _status(message, state, ctx, data["report_service"], args)


async def _status(
    message: Message, state: FSMContext, ctx: Context, report_service: ReportService, args: str
) -> None:
    tr, now = ctx.tr, ctx.now()
    zone = ctx.settings.time.zone
    today = reports.reporting_day(zone, now)
    words = args.split()
    tree = await ctx.repos.org.load_tree()
    # What looks like a date is the day; the rest names a unit, whose detail (who filed, and
    # when) is asked for.
    dates = [word for word in words if looks_like_date(word)]
    name = " ".join(word for word in words if not looks_like_date(word))
    window = status_window(today)
    found = read_date(dates[0], today, window) if len(dates) == 1 else Parsed(value=today)
    if len(dates) > 2:  # two are a range of days (handlers.reports.status_range)
        found = Parsed(refusal=DATE_INVALID)
    units = await report_service.units_for(ctx.repos, ctx.actor)
    supervisor = Capability.SUPERVISOR in ctx.actor.capabilities()
    # Who may ask comes before which day: someone without the role hears that, not the range.
    if not units and not supervisor and not exact_units(name, tree.units.values()):
        await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, "", "status-no-role", now)
        await message.answer(tr("status-no-role"))
        return
    asked: Unit | None = None
    if name:
        visible = _visible_units(ctx, tree, units)
        make = _picker(found.value or today)
        asked = await unit_named(
            message, ctx, name, visible, make, again=Again(state, "status", " ".join(dates))
        )
        if asked is None:
            return
        if asked not in visible:
            await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, asked.code, "perm-denied", now)
            # Someone with an area hears that this unit is outside it (the name was typed
            # whole, so it tells them nothing they did not know); anyone else, only no.
            outside = units or supervisor
            await message.answer(
                tr("status-outside", unit=asked.name) if outside else tr("perm-denied")
            )
            return
    if len(dates) == 2:
        chosen = [asked] if asked is not None else _own_units(ctx, tree, units)
        await show_range(message, ctx, report_service, tree, chosen, dates, today, window)
        return
    if found.value is None:
        params = refusal_params(found.refusal, window)
        await message.answer(
            tr(found.refusal or DATE_INVALID, **params) + "\n" + tr("status-usage")
        )
        return
    await _show_status(ctx, report_service, tree, units, asked, found.value)


def _own_units(ctx: Context, tree: OrgTree, own: Sequence[Unit]) -> list[Unit]:
    """What /status shows without a unit: the supervised tops, then one's own units."""
    seen = {code: tree.get(code) for code in _top_units(ctx, tree)}
    for unit in own:
        seen.setdefault(unit.code, unit)
    return list(seen.values())


def _visible_units(ctx: Context, tree: OrgTree, own: Sequence[Unit]) -> list[Unit]:
    """The units whose detail the caller may see: their own and those they supervise."""
    seen = {unit.code: unit for unit in own}
    for unit in manageable_units(ctx.actor, tree):
        seen.setdefault(unit.code, unit)
    return sorted(seen.values(), key=lambda unit: tree.path(unit.code))


def _picker(day: date) -> MakeData:
    return lambda code, browse: StatusUnit(unit=code, day=day.isoformat(), browse=browse)


async def _show_status(
    ctx: Context,
    report_service: ReportService,
    tree: OrgTree,
    units: list[Unit],
    asked: Unit | None,
    day: date,
) -> None:
    policy = report_service.policy
    parts: list[str] = []
    if asked is not None and not report_service.reports(asked):
        # A unit that files no report of its own (a township): the roll-up of its units.
        rollups = await reports.day_rollups(ctx.repos, policy, [asked.code], day, now=ctx.now())
        await _send_rollup(ctx, policy, tree, rollups[asked.code])
        return
    if asked is not None:
        # A supervisor of the unit (or its liaison or deputy, or an admin) sees who filed it
        # and when, with every version.
        text = await _unit_status(ctx, policy, asked, day)
        figures = await unit_figures(ctx.repos, policy, asked, day)
        if figures is not None:  # what it filed, abnormal situations included
            text += "\n\n" + report_figures.unit_figures(ctx.tr, figures.form, figures.report)
        parts += split_html(text)
        units = []
    elif Capability.SUPERVISOR in ctx.actor.capabilities():
        tops = _top_units(ctx, tree)
        rollups = await reports.day_rollups(ctx.repos, policy, tops, day, now=ctx.now())
        for code in tops:
            rollup = rollups.get(code)
            if rollup is not None:
                await _send_rollup(ctx, policy, tree, rollup)
    for unit in units:
        parts += split_html(await _unit_status(ctx, policy, unit, day))
    for part in parts:
        await ctx.bot.send_message(ctx.actor.telegram_id, part)


async def status_unit_pressed(
    query: CallbackQuery, callback_data: StatusUnit, ctx: Context, report_service: ReportService
) -> None:
    """A unit chosen (or a level opened) from the choices /status offered; checked again."""
    tree = await ctx.repos.org.load_tree()
    today = reports.reporting_day(ctx.settings.time.zone, ctx.now())
    units = await report_service.units_for(ctx.repos, ctx.actor)
    visible = _visible_units(ctx, tree, units)
    day = _pressed_day(callback_data.day, today)
    code = callback_data.unit
    allowed = (callback_data.browse and code == "") or any(u.code == code for u in visible)
    if not allowed or day is None:
        await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, code, "perm-denied", ctx.now())
        await query.answer(ctx.tr("perm-denied"), show_alert=True)
        return
    if callback_data.browse:
        await browse(query, ctx, visible, code, _picker(day))
        return
    await picked(query)
    await _show_status(ctx, report_service, tree, units, tree.get(code), day)


async def status_open_pressed(
    query: CallbackQuery, callback_data: StatusOpen, ctx: Context, report_service: ReportService
) -> None:
    """A unit's roll-up, opened from the roll-up above it (the data is not trusted: the
    caller must supervise the unit, and the day must be one /status would show)."""
    tree = await ctx.repos.org.load_tree()
    today = reports.reporting_day(ctx.settings.time.zone, ctx.now())
    day = _pressed_day(callback_data.day, today)
    unit = callback_data.unit
    if not can_manage_unit(ctx.actor, unit, tree) or day is None:
        await log_refusal(ctx.repos, ctx.actor, STATUS_ACTION, unit, "perm-denied", ctx.now())
        await query.answer(ctx.tr("perm-denied"), show_alert=True)
        return
    await query.answer()
    rollups = await reports.day_rollups(
        ctx.repos, report_service.policy, [unit], day, now=ctx.now()
    )
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


async def _unit_status(ctx: Context, policy: ReportPolicy, unit: Unit, day: date) -> str:
    zone = ctx.settings.time.zone
    obligation = await ctx.repos.obligations.get(reports.report_key(unit.code, day))
    versions = await ctx.repos.reports.versions(unit.code, day)
    excused = obligation is not None and obligation.state is ObligationState.EXCUSED
    ahead = obligation is not None and reports.not_due_yet(obligation, ctx.now())
    status = status_of(versions[0] if versions else None, excused, ahead)
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
