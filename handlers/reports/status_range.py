"""/status UNIT FROM TO: a unit's (or, without a unit, one's own units') reports day by day
over a range of days, with the totals. Who may see which unit is decided by /status before
this is called (handlers.reports.status)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from aiogram.types import Message

from bot.context import Context
from domain.dates import DATE_INVALID, DateWindow, read_date, refusal_params
from domain.org import OrgTree, Unit
from domain.reports import Tally
from services import reports
from services.reports import ReportService
from texts.messaging import split_html
from texts.status_range import range_text

# A month day by day is what a supervisor reads through; longer is an export's job.
MAX_RANGE_DAYS = 31


async def show_range(
    message: Message,
    ctx: Context,
    report_service: ReportService,
    tree: OrgTree,
    units: Sequence[Unit],
    typed: Sequence[str],
    today: date,
    window: DateWindow,
) -> None:
    """`typed` are the two dates as typed; `units` the ones to summarise, already allowed."""
    tr = ctx.tr
    bounds: list[date] = []
    for word in typed:
        found = read_date(word, today, window)
        if found.value is None:
            refusal = found.refusal or DATE_INVALID
            params = refusal_params(refusal, window)
            await message.answer(tr(refusal, **params) + "\n" + tr("status-usage"))
            return
        bounds.append(found.value)
    first, last = bounds
    if first > last:
        await message.answer(
            tr("status-range-order", start=first.isoformat(), end=last.isoformat())
        )
        return
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        await message.answer(tr("status-range-too-long", days=MAX_RANGE_DAYS))
        return
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    for unit in units:
        tallies = await day_tallies(ctx, report_service, unit, days)
        single = report_service.reports(unit) and not tree.children(unit.code)
        text = range_text(tr, unit.name, tallies, single=single)
        for part in split_html(text):
            await ctx.bot.send_message(ctx.actor.telegram_id, part)


async def day_tallies(
    ctx: Context, report_service: ReportService, unit: Unit, days: Sequence[date]
) -> list[tuple[date, Tally]]:
    """The unit's subtree counted on each day, as /status would show that day now."""
    now = ctx.now()
    found = []
    for day in days:
        rollups = await reports.day_rollups(
            ctx.repos, report_service.policy, [unit.code], day, now=now
        )
        found.append((day, rollups[unit.code].tally))
    return found
