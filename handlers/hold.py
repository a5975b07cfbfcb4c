"""`/hold DECLARATION_ID REASON` and `/hold off DECLARATION_ID`: an admin keeps a case under
review from the purge of personal data, or lets the purge take it again (services/retention.py).
Admins only, in a private chat; a refusal is audited like any other, and so are the hold and
its release, with the reason."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.context import Context
from services import retention
from services.refusal import Refused

OFF = "off"


def _read(args: str) -> tuple[bool, int, str] | None:
    """(release?, declaration id, reason) from the arguments; None when they do not fit."""
    words = args.split(maxsplit=1)
    release = bool(words) and words[0].lower() == OFF
    if release:
        words = words[1].split(maxsplit=1) if len(words) > 1 else []
    if not words or not words[0].isascii() or not words[0].isdigit():
        return None
    reason = words[1].strip() if len(words) > 1 else ""
    if release == bool(reason):  # a hold needs a reason; a release takes none
        return None
    return release, int(words[0]), reason


async def hold_command(message: Message, command: CommandObject, ctx: Context) -> None:
    asked = _read(command.args or "")
    try:
        if asked is None:
            # Refused (and audited) before being taught the usage.
            await retention.check_admin(ctx.repos, ctx.actor, retention.HOLD, "hold", ctx.now())
            await message.answer(ctx.tr("hold-usage"))
            return
        release, declaration_id, reason = asked
        if release:
            await retention.release_hold(ctx.repos, ctx.actor, declaration_id, ctx.now())
        else:
            await retention.hold(ctx.repos, ctx.actor, declaration_id, reason, ctx.now())
    except Refused as refused:
        await message.answer(ctx.tr(refused.key, **refused.params))
        return
    key = "hold-off-done" if release else "hold-done"
    await message.answer(ctx.tr(key, id=declaration_id))


def create_router() -> Router:
    router = Router(name="hold")
    router.message.register(hold_command, Command("hold"), F.chat.type == "private")
    return router
