"""The declaration dialog as stored in FSM storage: reading it back (never trusted), saving
a step, asking the current question, starting and ending it."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup

from bot.context import Context
from domain.declaration_dialog import Draft, DraftError
from domain.org import Role, Unit
from domain.privacy_notice import NoticeAcceptance
from handlers.chat import send_private
from handlers.declarations.notice import (
    notice_from_data,
    notice_to_data,
    show_notice,
    standing_acceptance,
)
from handlers.dialogs import (
    StoredDialogError,
    ask,
    leave,
    start_dialog,
)
from services import drafts
from texts.declaration_keyboards import (
    question_keyboard,
    question_text,
)

logger = logging.getLogger(__name__)


PROXY_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})
DIALOG = drafts.DECLARATION


class DeclarationDialog(StatesGroup):
    filling = State()


@dataclass(frozen=True, slots=True)
class Stored:
    unit: str
    proxy: bool
    dialog_id: str
    touched: datetime
    draft: Draft
    renewed: datetime | None = None  # when the expiry lease was last renewed (services.drafts)
    replaces: int | None = None  # the active declaration this dialog updates
    notice: NoticeAcceptance | None = None  # None: the privacy notice is not accepted yet


async def begin(
    ctx: Context,
    state: FSMContext,
    unit: Unit,
    *,
    proxy: bool,
    draft: Draft | None = None,
    replaces: int | None = None,
) -> None:
    """Start a new dialog for `unit` (dropping any other dialog in progress); with
    `replaces`, an update of that declaration starting from `draft` (its answers). The
    privacy notice comes first unless the caller accepted its current version already."""
    draft = draft if draft is not None else Draft()
    acceptance = await standing_acceptance(ctx, proxy=proxy, replaces=replaces)
    # The other dialog's question keeps no live buttons.
    await start_dialog(
        ctx,
        state,
        DeclarationDialog.filling,
        {
            "dialog": DIALOG,
            "unit": unit.code,
            "proxy": proxy,
            "id": secrets.token_hex(4),
            "touched": ctx.now().isoformat(),
            "renewed": ctx.now().isoformat(),
            "draft": draft.to_data(),
            "replaces": replaces,
            "notice": notice_to_data(acceptance),
        },
    )
    stored = await load_stored(ctx, state)
    if stored.notice is None:
        # No lease yet: a notice left unanswered is no declaration begun, and no expiry
        # notice should follow it (the lease starts with the acceptance, lease_started).
        await show_notice(ctx, state, unit_name=unit.name, dialog_id=stored.dialog_id, proxy=proxy)
        return
    await lease_started(ctx)
    await open_questions(ctx, state, stored, unit.name)


async def lease_started(ctx: Context) -> None:
    """The half-finished declaration's expiry lease (services.drafts): from its first question."""
    await drafts.touch(
        ctx.repos,
        ctx.actor.telegram_id,
        ttl_hours=ctx.settings.declarations.draft_ttl_hours,
        now=ctx.now(),
    )


async def open_questions(ctx: Context, state: FSMContext, stored: Stored, unit_name: str) -> None:
    """The dialog's introduction and its current question (the first, or where a draft
    begun before the notice stopped)."""
    key = "declare-intro-proxy" if stored.proxy else "declare-intro"
    key = "declare-intro-update" if stored.replaces is not None else key
    await send_private(ctx, ctx.tr(key, unit=unit_name))
    await show_question(ctx, state, stored)


async def load_stored(ctx: Context, state: FSMContext) -> Stored:
    data = await state.get_data()
    try:
        unit, proxy, dialog_id = data.get("unit"), data.get("proxy"), data.get("id")
        touched = data.get("touched")
        if data.get("dialog") != DIALOG or not isinstance(unit, str):
            raise ValueError("not a declaration dialog")
        if not isinstance(proxy, bool) or not isinstance(dialog_id, str):
            raise ValueError("stored declaration dialog: no proxy flag or id")
        if not isinstance(touched, str):
            raise ValueError("stored declaration dialog: no time")
        draft = Draft.from_data(data["draft"], today=local_today(ctx).date())
        renewed = data.get("renewed")  # absent from drafts begun before it was kept
        replaces = data.get("replaces")
        if replaces is not None and type(replaces) is not int:
            raise ValueError("stored declaration dialog: what it replaces")
        stored = Stored(
            unit,
            proxy,
            dialog_id,
            datetime.fromisoformat(touched),
            draft,
            datetime.fromisoformat(renewed) if isinstance(renewed, str) else None,
            replaces,
            notice_from_data(data.get("notice")),
        )
    except (ValueError, KeyError, DraftError) as error:
        logger.info("declaration dialog of %s restarted: %s", ctx.actor.telegram_id, error)
        raise StoredDialogError(str(error)) from error
    return stored


async def end_dialog(ctx: Context, state: FSMContext, key: str) -> None:
    """Forget the dialog and its expiry lease (no expiry notice follows), and say why."""
    await leave(ctx, state)
    await send_private(ctx, ctx.tr(key))


async def expired_restarted(ctx: Context, state: FSMContext, stored: Stored) -> bool:
    """An expired draft is dropped and the dialog starts over for the same unit."""
    ttl = ctx.settings.declarations.draft_ttl_hours
    if not drafts.expired(stored.touched, ctx.now(), ttl):
        return False
    await send_private(ctx, ctx.tr("declare-expired"))
    unit = await ctx.repos.org.get_unit(stored.unit)
    if unit is None:
        await state.clear()
        await drafts.drop(ctx.repos, ctx.actor.telegram_id)
        return True
    await begin(ctx, state, unit, proxy=stored.proxy, replaces=stored.replaces)
    return True


async def save_draft(ctx: Context, state: FSMContext, stored: Stored, draft: Draft) -> None:
    now = ctx.now()
    renewed = await drafts.touch(
        ctx.repos,
        ctx.actor.telegram_id,
        ttl_hours=ctx.settings.declarations.draft_ttl_hours,
        now=now,
        renewed=stored.renewed,
    )
    await state.update_data(
        draft=draft.to_data(), touched=now.isoformat(), renewed=renewed.isoformat()
    )


async def show_question(
    ctx: Context,
    state: FSMContext,
    stored: Stored,
    refusal: str | None = None,
    params: Mapping[str, str] | None = None,
) -> None:
    text = question_text(ctx.tr, stored.draft, refusal, params, today=local_today(ctx).date())
    await ask(ctx, state, text, question_keyboard(ctx.tr, stored.draft, stored.dialog_id))


def local_today(ctx: Context) -> datetime:
    return ctx.now().astimezone(ctx.settings.time.zone)


def with_draft(stored: Stored, draft: Draft) -> Stored:
    return replace(stored, draft=draft)
