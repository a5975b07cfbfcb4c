"""Asking for a unit by name: one match is taken, several are offered as buttons, none opens
the tree to browse. Each feature passes the units the caller may choose and its own callback
data; its press handler calls `browse` for a browse press and acts (after checking the
presser's rights) on a choice.

In a private chat with no dialog running, a command whose name found no single unit also
waits for the name to be typed again (`Again`): the typed text runs the command again as if
sent with it (`answer_typed_names` says how)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain.org import OrgTree, Unit
from domain.unit_names import browse_level, exact_units, find_units, top_units
from services.onboarding import log_refusal
from texts.keyboards import MOST_UNIT_BUTTONS
from texts.unit_keyboards import MakeData, browse_keyboard, candidates_keyboard

TypedAgain = Callable[[Message, FSMContext, Context, str, dict[str, Any]], Awaitable[None]]
"""Runs a command again: (message, state, context, its arguments, the handler's data)."""
_TYPED_AGAIN: dict[str, TypedAgain] = {}


class UnitQuestion(StatesGroup):
    typing = State()  # data: the command and the rest of its arguments


def answer_typed_names(command: str, run: TypedAgain) -> None:
    """After /`command` found no single unit, a typed name runs `run` with the name and the
    command's other arguments."""
    _TYPED_AGAIN[command] = run


@dataclass(frozen=True, slots=True)
class Again:
    """Where a name typed next goes when a command's name found no single unit: the chat's
    state, the command, and the command's other arguments."""

    state: FSMContext
    command: str
    extra: str = ""


async def _wait_for_name(message: Message, again: Again) -> bool:
    """Wait for a name typed after the command (True), unless this is no private chat or a
    dialog is running: its questions come first."""
    state = again.state
    if message.chat.type != "private" or await state.get_state() not in (
        None,
        UnitQuestion.typing.state,
    ):
        return False
    await state.set_state(UnitQuestion.typing)
    await state.set_data({"command": again.command, "extra": again.extra})
    return True


async def name_typed(message: Message, state: FSMContext, ctx: Context, **data: Any) -> None:
    stored = await state.get_data()
    await state.clear()
    run = _TYPED_AGAIN.get(str(stored.get("command")))
    if run is None:  # a state left by a version that knew another command
        await message.answer(ctx.tr("button-expired"))
        return
    args = f"{message.text or ''} {stored.get('extra') or ''}".strip()
    await run(message, state, ctx, args, data)


async def unit_named(
    message: Message,
    ctx: Context,
    text: str,
    allowed: Sequence[Unit],
    make: MakeData,
    *,
    again: Again | None = None,
    waiting: bool = False,
) -> Unit | None:
    """The one allowed unit `text` names; otherwise the choices are offered and None returned.
    A name typed next is then taken when the caller's dialog waits for one (`waiting`) or, in
    a private chat with no dialog running, by running the command `again`; the answer says so.

    A unit outside `allowed` that `text` names exactly (its code or whole name) is returned
    too, so that the caller refuses it as such, with its audit entry, rather than answering
    "no such unit" about a unit that exists."""
    tree = await ctx.repos.org.load_tree()
    found = find_units(text, allowed)
    if len(found) == 1:
        if again is not None and await again.state.get_state() == UnitQuestion.typing.state:
            await again.state.clear()  # an earlier name question is answered by this one
        return found[0]
    if not found:
        elsewhere = exact_units(text, tree.units.values())
        if len(elsewhere) == 1:
            return elsewhere[0]
    waiting = waiting or (again is not None and await _wait_for_name(message, again))
    then = ctx.tr("unit-type-again" if waiting else "unit-send-again")
    if found:
        lines = [ctx.tr("unit-several", query=text.strip())]
        if len(found) > MOST_UNIT_BUTTONS:
            lines.append(ctx.tr("unit-several-more", count=len(found) - MOST_UNIT_BUTTONS))
        await message.answer(
            "\n".join([*lines, then]), reply_markup=candidates_keyboard(tree, found, make)
        )
        return None
    markup = _browser(ctx, tree, [unit.code for unit in allowed], None, make)
    text = ctx.tr("unit-not-found", query=text.strip()) + "\n" + then
    await message.answer(text, reply_markup=markup)
    return None


async def units_keyboard(
    ctx: Context, allowed: Sequence[Unit], make: MakeData
) -> InlineKeyboardMarkup:
    """The tree to browse from the top."""
    tree = await ctx.repos.org.load_tree()
    return _browser(ctx, tree, [unit.code for unit in allowed], None, make)


async def picked(query: CallbackQuery) -> None:
    """A unit was chosen: the press is answered and the choices it was among go away."""
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def checked_pick(
    query: CallbackQuery,
    ctx: Context,
    tree: OrgTree,
    allowed: Sequence[Unit],
    code: str,
    action: str,
) -> Unit | None:
    """The unit a press chose, `picked`, when it is one of `allowed` (the callback data's code is
    never trusted); None when not, the refusal logged under `action` and shown."""
    unit = tree.get(code) if code in tree else None
    if unit is None or unit not in allowed:
        await log_refusal(ctx.repos, ctx.actor, action, code, "perm-denied", ctx.now())
        await query.answer(ctx.tr("perm-denied"), show_alert=True)
        return None
    await picked(query)
    return unit


async def browse(
    query: CallbackQuery, ctx: Context, allowed: Sequence[Unit], at: str, make: MakeData
) -> None:
    """A browse press: the level of `at` ("" for the top) in place of the keyboard pressed."""
    tree = await ctx.repos.org.load_tree()
    await query.answer()
    if isinstance(query.message, Message):
        markup = _browser(ctx, tree, [unit.code for unit in allowed], at or None, make)
        await query.message.edit_reply_markup(reply_markup=markup)


def browse_view(
    tree: OrgTree, allowed: Sequence[str], at: str | None
) -> tuple[Unit | None, list[Unit], str | None]:
    """`browse_level` with the way back up: a unit code, "" for the top, None for none."""
    here, below = browse_level(tree, allowed, at)
    tops = top_units(tree, allowed)
    level = here or (tree.get(at) if at is not None and at in tree else None)
    if level is None or (len(tops) == 1 and level.code == tops[0].code):
        up = None
    elif any(level.code == top.code for top in tops):
        up = ""
    else:
        up = level.parent_code or ""
    return here, below, up


def _browser(
    ctx: Context, tree: OrgTree, allowed: list[str], at: str | None, make: MakeData
) -> InlineKeyboardMarkup:
    here, below, up = browse_view(tree, allowed, at)
    return browse_keyboard(ctx.tr, tree, here, below, make, up=up)


def create_router() -> Router:
    """Included after the dialogs, before the fallback: a typed name a command waits for."""
    router = Router(name="typed-unit-names")
    router.message.register(
        name_typed, UnitQuestion.typing, F.chat.type == "private", F.text, ~F.text.startswith("/")
    )
    return router
