"""Turn :mod:`.state` records into Telegram Bot API objects and control-API views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .state import ADMIN_RIGHTS, BotRec, ChatKey, FileRec, GroupRec, MessageRec, World

JSONDict = dict[str, Any]

_NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}
_MEMBER_PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


def bot_user(bot: BotRec, *, full: bool = False) -> JSONDict:
    user: JSONDict = {
        "id": bot.id,
        "is_bot": True,
        "first_name": bot.first_name,
        "username": bot.username,
    }
    if full:
        user.update(
            can_join_groups=True,
            can_read_all_group_messages=not bot.privacy_mode,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return user


def user(world: World, user_id: int) -> JSONDict:
    if user_id in world.bots:
        return bot_user(world.bots[user_id])
    rec = world.users.get(user_id)
    if rec is None:
        return {"id": user_id, "is_bot": False, "first_name": str(user_id)}
    result: JSONDict = {"id": rec.id, "is_bot": False, "first_name": rec.first_name}
    for key in ("last_name", "username", "language_code"):
        value = getattr(rec, key)
        if value is not None:
            result[key] = value
    return result


def chat(world: World, key: ChatKey) -> JSONDict:
    chat_id = key[1]
    group = world.groups.get(chat_id)
    if group is not None:
        result: JSONDict = {"id": group.id, "type": group.type, "title": group.title}
        if group.username:
            result["username"] = group.username
        return result
    person = user(world, chat_id)
    result = {"id": chat_id, "type": "private", "first_name": person["first_name"]}
    for key_name in ("last_name", "username"):
        if key_name in person:
            result[key_name] = person[key_name]
    return result


def _document(file: FileRec) -> JSONDict:
    result: JSONDict = {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": len(file.data),
    }
    if file.file_name:
        result["file_name"] = file.file_name
    if file.mime_type:
        result["mime_type"] = file.mime_type
    return result


def _photo_size(file: FileRec) -> JSONDict:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "width": file.width or 0,
        "height": file.height or 0,
        "file_size": len(file.data),
    }


def message(world: World, msg: MessageRec, *, nested: bool = False) -> JSONDict:
    kind, sender_id = msg.sender
    result: JSONDict = {
        "message_id": msg.message_id,
        "from": bot_user(world.bots[sender_id]) if kind == "bot" else user(world, sender_id),
        "chat": chat(world, msg.chat_key),
        "date": unix(msg.date),
    }
    if msg.text is not None:
        result["text"] = msg.text
        if msg.entities:
            result["entities"] = msg.entities
    if msg.caption:
        result["caption"] = msg.caption
        if msg.caption_entities:
            result["caption_entities"] = msg.caption_entities
    if msg.document:
        result["document"] = _document(world.files[msg.document])
    if msg.photo:
        result["photo"] = [_photo_size(world.files[file_id]) for file_id in msg.photo]
    if msg.reply_markup and msg.reply_markup.get("inline_keyboard"):
        result["reply_markup"] = msg.reply_markup
    if msg.link_preview_options:
        result["link_preview_options"] = msg.link_preview_options
    if msg.edit_date is not None:
        result["edit_date"] = unix(msg.edit_date)
    if msg.reply_to is not None and not nested:
        target = world.chat(msg.chat_key).messages.get(msg.reply_to)
        if target is not None and not target.deleted:
            result["reply_to_message"] = message(world, target, nested=True)
    if msg.service:
        result.update(_service(world, msg))
    return result


def _service(world: World, msg: MessageRec) -> JSONDict:
    service = dict(msg.service or {})
    result: JSONDict = {}
    pinned_id = service.pop("pinned_message", None)
    if pinned_id is not None:
        target = world.chat(msg.chat_key).messages.get(int(pinned_id))
        if target is None or target.deleted:
            result["pinned_message"] = {
                "chat": chat(world, msg.chat_key),
                "message_id": int(pinned_id),
                "date": 0,
            }
        else:
            result["pinned_message"] = message(world, target, nested=True)
    for key in ("new_chat_members", "left_chat_member"):
        ids = service.pop(key, None)
        if ids is None:
            continue
        if key == "left_chat_member":
            result[key] = user(world, int(ids))
        else:
            result[key] = [user(world, int(member_id)) for member_id in ids]
            result["new_chat_member"] = result[key][0]
    result.update(service)
    return result


def chat_member(world: World, group: GroupRec | None, user_id: int) -> JSONDict:
    who = user(world, user_id)
    if group is None:
        return {"status": "member", "user": who}
    membership = group.member(user_id)
    status = membership.status
    if status == "creator":
        result: JSONDict = {"status": status, "user": who, "is_anonymous": False}
        if membership.custom_title:
            result["custom_title"] = membership.custom_title
        return result
    if status == "administrator":
        result = {"status": status, "user": who, "can_be_edited": False, "is_anonymous": False}
        result.update({right: membership.rights.get(right, False) for right in ADMIN_RIGHTS})
        result["can_manage_chat"] = True
        return result
    if status == "restricted":
        result = {"status": status, "user": who, "is_member": True, "until_date": 0}
        result.update({right: membership.rights.get(right, False) for right in _MEMBER_PERMISSIONS})
        return result
    if status == "kicked":
        return {"status": status, "user": who, "until_date": 0}
    return {"status": status, "user": who}


def chat_full_info(world: World, key: ChatKey) -> JSONDict:
    result = chat(world, key)
    result.update(accent_color_id=0, max_reaction_count=11, accepted_gift_types=dict(_NO_GIFTS))
    group = world.groups.get(key[1])
    if group is not None:
        result["permissions"] = {
            name: name not in ("can_change_info", "can_pin_messages", "can_manage_topics")
            for name in _MEMBER_PERMISSIONS
        }
        if group.description:
            result["description"] = group.description
        if group.migrated_to is not None:
            result["migrated_to_chat_id"] = group.migrated_to
    log = world.chats.get(key)
    if log is not None and log.pinned:
        pinned = log.get(log.pinned[-1])
        if pinned is not None:
            result["pinned_message"] = message(world, pinned)
    return result


def file_info(file: FileRec) -> JSONDict:
    return {
        "file_id": file.file_id,
        "file_unique_id": file.file_unique_id,
        "file_size": len(file.data),
        "file_path": file.file_path,
    }


def message_view(world: World, msg: MessageRec) -> JSONDict:
    """The control API's JSON view: the Telegram fields plus emulator bookkeeping."""
    kind, sender_id = msg.sender
    sender = bot_user(world.bots[sender_id]) if kind == "bot" else user(world, sender_id)
    group = world.groups.get(msg.chat_id)
    document = world.files.get(msg.document) if msg.document else None
    return {
        "message_id": msg.message_id,
        "chat_id": msg.chat_id,
        "bot_id": msg.bot_id,
        "chat_type": group.type if group else "private",
        "chat": chat(world, msg.chat_key),
        "from": sender,
        "date": unix(msg.date),
        "date_iso": msg.date.isoformat(),
        "text": msg.text,
        "entities": msg.entities,
        "caption": msg.caption,
        "caption_entities": msg.caption_entities,
        "reply_markup": msg.reply_markup,
        "keyboard": msg.keyboard,
        "document": _document(document) if document else None,
        "photo": [_photo_size(world.files[f]) for f in msg.photo] or None,
        "reply_to_message_id": msg.reply_to,
        "service": msg.service,
        "edited": msg.edit_date is not None,
        "edit_date": unix(msg.edit_date) if msg.edit_date else None,
        "edit_history": msg.history,
        "deleted": msg.deleted,
        "pinned": msg.pinned,
    }
