"""The high/mid-risk area list: /risk shows it, /risk_load replaces it from a CSV file.

/risk works for everyone in a private chat: the list is published by the health authorities
and residents are better off knowing it; groups are left alone to keep them quiet.
Loading is two steps, so nobody has to type a caption on a phone: /risk_load (admins and
supervisors of the top unit) explains the format and waits for the file; a file with
problems gets every problem with its line and the bot keeps waiting; a good file is loaded,
and the changes and the re-screen are reported. The service checks the loader's rights again.
A list that is empty or lifts more than half of the listed regions is not loaded at once: the
bot says what it would lift and asks with two buttons; the parsed list waits in the dialog's
storage (it survives a restart) and the buttons carry its fingerprint, so a button of an
earlier upload loads nothing. Another file sent meanwhile replaces the pending one.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import Sequence

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Document, Message
from aiohttp import ClientError

from bot.context import Context
from domain.risk_areas import RiskArea, fingerprint, pack_areas, unpack_areas
from domain.risk_csv import MAX_FILE_BYTES, CsvProblem, decode_csv, parse_csv
from handlers.chat import drop_buttons, send_private
from services import risk
from services.declarations import DeclarationService
from services.onboarding import log_refusal
from storage.repos.risk_areas import LoadStamp
from texts.messaging import answer_long
from texts.risk import list_text, problems_text, report_text
from texts.risk_keyboards import RiskConfirm, confirm_keyboard

logger = logging.getLogger(__name__)

_CSV_SUFFIXES = (".csv", ".tsv", ".txt")


class RiskUpload(StatesGroup):
    waiting = State()  # for the CSV file after /risk_load
    confirming = State()  # a drastic list waits for its confirm button (or another file)


PENDING = "pending"  # dialog data while confirming: the parsed areas as pack_areas wrote them
ASKED_FOR = "asked_for"  # and the fingerprint of the stored list the question was about


def stamp_text(ctx: Context, stamp: LoadStamp | None) -> str | None:
    if stamp is None:
        return None
    return stamp.at.astimezone(ctx.settings.time.zone).strftime("%Y-%m-%d %H:%M")


# --- Handlers --------------------------------------------------------------------------------


async def show_list(message: Message, ctx: Context) -> None:
    today = ctx.now().astimezone(ctx.settings.time.zone).date()
    text = list_text(
        ctx.tr,
        await ctx.repos.risk_areas.current(),
        today,
        stamp_text(ctx, await ctx.repos.risk_areas.loaded()),
    )
    if risk.may_load(ctx.actor, await ctx.repos.org.load_tree()):
        text += "\n" + ctx.tr("risk-load-hint")
    await answer_long(message, text)


async def _allowed(ctx: Context, target: str) -> bool:
    decision = risk.may_load(ctx.actor, await ctx.repos.org.load_tree())
    if not decision:
        reason = decision.reason_key or "perm-denied"
        await log_refusal(ctx.repos, ctx.actor, risk.ACTION, target, reason, ctx.now())
    return bool(decision)


async def start_load(message: Message, state: FSMContext, ctx: Context) -> None:
    if not await _allowed(ctx, "/risk_load"):
        await message.answer(ctx.tr("risk-load-not-allowed"))
        return
    await state.set_state(RiskUpload.waiting)
    await state.set_data({})  # a list pending from an earlier upload is dropped
    await message.answer(ctx.tr("risk-load-ask"))


async def file_sent(
    message: Message, state: FSMContext, ctx: Context, declaration_service: DeclarationService
) -> None:
    document = message.document
    if document is None:  # pragma: no cover - the filter lets documents only
        return
    if not await _allowed(ctx, document.file_name or "file"):
        await state.clear()
        await message.answer(ctx.tr("risk-load-not-allowed"))
        return
    if await state.get_state() == RiskUpload.confirming.state:
        # A new file replaces the pending list: the question's buttons no longer match it.
        await state.set_state(RiskUpload.waiting)
        await state.set_data({})
    name = (document.file_name or "").lower()
    if name and not name.endswith(_CSV_SUFFIXES):
        await message.answer(ctx.tr("risk-load-not-csv"))
        return
    text = await _download(message, ctx, document)
    if text is None:
        return
    parsed = await asyncio.to_thread(parse_csv, text)  # a fuzzy name match costs ~1 ms
    if not parsed.ok:
        await answer_long(message, problems_text(ctx.tr, parsed.problems))
        return
    try:
        report = await _load(ctx, declaration_service, parsed.areas)
    except risk.RiskLoadUnconfirmed as asked:
        await _ask_first(ctx, state, parsed.areas, asked)
        return
    except risk.RiskLoadRefused as refused:
        await state.clear()
        await message.answer(ctx.tr(refused.key))
        return
    await state.clear()
    await answer_long(message, report_text(ctx.tr, report))


async def _load(
    ctx: Context,
    declarations: DeclarationService,
    areas: Sequence[RiskArea],
    *,
    confirmed_for: str | None = None,
) -> risk.LoadReport:
    return await risk.load(
        ctx.repos,
        declarations.config,
        areas,
        by=ctx.actor.telegram_id,
        now=ctx.now(),
        confirmed=confirmed_for is not None,
        confirmed_for=confirmed_for,
    )


async def _ask_first(
    ctx: Context,
    state: FSMContext,
    areas: Sequence[RiskArea],
    asked: risk.RiskLoadUnconfirmed,
    intro: str | None = None,
) -> None:
    await state.set_state(RiskUpload.confirming)
    await state.set_data({PENDING: pack_areas(areas), ASKED_FOR: asked.stored})
    lines = [ctx.tr(intro)] if intro else []
    lines += [ctx.tr(asked.key, **asked.params), ctx.tr("risk-confirm-ask")]
    await ctx.bot.send_message(
        ctx.actor.telegram_id,
        "\n".join(lines),
        reply_markup=confirm_keyboard(ctx.tr, fingerprint(areas)),
    )


async def confirm_pressed(
    query: CallbackQuery,
    callback_data: RiskConfirm,
    state: FSMContext,
    ctx: Context,
    declaration_service: DeclarationService,
) -> None:
    pending = await _pending(state, callback_data.pending)
    if pending is None:  # an earlier question's button, a finished dialog or a forged payload
        await query.answer(ctx.tr("button-expired"), show_alert=True)
        return
    areas, asked_for = pending
    if not callback_data.ok:
        await state.clear()
        await query.answer()
        await drop_buttons(query)
        await send_private(ctx, ctx.tr("risk-confirm-cancelled"))
        return
    try:
        # The rights are checked again.
        report = await _load(ctx, declaration_service, areas, confirmed_for=asked_for)
    except risk.RiskLoadRefused as refused:
        await state.clear()
        await query.answer(ctx.tr(refused.key), show_alert=True)
        await drop_buttons(query)
        return
    except risk.RiskLoadUnconfirmed as asked:
        # Someone loaded another list since the question: what this file lifts has changed.
        await _answer_late(query)
        await drop_buttons(query)
        await _ask_first(ctx, state, areas, asked, intro="risk-confirm-changed")
        return
    await state.clear()
    # Loading and re-screening may outlast the query's life; the list is loaded either way.
    await _answer_late(query)
    await drop_buttons(query)
    await send_private(ctx, report_text(ctx.tr, report))


async def _pending(state: FSMContext, pressed: str) -> tuple[tuple[RiskArea, ...], str] | None:
    """The list waiting for confirmation, and the stored list's fingerprint the question was
    about, if the button pressed was asked for it."""
    if await state.get_state() != RiskUpload.confirming.state:
        return None
    data = await state.get_data()
    packed, asked_for = data.get(PENDING), data.get(ASKED_FOR)
    if not isinstance(packed, list) or not isinstance(asked_for, str):
        return None
    try:
        areas = unpack_areas(packed)
    except ValueError:
        return None
    return (areas, asked_for) if fingerprint(areas) == pressed else None


async def _answer_late(query: CallbackQuery) -> None:
    with contextlib.suppress(TelegramBadRequest):  # "query is too old": nothing to undo
        await query.answer()


async def _download(message: Message, ctx: Context, document: Document) -> str | None:
    """The file's text, or None when the user has been told what is wrong with it."""
    if document.file_size is not None and document.file_size > MAX_FILE_BYTES:
        await message.answer(problems_text(ctx.tr, [_too_large()]))
        return None
    buffer = io.BytesIO()
    try:
        await ctx.bot.download(document, destination=buffer)
    except (TelegramAPIError, ClientError, OSError, TimeoutError) as error:
        # Not the exception itself: aiohttp's errors carry the download URL, token included.
        logger.warning("risk list download failed: %s", type(error).__name__)
        await message.answer(ctx.tr("risk-load-download-failed"))
        return None
    decoded = decode_csv(buffer.getvalue())
    if isinstance(decoded, CsvProblem):
        await message.answer(problems_text(ctx.tr, [decoded]))
        return None
    return decoded


def _too_large() -> CsvProblem:
    return CsvProblem(0, "risk-csv-too-large", {"limit_kb": MAX_FILE_BYTES // 1024})


async def not_a_file(message: Message, ctx: Context) -> None:
    await message.answer(ctx.tr("risk-load-send-file"))


async def still_pending(message: Message, ctx: Context) -> None:
    await message.answer(ctx.tr("risk-confirm-pending"))


def create_router() -> Router:
    router = Router(name="risk")
    private = F.chat.type == "private"
    router.message.register(show_list, Command("risk"), private)
    router.message.register(start_load, Command("risk_load"), private)
    upload = StateFilter(RiskUpload.waiting, RiskUpload.confirming)
    not_a_command = ~(F.text.startswith("/"))
    router.message.register(file_sent, upload, private, F.document)
    router.message.register(not_a_file, RiskUpload.waiting, private, not_a_command)
    router.message.register(still_pending, RiskUpload.confirming, private, not_a_command)
    router.callback_query.register(confirm_pressed, RiskConfirm.filter())
    return router
