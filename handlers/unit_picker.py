"""Asking for a unit by name: one match is taken, several are offered as buttons, none opens
the tree to browse. Each feature passes the units the caller may choose and its own callback
data; its press handler calls `browse` for a browse press and acts (after checking the
presser's rights) on a choice."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from domain.org import OrgTree, Unit
from domain.unit_names import browse_level, exact_units, find_units, top_units
from texts.unit_keyboards import MakeData, browse_keyboard, candidates_keyboard


async def unit_named(
    message: Message, ctx: Context, text: str, allowed: Sequence[Unit], make: MakeData
) -> Unit | None:
    """The one allowed unit `text` names; otherwise the choices are offered and None returned.

    A unit outside `allowed` that `text` names exactly (its code or whole name) is returned
    too, so that the caller refuses it as such, with its audit entry, rather than answering
    "no such unit" about a unit that exists."""
    tree = await ctx.repos.org.load_tree()
    found = find_units(text, allowed)
    if len(found) == 1:
        return found[0]
    if not found:
        elsewhere = exact_units(text, tree.units.values())
        if len(elsewhere) == 1:
            return elsewhere[0]
    if found:
        await message.answer(
            ctx.tr("unit-several", query=text.strip()),
            reply_markup=candidates_keyboard(tree, found, make),
        )
        return None
    markup = _browser(ctx, tree, [unit.code for unit in allowed], None, make)
    await message.answer(ctx.tr("unit-not-found", query=text.strip()), reply_markup=markup)
    return None


async def units_keyboard(
    ctx: Context, allowed: Sequence[Unit], make: MakeData
) -> InlineKeyboardMarkup:
    """The tree to browse from the top."""
    tree = await ctx.repos.org.load_tree()
    return _browser(ctx, tree, [unit.code for unit in allowed], None, make)


async def browse(
    query: CallbackQuery, ctx: Context, allowed: Sequence[Unit], at: str, make: MakeData
) -> None:
    """A browse press: the level of `at` ("" for the top) in place of the keyboard pressed."""
    tree = await ctx.repos.org.load_tree()
    await query.answer()
    if isinstance(query.message, Message):
        markup = _browser(ctx, tree, [unit.code for unit in allowed], at or None, make)
        await query.message.edit_reply_markup(reply_markup=markup)


def _browser(
    ctx: Context, tree: OrgTree, allowed: list[str], at: str | None, make: MakeData
) -> InlineKeyboardMarkup:
    here, below = browse_level(tree, allowed, at)
    tops = top_units(tree, allowed)
    level = here or (tree.get(at) if at is not None and at in tree else None)
    if level is None or (len(tops) == 1 and level.code == tops[0].code):
        up = None
    elif any(level.code == top.code for top in tops):
        up = ""
    else:
        up = level.parent_code or ""
    return browse_keyboard(ctx.tr, tree, here, below, make, up=up)
