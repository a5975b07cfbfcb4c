"""Bot API methods about the bot itself, updates, webhooks, chats, members and commands."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from . import commands, render
from .core import Core
from .errors import bad_request
from .net import is_loopback
from .params import Params
from .registry import method
from .state import ACTIVE_STATUSES, BotRec
from .updates import WebhookConfig

JSONDict = dict[str, Any]

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@method("getMe")
def get_me(core: Core, bot: BotRec, p: Params) -> JSONDict:
    return render.bot_user(bot, full=True)


@method("logOut", "close")
def log_out(core: Core, bot: BotRec, p: Params) -> bool:
    return True


@method("getUpdates")
def get_updates(core: Core, bot: BotRec, p: Params) -> Awaitable[list[JSONDict]]:
    queue = core.queue(bot.id)
    queue.set_allowed(p.json("allowed_updates"))
    return queue.get_updates(
        offset=p.integer("offset") or 0,
        limit=p.integer("limit") or 100,
        poll_seconds=float(p.integer("timeout") or 0),
    )


@method("setWebhook")
def set_webhook(core: Core, bot: BotRec, p: Params) -> bool:
    queue = core.queue(bot.id)
    url = p.text("url") or ""
    secret = p.text("secret_token")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not is_loopback(parts.hostname):
            # Never deliver outside this machine (documented difference from Telegram).
            raise bad_request("bad webhook: the sandbox delivers only to loopback addresses")
        if secret is not None and not _SECRET_RE.match(secret):
            raise bad_request("secret token contains unallowed characters")
    if p.boolean("drop_pending_updates"):
        queue.drop_pending()
    queue.set_allowed(p.json("allowed_updates"))
    if not url:
        queue.webhook = None
        queue.notify()
        return True
    max_connections = p.integer("max_connections") or 40
    queue.webhook = WebhookConfig(url, secret, max(1, min(max_connections, 100)))
    queue.notify()
    core.on_webhook_set(bot.id)
    return True


@method("deleteWebhook")
def delete_webhook(core: Core, bot: BotRec, p: Params) -> bool:
    queue = core.queue(bot.id)
    if p.boolean("drop_pending_updates"):
        queue.drop_pending()
    queue.webhook = None
    queue.notify()
    return True


@method("getWebhookInfo")
def get_webhook_info(core: Core, bot: BotRec, p: Params) -> JSONDict:
    queue = core.queue(bot.id)
    hook = queue.webhook
    info: JSONDict = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(queue.pending),
    }
    if hook is not None:
        info.update(max_connections=hook.max_connections, ip_address="127.0.0.1")
        if queue.allowed_updates:
            info["allowed_updates"] = queue.allowed_updates
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info


@method("getChat")
def get_chat(core: Core, bot: BotRec, p: Params) -> JSONDict:
    key = core.accessible_chat(bot, p.chat_id(), write=False)
    return render.chat_full_info(core.world, key)


@method("getChatMember")
def get_chat_member(core: Core, bot: BotRec, p: Params) -> JSONDict:
    key = core.accessible_chat(bot, p.chat_id(), write=False)
    user_id = p.required_int("user_id", bad_request("user_id is empty"))
    if user_id not in core.world.users and user_id not in core.world.bots:
        raise bad_request("user not found")
    group = core.world.groups.get(key[1])
    if group is None and user_id not in (key[1], bot.id):
        raise bad_request("user not found")
    return render.chat_member(core.world, group, user_id)


@method("getChatAdministrators")
def get_chat_administrators(core: Core, bot: BotRec, p: Params) -> list[JSONDict]:
    key = core.accessible_chat(bot, p.chat_id(), write=False)
    group = core.world.groups.get(key[1])
    if group is None:
        raise bad_request("there are no administrators in the private chat")
    return [
        render.chat_member(core.world, group, member_id)
        for member_id, membership in group.members.items()
        if membership.status in ("creator", "administrator") and member_id not in core.world.bots
    ]


@method("getChatMemberCount", "getChatMembersCount")
def get_chat_member_count(core: Core, bot: BotRec, p: Params) -> int:
    key = core.accessible_chat(bot, p.chat_id(), write=False)
    group = core.world.groups.get(key[1])
    if group is None:
        return 2
    return sum(1 for m in group.members.values() if m.status in ACTIVE_STATUSES)


@method("leaveChat")
def leave_chat(core: Core, bot: BotRec, p: Params) -> bool:
    key = core.accessible_chat(bot, p.chat_id(), write=False)
    group = core.world.groups.get(key[1])
    if group is None:
        raise bad_request("chat member status can't be changed in private chats")
    group.members.pop(bot.id, None)
    core.events.emit("chat_updated", chat_id=group.id, group=group.as_dict())
    return True


@method("setMyCommands")
def set_my_commands(core: Core, bot: BotRec, p: Params) -> bool:
    parsed = commands.parse_commands(p.json("commands"))
    scope = commands.api_scope(core, bot, p.json("scope"))
    key = commands.storage_key(scope, commands.api_language(p.text("language_code")))
    if parsed:
        bot.commands[key] = parsed
    else:
        bot.commands.pop(key, None)
    core.events.emit("commands_changed", bot_id=bot.id, scope=scope, language_code=key[1])
    return True


@method("getMyCommands")
def get_my_commands(core: Core, bot: BotRec, p: Params) -> list[JSONDict]:
    scope = commands.api_scope(core, bot, p.json("scope"))
    return commands.stored(bot, scope, commands.api_language(p.text("language_code")))


@method("deleteMyCommands")
def delete_my_commands(core: Core, bot: BotRec, p: Params) -> bool:
    scope = commands.api_scope(core, bot, p.json("scope"))
    key = commands.storage_key(scope, commands.api_language(p.text("language_code")))
    bot.commands.pop(key, None)
    core.events.emit("commands_changed", bot_id=bot.id, scope=scope, language_code=key[1])
    return True


@method("answerCallbackQuery")
def answer_callback_query(core: Core, bot: BotRec, p: Params) -> bool:
    query = core.world.callbacks.get(p.text("callback_query_id") or "")
    if query is None or query.bot_id != bot.id or query.answer is not None:
        raise bad_request(QUERY_INVALID)
    text = p.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {
        "text": text,
        "show_alert": p.boolean("show_alert"),
        "url": p.text("url"),
        "cache_time": p.integer("cache_time") or 0,
        "answered_at": core.now().isoformat(),
    }
    core.events.emit(
        "callback_answer",
        callback_query_id=query.id,
        chat_id=query.chat_key[1],
        bot_id=bot.id,
        user_id=query.user_id,
        message_id=query.message_id,
        answer=query.answer,
    )
    return True
