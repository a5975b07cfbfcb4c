"""What people do in chats: write, send files, press buttons; plus raw update injection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from . import files, render
from .core import Core
from .errors import ApiError, ControlError, NotFoundError
from .markup import callback_buttons
from .params import Upload
from .people import BotRef, deliver_message, member_bots, set_blocked
from .state import BotRec, CallbackRec, ChatKey, GroupRec
from .text import format_text
from .updates import ALL_UPDATE_TYPES

JSONDict = dict[str, Any]

# Why a person's message was refused, as a control error code (see ControlError): the Bot API
# descriptions are Telegram's, in English, and are what the bot would be told.
REFUSALS = {
    "Bad Request: message is too long": "message_too_long",
    "Bad Request: message caption is too long": "caption_too_long",
    "Bad Request: message text is empty": "message_empty",
    "Bad Request: file must be non-empty": "file_empty",
    "Bad Request: IMAGE_PROCESS_FAILED": "bad_image",
}


def _user_chat(
    core: Core, user_id: int, chat_id: int, bot: BotRef
) -> tuple[ChatKey, GroupRec | None, list[BotRec]]:
    """Where a user writes, and which bots are told: checks membership like the app would."""
    core.require_user(user_id)
    if chat_id > 0:
        if chat_id != user_id:
            raise ControlError("in a private chat chat_id is the user's own id")
        rec = core.resolve_bot(bot)
        if user_id in rec.blocked:
            # Writing to a blocked bot means pressing "Restart" in the app first.
            set_blocked(core, user_id, rec, False)
        rec.started.add(user_id)
        return (rec.id, user_id), None, [rec]
    group = core.require_group(chat_id)
    if group.migrated_to is not None:
        raise ControlError(
            f"group {chat_id} was upgraded to {group.migrated_to}", code="group_migrated"
        )
    if not group.is_active_member(user_id):
        raise ControlError(f"user {user_id} is not a member of {chat_id}", code="not_member")
    return (0, chat_id), group, member_bots(group, core)


def _user_posts(
    core: Core,
    user_id: int,
    chat_id: int,
    bot: BotRef,
    reply_to_message_id: int | None,
    content: Callable[[], dict[str, Any]],
) -> JSONDict:
    key, group, recipients = _user_chat(core, user_id, chat_id, bot)
    if reply_to_message_id is not None and core.find_message(key, reply_to_message_id) is None:
        raise NotFoundError(
            f"message {reply_to_message_id} not found in chat {chat_id}", code="message_not_found"
        )
    try:
        fields = content()
    except ApiError as exc:
        raise ControlError(exc.description, code=REFUSALS.get(exc.description)) from exc
    msg = core.post_message(key, ("user", user_id), reply_to=reply_to_message_id, **fields)
    deliver_message(core, group, msg, recipients)
    return render.message_view(core.world, msg)


def user_sends(
    core: Core,
    user_id: int,
    chat_id: int,
    text: str,
    *,
    bot: BotRef = None,
    reply_to_message_id: int | None = None,
) -> JSONDict:
    def content() -> dict[str, Any]:
        clean, entities = format_text(text, None, None, user_lookup=core.user_dict)
        return {"text": clean, "entities": entities}

    return _user_posts(core, user_id, chat_id, bot, reply_to_message_id, content)


def user_sends_file(
    core: Core,
    user_id: int,
    chat_id: int,
    data: bytes,
    *,
    kind: Literal["document", "photo"] = "document",
    filename: str = "file",
    mime_type: str = "",
    caption: str | None = None,
    bot: BotRef = None,
    reply_to_message_id: int | None = None,
) -> JSONDict:
    if kind not in ("document", "photo"):
        raise ControlError("kind must be 'document' or 'photo'")

    def content() -> dict[str, Any]:
        text, entities = format_text(caption, None, None, caption=True)
        fields: dict[str, Any] = {"caption": text or None, "caption_entities": entities}
        if kind == "photo":
            fields["photo"] = [f.file_id for f in files.store_photo(core.world, data)]
        else:
            upload = Upload(filename, mime_type, data)
            fields["document"] = files.store_document(core.world, upload).file_id
        return fields

    return _user_posts(core, user_id, chat_id, bot, reply_to_message_id, content)


def press_button(
    core: Core,
    user_id: int,
    chat_id: int,
    message_id: int,
    callback_data: str,
    *,
    bot: BotRef = None,
) -> str:
    core.require_user(user_id)
    key = core.key_for(chat_id, bot)
    if chat_id > 0 and chat_id != user_id:
        raise ControlError("in a private chat chat_id is the user's own id")
    group = core.world.groups.get(chat_id)
    if group is not None and not group.is_active_member(user_id):
        raise ControlError(f"user {user_id} is not a member of {chat_id}", code="not_member")
    msg = core.find_message(key, message_id)
    if msg is None:
        raise NotFoundError(
            f"message {message_id} not found in chat {chat_id}", code="message_not_found"
        )
    buttons = callback_buttons(msg.reply_markup)
    if msg.sender[0] != "bot" or callback_data not in buttons:
        raise ControlError(
            f"message {message_id} has no button with callback_data {callback_data!r} "
            f"(has {buttons})",
            code="button_gone",
        )
    bot_id = msg.sender[1]
    query_id = str(4_000_000_000_000_000_000 + len(core.world.callbacks) + 1)
    core.world.callbacks[query_id] = CallbackRec(
        query_id, bot_id, user_id, key, message_id, callback_data
    )
    payload = {
        "id": query_id,
        "from": core.user_dict(user_id),
        "message": render.message(core.world, msg),
        "chat_instance": str((abs(chat_id) * 1_000_003 + bot_id) % 10**19),
        "data": callback_data,
    }
    core.deliver(bot_id, "callback_query", payload)
    core.events.emit(
        "callback_query",
        callback_query_id=query_id,
        chat_id=chat_id,
        bot_id=bot_id,
        user_id=user_id,
        message_id=message_id,
        data=callback_data,
    )
    return query_id


def queue_update(
    core: Core, bot: BotRef, update: JSONDict, *, deliver_twice: bool = False
) -> JSONDict:
    rec = core.resolve_bot(bot)
    if not any(kind in update for kind in ALL_UPDATE_TYPES):
        raise ControlError("an update needs one of the update type fields (message, ...)")
    return core.queue(rec.id).push_raw(update, copies=2 if deliver_twice else 1)


def duplicate_last_update(core: Core, bot: BotRef = None) -> JSONDict:
    queue = core.queue(core.resolve_bot(bot).id)
    if not queue.history:
        raise ControlError("the bot has not been sent any update yet")
    return queue.push_raw(queue.history[-1])
