"""People and groups: accounts, membership, group upgrades, blocking a bot.

Changes queue the updates Telegram would send (``my_chat_member``, ``chat_member``, service
messages) and honour group privacy mode: a bot with privacy mode on that is not an admin only
receives commands (``/cmd`` or ``/cmd@its_name``), replies to its own messages and service
messages.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Literal

from . import render
from .core import Core
from .errors import ControlError
from .state import ACTIVE_STATUSES, ADMIN_RIGHTS, BotRec, GroupRec, Membership, MessageRec, UserRec

JSONDict = dict[str, Any]
BotRef = int | str | BotRec | None

# What the Telegram app pre-selects when someone promotes a member to admin.
DEFAULT_ADMIN_RIGHTS = {right: right != "can_promote_members" for right in ADMIN_RIGHTS}


def create_user(
    core: Core,
    first_name: str,
    *,
    user_id: int | None = None,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "zh-hans",
) -> JSONDict:
    world = core.world
    if user_id is None:
        user_id = world.new_user_id()
    if user_id <= 0 or user_id in world.users or user_id in world.bots:
        raise ControlError(f"user id {user_id} is invalid or taken")
    if not first_name:
        raise ControlError("first_name must not be empty")
    rec = UserRec(user_id, first_name, last_name, username, language_code)
    world.users[user_id] = rec
    core.events.emit("user_created", user=rec.as_dict())
    return rec.as_dict()


def create_group(
    core: Core,
    title: str,
    *,
    chat_id: int | None = None,
    type: Literal["group", "supergroup"] = "supergroup",
    member_ids: Iterable[int] = (),
    creator_id: int | None = None,
) -> JSONDict:
    world = core.world
    if type not in ("group", "supergroup"):
        raise ControlError("type must be 'group' or 'supergroup'")
    if chat_id is None:
        chat_id = world.new_group_id(type)
    if chat_id >= 0 or chat_id in world.groups:
        raise ControlError(f"group id {chat_id} is invalid or taken")
    members = list(member_ids)
    for user_id in [*members, *([creator_id] if creator_id is not None else [])]:
        core.require_user(user_id)
    group = GroupRec(chat_id, type, title)
    # A group always has a creator: the given one, else the first member.
    creator = creator_id if creator_id is not None else (members[0] if members else None)
    for user_id in members:
        group.members[user_id] = Membership("member")
    if creator is not None:
        group.members[creator] = Membership("creator")
    world.groups[chat_id] = group
    core.events.emit("chat_updated", chat_id=chat_id, group=group.as_dict())
    return group.as_dict()


def member_bots(group: GroupRec, core: Core) -> list[BotRec]:
    return [bot for bot_id, bot in core.world.bots.items() if group.is_active_member(bot_id)]


def deliver_message(
    core: Core, group: GroupRec | None, msg: MessageRec, bots: list[BotRec]
) -> None:
    payload = render.message(core.world, msg)
    for bot in bots:
        if group is None or _bot_sees(core, bot, group, msg):
            core.deliver(bot.id, "message", payload)


def _bot_sees(core: Core, bot: BotRec, group: GroupRec, msg: MessageRec) -> bool:
    if not bot.privacy_mode or group.member(bot.id).status in ("administrator", "creator"):
        return True
    if msg.service is not None:
        return True
    if msg.reply_to is not None:
        target = core.world.chat(msg.chat_key).messages.get(msg.reply_to)
        if target is not None and target.sender == ("bot", bot.id):
            return True
    text = msg.text or msg.caption or ""
    first = (msg.entities or msg.caption_entities or [{}])[0]
    if first.get("type") != "bot_command" or first.get("offset") != 0:
        return False
    command = text[: first["length"]]
    addressee = command.partition("@")[2]
    return not addressee or addressee.lower() == bot.username.lower()


def _service(core: Core, group: GroupRec, actor: int, service: JSONDict) -> MessageRec:
    msg = core.post_message((0, group.id), ("user", actor), service=service)
    deliver_message(core, group, msg, member_bots(group, core))
    return msg


def _membership_update(
    core: Core, group: GroupRec, member_id: int, actor: int, change: Membership
) -> tuple[JSONDict, JSONDict]:
    old = render.chat_member(core.world, group, member_id)
    group.members[member_id] = change
    new = render.chat_member(core.world, group, member_id)
    core.events.emit("chat_updated", chat_id=group.id, group=group.as_dict())
    payload = {
        "chat": render.chat(core.world, (0, group.id)),
        "from": core.user_dict(actor),
        "date": render.unix(core.now()),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    return payload, new


def add_member(
    core: Core,
    chat_id: int,
    user_id: int,
    status: Literal["member", "administrator", "creator"] = "member",
    *,
    rights: dict[str, bool] | None = None,
) -> JSONDict:
    group = core.require_group(chat_id)
    core.require_user(user_id)
    was_member = group.is_active_member(user_id)
    if status == "administrator":
        rights = {**DEFAULT_ADMIN_RIGHTS, **(rights or {})}
    payload, new = _membership_update(
        core, group, user_id, user_id, Membership(status, rights or {})
    )
    for bot in member_bots(group, core):
        if group.member(bot.id).status in ("administrator", "creator"):
            core.deliver(bot.id, "chat_member", payload)
    if not was_member:
        _service(core, group, user_id, {"new_chat_members": [user_id]})
    return new


def remove_member(core: Core, chat_id: int, user_id: int, *, kicked: bool = False) -> JSONDict:
    group = core.require_group(chat_id)
    core.require_user(user_id)
    if not group.is_active_member(user_id):
        raise ControlError(f"user {user_id} is not a member of {chat_id}")
    _service(core, group, user_id, {"left_chat_member": user_id})
    change = Membership("kicked" if kicked else "left")
    payload, new = _membership_update(core, group, user_id, user_id, change)
    for bot in member_bots(group, core):
        if group.member(bot.id).status in ("administrator", "creator"):
            core.deliver(bot.id, "chat_member", payload)
    return new


def _actor(group: GroupRec, by_user_id: int | None, core: Core, fallback: int) -> int:
    """Who performs a change: the given user, else the creator, an admin, any member.

    ``fallback`` (the bot itself) only acts in a group without people, which Telegram cannot
    have but a hand-made test world can.
    """
    if by_user_id is not None:
        core.require_user(by_user_id)
        return by_user_id
    rank = {"creator": 0, "administrator": 1}
    people = [
        uid
        for uid, membership in group.members.items()
        if uid in core.world.users and membership.status in ACTIVE_STATUSES
    ]
    if not people:
        return fallback
    return min(people, key=lambda uid: rank.get(group.members[uid].status, 2))


def set_bot_membership(
    core: Core,
    chat_id: int,
    bot: BotRef,
    status: Literal["member", "administrator", "left", "kicked"],
    *,
    by_user_id: int | None = None,
    **rights: bool,
) -> JSONDict:
    """Add, promote, demote or remove a bot; the bot gets ``my_chat_member`` like on Telegram."""
    group = core.require_group(chat_id)
    rec = core.resolve_bot(bot)
    unknown = set(rights) - set(ADMIN_RIGHTS)
    if unknown:
        raise ControlError(f"unknown rights: {', '.join(sorted(unknown))}")
    actor = _actor(group, by_user_id, core, rec.id)
    was_member = group.is_active_member(rec.id)
    full = {**DEFAULT_ADMIN_RIGHTS, **rights} if status == "administrator" else {}
    payload, new = _membership_update(core, group, rec.id, actor, Membership(status, full))
    core.deliver(rec.id, "my_chat_member", payload)
    if not was_member and group.is_active_member(rec.id):
        _service(core, group, actor, {"new_chat_members": [rec.id]})
    elif was_member and not group.is_active_member(rec.id):
        msg = core.post_message(
            (0, group.id), ("user", actor), service={"left_chat_member": rec.id}
        )
        deliver_message(core, group, msg, member_bots(group, core))
    return new


def migrate_group(core: Core, chat_id: int) -> int:
    group = core.require_group(chat_id)
    if group.type != "group" or group.migrated_to is not None:
        raise ControlError(f"{chat_id} is not a basic group that can be upgraded")
    new_id = core.world.new_group_id("supergroup")
    actor = _actor(group, None, core, 0)
    supergroup = GroupRec(
        new_id, "supergroup", group.title, copy.deepcopy(group.members), migrated_from=chat_id
    )
    core.world.groups[new_id] = supergroup
    _service(core, group, actor, {"migrate_to_chat_id": new_id})
    group.migrated_to = new_id
    _service(core, supergroup, actor, {"migrate_from_chat_id": chat_id})
    core.events.emit("chat_updated", chat_id=chat_id, group=group.as_dict())
    core.events.emit("chat_updated", chat_id=new_id, group=supergroup.as_dict())
    return new_id


def set_blocked(core: Core, user_id: int, bot: BotRef, blocked: bool) -> None:
    rec = core.resolve_bot(bot)
    core.require_user(user_id)
    if (user_id in rec.blocked) == blocked:
        return
    user = core.user_dict(user_id)
    statuses = (
        {"status": "member", "user": render.bot_user(rec)},
        {"status": "kicked", "user": render.bot_user(rec), "until_date": 0},
    )
    old, new = statuses if blocked else statuses[::-1]
    if blocked:
        rec.blocked.add(user_id)
    else:
        rec.blocked.discard(user_id)
    chat = render.chat(core.world, (rec.id, user_id))
    payload = {
        "chat": chat,
        "from": user,
        "date": render.unix(core.now()),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    core.deliver(rec.id, "my_chat_member", payload)
    core.events.emit("bot_blocked" if blocked else "bot_unblocked", bot_id=rec.id, user_id=user_id)
