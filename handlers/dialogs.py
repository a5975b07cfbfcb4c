"""What every dialog does the same way.

- `ask`: send a question into the caller's private chat (split at Telegram's limit, buttons on
  the last part) and remember it in the dialog's stored data.
- `answered`: once a question is answered, by typing or by a button, edit it to show the answer
  given and take its buttons off, so the chat never fills with dead buttons. A question re-asked
  after a wrong answer is a new message; the old one shows what was typed and loses its buttons.
- `redraw`: edit the asked question in place (a ticked checklist, another page).
- `refuse_stale`: the alert for a button of another question or dialog.
- `StoredDialogError`: a stored draft that no longer fits, which the dialog restarts.

Each dialog keeps its draft in FSM storage, so it survives restarts. A step's changes to its
draft come before its first Bot API request, which commits them (bot/session.py), so a step
costs one transaction.

The last question asked (its message id, text and whether it has buttons) is known only once
it has been sent, after that commit. With the SQL storage it is kept in the process rather than
written in a second transaction: that storage comes with in-process events isolation
(bot.app), so this process handles the dialog's next update too. After a restart, the question
then on screen keeps its buttons when answered by typing; they are refused as stale. Any other
storage (Redis, shared by several processes) writes it in the dialog's data, under ASKED,
where a write costs no database transaction.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from typing import Any
from weakref import WeakKeyDictionary

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StorageKey
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.context import Context
from services import drafts
from storage import SQLStorage
from storage.db import on_commit
from texts.messaging import TELEGRAM_TEXT_LIMIT, shorten, split_html

logger = logging.getLogger(__name__)

ASKED = "asked"  # the last question: {"id": message id, "text": its HTML, "buttons": bool}
# What /cancel says in a dialog that saves nothing (a catalog key; "cancel-done" otherwise).
ON_CANCEL = "on_cancel"
# An echoed typed answer longer than this is shortened: it is a reminder, not a record.
ECHO_LIMIT = 200
# Questions kept in the process, per storage: the most recent ones, so that dialogs left
# unfinished cannot fill the memory (an older one forgotten only keeps its buttons).
KEPT_QUESTIONS = 20_000

_Asked = tuple[int, str, bool]  # message id, text, whether it has buttons
_kept: WeakKeyDictionary[BaseStorage, OrderedDict[StorageKey, _Asked]] = WeakKeyDictionary()


class StoredDialogError(ValueError):
    """A stored dialog that cannot be used any more (tampered with, or from an older form)."""


async def ask(
    ctx: Context, state: FSMContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Send the question and remember its last part, which the answer will be echoed into."""
    parts = split_html(text)
    sent: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await ctx.bot.send_message(
            ctx.actor.telegram_id, part, reply_markup=markup if last else None
        )
    if sent is not None:
        await _remember(state, (sent.message_id, parts[-1], markup is not None))


async def redraw(
    ctx: Context,
    state: FSMContext,
    text: str,
    markup: InlineKeyboardMarkup | None,
    pressed: CallbackQuery | None = None,
) -> bool:
    """Edit the asked question to `text` (one part only); False when it cannot be edited,
    and the caller asks anew. `pressed`: the button of the question that was pressed (checked
    by the caller to belong to it), whose message stands in for a question this process does
    not remember (asked before a restart)."""
    asked = await _asked(state)
    if len(text) > TELEGRAM_TEXT_LIMIT:
        return False
    if asked is not None:
        message_id = asked[0]
    elif pressed is not None and isinstance(pressed.message, Message):
        message_id = pressed.message.message_id
    else:
        return False
    try:
        await ctx.bot.edit_message_text(
            text=text, chat_id=ctx.actor.telegram_id, message_id=message_id, reply_markup=markup
        )
    except TelegramBadRequest as error:
        # A double tap asks for what is already shown: nothing to do, nothing to ask anew.
        if "message is not modified" not in str(error):
            return False
    await _remember(state, (message_id, text, markup is not None))
    return True


async def answered(ctx: Context, state: FSMContext, answer: str | None) -> None:
    """Show `answer` under the asked question and take its buttons off (best effort: a
    question too old to edit keeps them, and its buttons are refused as stale)."""
    await _show_answer(ctx, await _take(ctx, state), answer)


async def _show_answer(ctx: Context, asked: _Asked | None, answer: str | None) -> None:
    if asked is None:
        return
    message_id, text, buttons = asked
    if answer:
        echoed = text + "\n\n" + ctx.tr("dialog-answered", answer=shorten(answer, ECHO_LIMIT))
        if len(echoed) <= TELEGRAM_TEXT_LIMIT:
            with contextlib.suppress(TelegramBadRequest):
                await ctx.bot.edit_message_text(
                    text=echoed, chat_id=ctx.actor.telegram_id, message_id=message_id
                )
                return
    if not buttons:  # nothing to take off
        return
    with contextlib.suppress(TelegramBadRequest):  # too old, or already without buttons
        await ctx.bot.edit_message_reply_markup(
            chat_id=ctx.actor.telegram_id, message_id=message_id, reply_markup=None
        )


def pressed_label(query: CallbackQuery) -> str | None:
    """The label of the button that was pressed, read off the message it was pressed on."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return None
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return None


async def answered_by_button(ctx: Context, state: FSMContext, query: CallbackQuery) -> None:
    """`answered` with the pressed button's label as the answer."""
    await answered(ctx, state, pressed_label(query))


async def refuse_stale(ctx: Context, query: CallbackQuery, key: str = "button-expired") -> None:
    await query.answer(ctx.tr(key), show_alert=True)


def _in_process(state: FSMContext) -> bool:
    return isinstance(state.storage, SQLStorage)


async def _remember(state: FSMContext, asked: _Asked) -> None:
    if _in_process(state):
        kept = _kept.setdefault(state.storage, OrderedDict())
        kept[state.key] = asked
        kept.move_to_end(state.key)
        if len(kept) > KEPT_QUESTIONS:
            kept.popitem(last=False)
        return
    message_id, text, buttons = asked
    await state.update_data({ASKED: {"id": message_id, "text": text, "buttons": buttons}})


async def _take(ctx: Context, state: FSMContext) -> _Asked | None:
    """The remembered question, forgotten (it is answered, or its dialog ends) once the
    update's next commit holds: a redelivery, rolled back at that commit, forgets nothing."""
    asked = await _asked(state)
    if asked is None:
        return None
    if _in_process(state):
        kept = _kept.get(state.storage)
        if kept is not None and kept.get(state.key) is asked:
            key = state.key

            def forget() -> None:
                if kept.get(key) is asked:  # not a question asked since
                    del kept[key]

            on_commit(ctx.repos.session, f"dialog-question:{key}", forget)
            return asked
    # Kept in the dialog's data (another storage, or a dialog begun before the process kept
    # its questions): forgotten with the step's other changes.
    await state.update_data({ASKED: None})
    return asked


async def _asked(state: FSMContext) -> _Asked | None:
    """The remembered question (id, text, whether it has buttons); None if there is none or
    it was tampered with."""
    if _in_process(state):
        kept = _kept.get(state.storage, OrderedDict()).get(state.key)
        if kept is not None:
            return kept
    asked: Any = (await state.get_data()).get(ASKED)
    if not isinstance(asked, dict):
        return None
    message_id, text, buttons = asked.get("id"), asked.get("text"), asked.get("buttons", True)
    if (
        isinstance(message_id, int)
        and not isinstance(message_id, bool)
        and isinstance(text, str)
        and isinstance(buttons, bool)
    ):
        return message_id, text, buttons
    return None


async def leave(ctx: Context, state: FSMContext, answer: str | None = None) -> None:
    """End whatever dialog is in progress: its question shows `answer` if given and keeps no
    live buttons, and a half-finished declaration's expiry lease goes with it (no expiry
    notice follows). Forgotten before the question is edited, so the edit's request commits
    the end with whatever came before it."""
    await _show_answer(ctx, await _end(ctx, state), answer)


async def start_dialog(ctx: Context, state: FSMContext, new: State, data: dict[str, Any]) -> None:
    """`leave` whatever dialog is in progress and begin `new` with `data`, in one commit: the
    old question's buttons come off with the first request."""
    asked = await _end(ctx, state)
    await state.set_state(new)
    await state.set_data(data)
    await _show_answer(ctx, asked, None)


async def _end(ctx: Context, state: FSMContext) -> _Asked | None:
    """Forget the dialog in progress and a declaration's lease; its question, to edit."""
    asked = await _take(ctx, state)
    await state.clear()
    await drafts.drop(ctx.repos, ctx.actor.telegram_id)
    return asked


async def dialog_declaration(ctx: Context, state: FSMContext, message: Message) -> int | None:
    """The declaration a case dialog (a note, a purpose, a reason) is about; None when the
    state is one an older version left: the dialog is left and the person told."""
    declaration_id = (await state.get_data()).get("declaration")
    if isinstance(declaration_id, int):
        return declaration_id
    await leave(ctx, state)
    await message.answer(ctx.tr("button-expired"))
    return None
