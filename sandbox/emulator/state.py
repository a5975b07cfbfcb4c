"""The emulated world as plain data: users, bots, groups, chats with their messages, files.

Nothing here does I/O or knows about HTTP; :mod:`.core` changes it and :mod:`.render` turns it
into Telegram objects. Private chats are per bot (the same user has a separate chat with each
bot), so chats are keyed by ``(bot_id, chat_id)`` with ``bot_id == 0`` for groups.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

JSONDict = dict[str, Any]
ChatKey = tuple[int, int]
Status = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
    "can_pin_messages",
    "can_manage_topics",
)
ACTIVE_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})


@dataclass
class UserRec:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"

    def as_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }


@dataclass
class BotRec:
    id: int
    token: str
    username: str
    first_name: str
    privacy_mode: bool = True
    started: set[int] = field(default_factory=set)
    blocked: set[int] = field(default_factory=set)
    # (canonical scope JSON, language_code) -> commands, as setMyCommands stores them.
    commands: dict[tuple[str, str], list[JSONDict]] = field(default_factory=dict)

    def as_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "username": self.username,
            "first_name": self.first_name,
            "privacy_mode": self.privacy_mode,
            "started_by": sorted(self.started),
            "blocked_by": sorted(self.blocked),
        }


@dataclass
class Membership:
    status: Status
    rights: dict[str, bool] = field(default_factory=dict)
    custom_title: str | None = None

    def can(self, right: str) -> bool:
        return self.status == "creator" or (
            self.status == "administrator" and self.rights.get(right, False)
        )

    def as_dict(self) -> JSONDict:
        return {"status": self.status, "rights": dict(self.rights)}


@dataclass
class GroupRec:
    id: int
    type: Literal["group", "supergroup"]
    title: str
    members: dict[int, Membership] = field(default_factory=dict)
    username: str | None = None
    description: str | None = None
    migrated_to: int | None = None
    migrated_from: int | None = None

    def member(self, user_id: int) -> Membership:
        return self.members.get(user_id, Membership("left"))

    def is_active_member(self, user_id: int) -> bool:
        return self.member(user_id).status in ACTIVE_STATUSES

    def as_dict(self) -> JSONDict:
        return {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "username": self.username,
            "members": {str(uid): m.as_dict() for uid, m in self.members.items()},
            "migrated_to": self.migrated_to,
            "migrated_from": self.migrated_from,
        }


@dataclass
class FileRec:
    file_id: str
    file_unique_id: str
    kind: Literal["document", "photo"]
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass
class MessageRec:
    chat_key: ChatKey
    message_id: int
    date: datetime
    # ("user", id) or ("bot", id): who sent it.
    sender: tuple[Literal["user", "bot"], int]
    text: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    # Reply keyboard / ReplyKeyboardRemove / ForceReply: client-side, not part of a Message.
    keyboard: JSONDict | None = None
    document: str | None = None  # file_id
    photo: list[str] = field(default_factory=list)  # file_ids, smallest first
    reply_to: int | None = None
    link_preview_options: JSONDict | None = None
    # Service messages: {"pinned_message": id}, {"new_chat_members": [ids]}, ...
    service: JSONDict | None = None
    edit_date: datetime | None = None
    history: list[JSONDict] = field(default_factory=list)
    deleted: bool = False
    pinned: bool = False

    @property
    def chat_id(self) -> int:
        return self.chat_key[1]

    @property
    def bot_id(self) -> int | None:
        """The bot of a private chat; None in groups."""
        return self.chat_key[0] or None


@dataclass
class ChatLog:
    key: ChatKey
    messages: dict[int, MessageRec] = field(default_factory=dict)
    next_id: int = 1
    pinned: list[int] = field(default_factory=list)  # in pin order, most recent last

    def add(self, message: MessageRec) -> MessageRec:
        self.messages[message.message_id] = message
        return message

    def allocate_id(self) -> int:
        message_id = self.next_id
        self.next_id += 1
        return message_id

    def get(self, message_id: int) -> MessageRec | None:
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message


@dataclass
class CallbackRec:
    id: str
    bot_id: int
    user_id: int
    chat_key: ChatKey
    message_id: int
    data: str
    answer: JSONDict | None = None


@dataclass
class World:
    users: dict[int, UserRec] = field(default_factory=dict)
    bots: dict[int, BotRec] = field(default_factory=dict)
    groups: dict[int, GroupRec] = field(default_factory=dict)
    chats: dict[ChatKey, ChatLog] = field(default_factory=dict)
    files: dict[str, FileRec] = field(default_factory=dict)
    file_paths: dict[str, str] = field(default_factory=dict)  # file_path -> file_id
    callbacks: dict[str, CallbackRec] = field(default_factory=dict)
    user_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100000001))
    basic_group_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(4000000001)
    )
    supergroup_ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(1000000001)
    )
    file_counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def chat(self, key: ChatKey) -> ChatLog:
        log = self.chats.get(key)
        if log is None:
            log = self.chats[key] = ChatLog(key)
        return log

    def new_user_id(self) -> int:
        user_id = next(self.user_ids)
        while user_id in self.users or user_id in self.bots:
            user_id = next(self.user_ids)
        return user_id

    def new_group_id(self, kind: Literal["group", "supergroup"]) -> int:
        counter = self.supergroup_ids if kind == "supergroup" else self.basic_group_ids
        # Telegram's shapes: basic groups are -N, supergroups are -100N (N of 10 digits).
        base = 1000000000000 if kind == "supergroup" else 0
        chat_id = -(base + next(counter))
        while chat_id in self.groups:
            chat_id = -(base + next(counter))
        return chat_id
