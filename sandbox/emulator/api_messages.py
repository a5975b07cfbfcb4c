"""Bot API methods that create, change or remove messages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import files, render
from .core import Core
from .errors import bad_request
from .markup import parse_reply_markup
from .params import Params, Upload
from .registry import method
from .state import BotRec, ChatKey, MessageRec
from .text import format_text

JSONDict = dict[str, Any]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
DELETE_WINDOW = timedelta(hours=48)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def _reply_target(core: Core, key: ChatKey, p: Params) -> int | None:
    params = p.json("reply_parameters")
    if isinstance(params, dict):
        message_id = params.get("message_id")
        lenient = bool(params.get("allow_sending_without_reply"))
        if params.get("chat_id") not in (None, key[1]):
            raise bad_request("message to be replied not found")
    else:
        message_id = p.integer("reply_to_message_id")
        lenient = p.boolean("allow_sending_without_reply")
    if message_id is None:
        return None
    if not str(message_id).isdigit():
        raise bad_request("message to be replied not found")
    if core.find_message(key, int(message_id)) is None:
        if lenient:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def _formatted(core: Core, p: Params, field: str, *, caption: bool = False) -> tuple[str, Any]:
    entities_field = "caption_entities" if caption else "entities"
    parse_mode = p.get("parse_mode")
    return format_text(
        p.get(field),
        parse_mode,
        p.json(entities_field),
        caption=caption,
        user_lookup=core.user_dict,
    )


def _send(core: Core, bot: BotRec, p: Params, **content: Any) -> JSONDict:
    key = core.accessible_chat(bot, p.chat_id())
    inline, keyboard = parse_reply_markup(p.get("reply_markup"))
    reply_to = _reply_target(core, key, p)
    msg = core.post_message(
        key,
        ("bot", bot.id),
        reply_markup=inline,
        keyboard=keyboard,
        reply_to=reply_to,
        **content,
    )
    return render.message(core.world, msg)


@method("sendMessage")
def send_message(core: Core, bot: BotRec, p: Params) -> JSONDict:
    p.chat_id()  # a missing chat_id is reported before anything else, as by Telegram
    text, entities = _formatted(core, p, "text")
    preview = p.json("link_preview_options")
    return _send(
        core,
        bot,
        p,
        text=text,
        entities=entities,
        link_preview_options=preview if isinstance(preview, dict) else None,
    )


def _caption(core: Core, p: Params) -> dict[str, Any]:
    caption, entities = _formatted(core, p, "caption", caption=True)
    return {"caption": caption or None, "caption_entities": entities}


@method("sendDocument")
def send_document(core: Core, bot: BotRec, p: Params) -> JSONDict:
    p.chat_id()
    value = p.upload("document")
    if value is None:
        raise bad_request("there is no document in the request")
    caption = _caption(core, p)
    core.accessible_chat(bot, p.chat_id())
    if isinstance(value, Upload):
        rec = files.store_document(core.world, value)
    else:
        rec = files.existing_file(core.world, value, "document")
    return _send(core, bot, p, document=rec.file_id, **caption)


@method("sendPhoto")
def send_photo(core: Core, bot: BotRec, p: Params) -> JSONDict:
    p.chat_id()
    value = p.upload("photo")
    if value is None:
        raise bad_request("there is no photo in the request")
    caption = _caption(core, p)
    core.accessible_chat(bot, p.chat_id())
    if isinstance(value, Upload):
        sizes = files.store_photo(core.world, value.data)
    else:
        rec = files.existing_file(core.world, value, "photo")
        sizes = [rec]
    return _send(core, bot, p, photo=[f.file_id for f in sizes], **caption)


def _own_message(core: Core, bot: BotRec, p: Params, missing: str) -> MessageRec:
    if p.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    key = core.accessible_chat(bot, p.chat_id())
    message_id = p.required_int("message_id", bad_request("message identifier is not specified"))
    msg = core.find_message(key, message_id)
    if msg is None:
        raise bad_request(missing)
    return msg


def _edit_markup(p: Params) -> JSONDict | None:
    inline, other = parse_reply_markup(p.get("reply_markup"))
    if other is not None:
        raise bad_request("inline keyboard expected")
    # Omitting reply_markup in an edit removes the keyboard, as on Telegram.
    return inline


def _edited(core: Core, msg: MessageRec, changes: dict[str, Any]) -> JSONDict:
    current = {name: getattr(msg, name) for name in changes}
    if current == changes:
        raise bad_request(NOT_MODIFIED)
    core.edit_message(msg, **changes)
    return render.message(core.world, msg)


@method("editMessageText")
def edit_message_text(core: Core, bot: BotRec, p: Params) -> JSONDict:
    msg = _own_message(core, bot, p, "message to edit not found")
    if msg.sender != ("bot", bot.id):
        raise bad_request("message can't be edited")
    if msg.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = _formatted(core, p, "text")
    changes = {"text": text, "entities": entities, "reply_markup": _edit_markup(p)}
    return _edited(core, msg, changes)


@method("editMessageCaption")
def edit_message_caption(core: Core, bot: BotRec, p: Params) -> JSONDict:
    msg = _own_message(core, bot, p, "message to edit not found")
    if msg.sender != ("bot", bot.id):
        raise bad_request("message can't be edited")
    if msg.text is not None or msg.service is not None:
        raise bad_request("there is no caption in the message to edit")
    changes = {**_caption(core, p), "reply_markup": _edit_markup(p)}
    return _edited(core, msg, changes)


@method("editMessageReplyMarkup")
def edit_message_reply_markup(core: Core, bot: BotRec, p: Params) -> JSONDict:
    msg = _own_message(core, bot, p, "message to edit not found")
    if msg.sender != ("bot", bot.id):
        raise bad_request("message can't be edited")
    return _edited(core, msg, {"reply_markup": _edit_markup(p)})


def _check_deletable(core: Core, bot: BotRec, msg: MessageRec) -> None:
    own = msg.sender == ("bot", bot.id)
    group = core.world.groups.get(msg.chat_id)
    if group is not None and not own:
        membership = group.member(bot.id)
        basic_admin = group.type == "group" and membership.status in ("administrator", "creator")
        if not (basic_admin or membership.can("can_delete_messages")):
            raise bad_request("message can't be deleted")
    if core.now() - msg.date > DELETE_WINDOW and msg.service is None:
        raise bad_request("message can't be deleted for everyone")


@method("deleteMessage")
def delete_message(core: Core, bot: BotRec, p: Params) -> bool:
    msg = _own_message(core, bot, p, "message to delete not found")
    _check_deletable(core, bot, msg)
    core.delete_message(msg)
    return True


@method("deleteMessages")
def delete_messages(core: Core, bot: BotRec, p: Params) -> bool:
    key = core.accessible_chat(bot, p.chat_id())
    ids = p.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must be a non-empty list of at most 100 identifiers")
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise bad_request("message_ids must contain message identifiers")
    found = [m for m in (core.find_message(key, int(i)) for i in ids) if m is not None]
    for msg in found:
        _check_deletable(core, bot, msg)
    for msg in found:
        core.delete_message(msg)
    return True


def _pin_rights(core: Core, bot: BotRec, key: ChatKey) -> None:
    group = core.world.groups.get(key[1])
    if group is not None and not group.member(bot.id).can("can_pin_messages"):
        raise bad_request("not enough rights to manage pinned messages in the chat")


@method("pinChatMessage")
def pin_chat_message(core: Core, bot: BotRec, p: Params) -> bool:
    msg = _own_message(core, bot, p, "message to pin not found")
    _pin_rights(core, bot, msg.chat_key)
    core.set_pinned(msg, True)
    core.post_message(msg.chat_key, ("bot", bot.id), service={"pinned_message": msg.message_id})
    return True


@method("unpinChatMessage")
def unpin_chat_message(core: Core, bot: BotRec, p: Params) -> bool:
    key = core.accessible_chat(bot, p.chat_id())
    _pin_rights(core, bot, key)
    message_id = p.integer("message_id")
    log = core.world.chat(key)
    if message_id is None:
        if not log.pinned:
            raise bad_request("message to unpin not found")
        message_id = log.pinned[-1]
    msg = core.find_message(key, message_id)
    if msg is None:
        raise bad_request("message to unpin not found")
    if msg.pinned:
        core.set_pinned(msg, False)
    return True


@method("unpinAllChatMessages")
def unpin_all_chat_messages(core: Core, bot: BotRec, p: Params) -> bool:
    key = core.accessible_chat(bot, p.chat_id())
    _pin_rights(core, bot, key)
    log = core.world.chat(key)
    for message_id in list(log.pinned):
        msg = log.get(message_id)
        if msg is not None:
            core.set_pinned(msg, False)
    return True


@method("sendChatAction")
def send_chat_action(core: Core, bot: BotRec, p: Params) -> bool:
    key = core.accessible_chat(bot, p.chat_id())
    action = p.text("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    core.events.emit("chat_action", chat_id=key[1], bot_id=key[0] or None, action=action)
    return True


@method("getFile")
def get_file(core: Core, bot: BotRec, p: Params) -> JSONDict:
    return render.file_info(files.file_by_id(core.world, p.text("file_id")))
