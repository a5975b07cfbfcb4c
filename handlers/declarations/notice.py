"""The privacy notice a declaration dialog opens with, until it is accepted.

A resident accepts each version once (recorded per person); a proxy filer states for each
declaration that they read it to the person. The acceptance travels in the stored dialog and
is recorded with the declaration it was filed under."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.fsm.context import FSMContext

from bot.context import Context
from domain.privacy_notice import NoticeAcceptance, notice_version
from handlers.dialogs import ask
from texts.privacy_notice import notice_keyboard, notice_text


def current_version(ctx: Context) -> str:
    return notice_version(ctx.settings.privacy.retention_days)


async def standing_acceptance(
    ctx: Context, *, proxy: bool, replaces: int | None
) -> NoticeAcceptance | None:
    """What spares asking again: the caller's acceptance of the current notice; for a proxy
    declaration, whose person is someone else each time, only the notice the declaration it
    updates was filed under, if that is still the current one (a changed notice, e.g. a new
    retention period, is read to the person again)."""
    if proxy:
        updated = None if replaces is None else await ctx.repos.declarations.get(replaces)
        notice = None if updated is None else updated.notice
        return notice if notice is not None and notice.version == current_version(ctx) else None
    return await ctx.repos.privacy_notices.accepted(ctx.actor.telegram_id, current_version(ctx))


async def accept(ctx: Context, *, proxy: bool) -> NoticeAcceptance:
    version = current_version(ctx)
    if proxy:
        return NoticeAcceptance(version, ctx.now())
    return await ctx.repos.privacy_notices.accept(ctx.actor.telegram_id, version, ctx.now())


async def show_notice(
    ctx: Context,
    state: FSMContext,
    *,
    unit_name: str,
    dialog_id: str,
    proxy: bool,
    again: bool = False,
) -> None:
    """Ask for the notice's acceptance; `again` when the person answered something else."""
    text = notice_text(
        ctx.tr,
        version=current_version(ctx),
        unit=unit_name,
        days=ctx.settings.privacy.retention_days,
        proxy=proxy,
        first=again,
    )
    await ask(ctx, state, text, notice_keyboard(ctx.tr, dialog_id, proxy=proxy))


def notice_to_data(acceptance: NoticeAcceptance | None) -> dict[str, str] | None:
    if acceptance is None:
        return None
    return {"version": acceptance.version, "at": acceptance.accepted_at.isoformat()}


def notice_from_data(data: Any) -> NoticeAcceptance | None:
    """None while the notice is not accepted (also for dialogs begun before it existed, which
    are asked for it before their next answer); ValueError if tampered with."""
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ValueError("stored declaration dialog: notice")
    version, at = data.get("version"), data.get("at")
    if not isinstance(version, str) or not isinstance(at, str):
        raise ValueError("stored declaration dialog: notice")
    return NoticeAcceptance(version, datetime.fromisoformat(at))
