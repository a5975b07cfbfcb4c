"""Sending a finished draft: the author's rights and the scope are checked once more, then the
notice is created (now, or waiting in the outbox for its time) or its repeat stored for the
calendar (scheduler/notice_repeats.py); the author is told after the commit."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from aiogram.fsm.context import FSMContext

from bot.context import Context
from domain.notice_compose import Outcome
from domain.notices import NoticeRequest
from handlers.dialogs import leave
from handlers.notice_compose.dialog import Scope, Stored, request_for, save, show
from storage import Repositories


class CreatesNotices(Protocol):
    """The sending service (services/notices), as the dispatcher's `notice_service`."""

    async def create_notice(
        self, repos: Repositories, request: NoticeRequest, *, now: datetime
    ) -> int | None: ...


async def send_draft(
    ctx: Context, state: FSMContext, stored: Stored, scope: Scope, service: CreatesNotices
) -> None:
    draft = stored.draft
    if any(code not in scope.allowed for code in draft.units):
        # A unit moved out of the author's subtree since it was ticked: chosen again.
        await show(ctx, state, stored, scope, "ncp-outside")
        return
    built = request_for(ctx, draft, scope)
    if isinstance(built, Outcome):
        await show(ctx, state, await save(state, stored, built.draft), scope, built.refusal)
        return
    now, zone = ctx.now(), ctx.settings.time.zone
    if built.repeat is not None and built.send_at is not None:
        await ctx.repos.notices.create_repeat(built, built.repeat, now=now)
        at = built.send_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        await _done(ctx, state, "ncp-repeat-created", at=at)
        return
    notice_id = await service.create_notice(ctx.repos, built, now=now)
    if built.send_at is not None and built.send_at > now:
        at = built.send_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        await _done(ctx, state, "ncp-scheduled", at=at)
    else:
        await _done(ctx, state, "ncp-sent", id=notice_id or 0)


async def _done(ctx: Context, state: FSMContext, key: str, **params: object) -> None:
    # The first request commits the notice with the dialog's end: told only once it holds.
    await leave(ctx, state)
    await ctx.bot.send_message(ctx.actor.telegram_id, ctx.tr(key, **params))
