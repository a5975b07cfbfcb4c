"""/export's last step: check the request again, write the ledger, send it.

The file is written page by page with the writing in a worker thread (texts.export_workbook),
so the event loop keeps serving other chats; a progress message counts the rows (edited at
most every PROGRESS_EVERY seconds). The export's audit entry commits before the document is
sent: a Bot API request commits what came before it (bot/session.py). The file goes to the
caller's private chat only, under a name of codes and dates."""

from __future__ import annotations

import contextlib
import logging
import tempfile
import time
from datetime import date
from pathlib import Path

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, Message

from bot.context import Context
from domain.exports import ExportScope
from services import exports
from services.refusal import Refused
from texts.export_keyboards import kind_name
from texts.export_workbook import Footer, write_ledger
from texts.period_keyboards import period_label, period_refusal

logger = logging.getLogger(__name__)

# The progress message is edited at most this often (seconds): Telegram limits edits too.
PROGRESS_EVERY = 3.0


def _today_of(ctx: Context) -> date:
    return ctx.now().astimezone(ctx.settings.time.zone).date()


async def deliver(message: Message, ctx: Context, scope: ExportScope) -> None:
    """Check (again), write and send the ledger; say so when there is nothing to export."""
    tr, now, zone = ctx.tr, ctx.now(), ctx.settings.time.zone
    tree = await ctx.repos.org.load_tree()
    today, most = _today_of(ctx), ctx.settings.views.max_period_days
    try:
        await exports.check(ctx.repos, ctx.actor, scope, tree, today, now, most)
    except Refused as refused:
        if refused.key.startswith("period-"):
            await message.answer(period_refusal(tr, refused.key, today, most))
        else:
            await message.answer(tr(refused.key))
        return
    unit = tree.get(scope.unit_code)
    what = {
        "kind": kind_name(tr, scope.kind),
        "unit": unit.name,
        "period": period_label(tr, scope.period),
    }
    progress = await message.answer(tr("export-working", **what))
    person = await ctx.repos.people.get(ctx.actor.telegram_id)
    masker = exports.masker(ctx.actor)
    policy = ctx.settings.reports.policy()
    ledger = exports.open_ledger(ctx.repos, scope, tree, policy, zone, now, masker)
    full = any(masker(code.code) for code in tree.subtree(scope.unit_code))
    footer = Footer(person.name if person else str(ctx.actor.telegram_id), now, full)
    shown = time.monotonic()

    async def report(rows: int) -> None:
        nonlocal shown
        if time.monotonic() - shown >= PROGRESS_EVERY:
            shown = time.monotonic()
            with contextlib.suppress(TelegramBadRequest):
                await ctx.bot.edit_message_text(
                    tr("export-progress", rows=rows, **what),
                    chat_id=progress.chat.id,
                    message_id=progress.message_id,
                )

    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = Path(folder) / "ledger.xlsx"
        try:
            rows = await write_ledger(tr, zone, ledger, footer, path, report)
        except OSError:  # the disk, not the data: the person is told, the office logs why
            logger.exception("an export could not be written (%s)", scope.describe())
            rows, nothing = 0, "export-failed"
        else:
            nothing = "export-no-data"
        if not rows:
            await ctx.bot.edit_message_text(
                tr(nothing, **what), chat_id=progress.chat.id, message_id=progress.message_id
            )
            return
        await exports.record(ctx.repos, ctx.actor.telegram_id, scope, rows, now)
        name = _file_name(scope)
        await ctx.bot.send_document(
            ctx.actor.telegram_id,
            BufferedInputFile(path.read_bytes(), filename=name),
            caption=tr("export-ready", rows=rows, **what),
        )
    with contextlib.suppress(TelegramBadRequest):
        await ctx.bot.delete_message(progress.chat.id, progress.message_id)


def _file_name(scope: ExportScope) -> str:
    """Codes and dates only: a file name travels further than the file's contents."""
    first, last = scope.period.first, scope.period.last
    return f"{scope.kind.value}_{scope.unit_code}_{first:%Y%m%d}-{last:%Y%m%d}.xlsx"
