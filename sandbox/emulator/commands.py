"""Bot commands per (scope, language), stored and resolved the way Telegram does."""

from __future__ import annotations

import json
import re
from typing import Any

from .core import Core
from .errors import ControlError, bad_request
from .state import BotRec

JSONDict = dict[str, Any]

SCOPE_FIELDS: dict[str, tuple[str, ...]] = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_RE = re.compile(r"^[a-z]{2}$")


def canonical_scope(raw: Any) -> JSONDict:
    """A BotCommandScope reduced to its identifying fields; ValueError when malformed."""
    if raw is None:
        return {"type": "default"}
    if isinstance(raw, str):
        raw = json.loads(raw)
    if not isinstance(raw, dict) or raw.get("type") not in SCOPE_FIELDS:
        raise ValueError("unsupported BotCommandScope")
    scope: JSONDict = {"type": raw["type"]}
    for name in SCOPE_FIELDS[raw["type"]]:
        value = raw.get(name)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if value is None:
            raise ValueError(f"BotCommandScope field {name} is required")
        scope[name] = value
    return scope


def storage_key(scope: JSONDict, language_code: str | None) -> tuple[str, str]:
    return json.dumps(scope, sort_keys=True), language_code or ""


def api_scope(core: Core, bot: BotRec, raw: Any) -> JSONDict:
    try:
        scope = canonical_scope(raw)
    except ValueError as exc:
        raise bad_request(f"can't parse BotCommandScope: {exc}") from exc
    if "chat_id" in scope:
        key = core.accessible_chat(bot, scope["chat_id"], write=False)
        scope["chat_id"] = key[1]
        if scope["type"] != "chat" and key[1] > 0:
            raise bad_request("can't use chat administrators or members scope in private chats")
    if "user_id" in scope and scope["user_id"] not in core.world.users:
        raise bad_request("user not found")
    return scope


def api_language(raw: str | None) -> str:
    language = raw or ""
    if language and not _LANGUAGE_RE.match(language):
        raise bad_request("invalid language code specified")
    return language


def parse_commands(raw: Any) -> list[JSONDict]:
    if not isinstance(raw, list):
        raise bad_request("can't parse commands JSON object")
    if len(raw) > 100:
        raise bad_request("too many commands specified")
    result: list[JSONDict] = []
    for item in raw:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand: BotCommand must be an Object")
        command = str(item.get("command", "")).removeprefix("/")
        description = str(item.get("description", "")).strip()
        if not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        result.append({"command": command, "description": description})
    return result


def stored(bot: BotRec, scope: JSONDict, language_code: str | None) -> list[JSONDict]:
    return list(bot.commands.get(storage_key(scope, language_code), []))


def effective(core: Core, bot: BotRec, chat_id: int, user_id: int) -> list[JSONDict]:
    """The command menu ``user_id`` sees in ``chat_id``: Telegram's documented fallback order."""
    user = core.world.users.get(user_id)
    if user is None:
        raise ControlError(f"unknown user {user_id}")
    group = core.world.groups.get(chat_id)
    if chat_id < 0 and group is None:
        raise ControlError(f"unknown group {chat_id}")
    scopes: list[JSONDict]
    if group is None:
        scopes = [{"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}]
    else:
        scopes = [
            {"type": "chat_member", "chat_id": chat_id, "user_id": user_id},
        ]
        admin = group.member(user_id).status in ("creator", "administrator")
        if admin:
            scopes.append({"type": "chat_administrators", "chat_id": chat_id})
        scopes.append({"type": "chat", "chat_id": chat_id})
        if admin:
            scopes.append({"type": "all_chat_administrators"})
        scopes.append({"type": "all_group_chats"})
    scopes.append({"type": "default"})
    language = (user.language_code or "")[:2].lower()
    for scope in scopes:
        for lang in (language, ""):
            key = storage_key(scope, lang)
            if key in bot.commands:
                return list(bot.commands[key])
    return []
