"""The control API over HTTP under /control/: JSON in, ``{"ok": true, "result": ...}`` out.

Errors are ``{"ok": false, "error": "..."}`` with 400 (bad request) or 404 (unknown thing),
plus a ``code`` when a person could cause them by using a chat (``message_too_long``,
``caption_too_long``, ``message_empty``, ``file_empty``, ``bad_image``, ``not_member``,
``group_migrated``, ``message_not_found``, ``button_gone``).
GET parameters come from the query string, POST/DELETE ones from a JSON object body; ``bot``
(id, token or username) may be omitted when there is one bot.

    GET    /control/state                          bots, users, groups, limits, faults, clock
    POST   /control/bots                           {token, username?, first_name?, privacy_mode?}
    POST   /control/users                          {first_name, user_id?, last_name?, username?,
                                                    language_code?}
    GET    /control/users/{user_id}/chats          the user's chat list with last messages
    POST   /control/groups                         {title, chat_id?, type?, member_ids?,
                                                    creator_id?}
    POST   /control/groups/{chat_id}/members       {user_id, status?, rights?}
    DELETE /control/groups/{chat_id}/members/{uid} {kicked?}
    POST   /control/groups/{chat_id}/bots          {bot?, status?, by_user_id?, rights?}
    POST   /control/groups/{chat_id}/migrate       -> {chat_id: new supergroup id}
    POST   /control/send                           {user_id, chat_id, text, bot?,
                                                    reply_to_message_id?}
    POST   /control/send-file                      {user_id, chat_id, data_base64, kind?,
                                                    filename?, mime_type?, caption?, bot?}
    POST   /control/press                          {user_id, chat_id, message_id, callback_data,
                                                    bot?} -> {callback_query_id}
    POST   /control/block                          {user_id, bot?, blocked?}
    POST   /control/updates                        {update, bot?, deliver_twice?}
    GET    /control/chats/{chat_id}/messages       ?bot=&after_message_id=
    GET    /control/chats/{chat_id}/commands       ?user_id=&bot=  (the menu the user sees)
    GET    /control/log                            ?after=&method=&limit=
    GET    /control/callback-answers
    GET    /control/rate-limits | POST {enabled?, global_per_s?, private_per_s?,
                                        group_per_min?, scale?}
    GET    /control/faults | POST {kind, count?, method?, chat_id?, retry_after?, status?,
                                   seconds?, after_timeout?, bot?} | DELETE
                                                    (method "download": file downloads)
    GET    /control/clock | POST {offset_seconds}
    GET    /control/events                         ?after=&timeout=  long poll
    GET    /control/events/stream                  ?after=  server-sent events
                                                    (message_*, chat_action, callback_answer,
                                                    user_created, chat_updated, api_call, ...)
    GET    /control/files/{file_id}                the bytes, with the file's type and name
                                                    ?inline=1 (no attachment disposition)
    POST   /control/reset
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .control_body import Body, Endpoint, wrap
from .errors import ControlError
from .files import content_disposition, guess_type

if TYPE_CHECKING:
    from .server import Emulator

JSONDict = dict[str, Any]


class ControlApi:
    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def routes(self) -> list[web.RouteDef]:
        table: list[tuple[str, str, Endpoint]] = [
            ("GET", "/control/state", self.state),
            ("POST", "/control/bots", self.add_bot),
            ("POST", "/control/users", self.create_user),
            ("GET", "/control/users/{user_id}/chats", self.user_chats),
            ("POST", "/control/groups", self.create_group),
            ("POST", "/control/groups/{chat_id}/members", self.add_member),
            ("DELETE", "/control/groups/{chat_id}/members/{user_id}", self.remove_member),
            ("POST", "/control/groups/{chat_id}/bots", self.set_bot),
            ("POST", "/control/groups/{chat_id}/migrate", self.migrate),
            ("POST", "/control/send", self.send),
            ("POST", "/control/send-file", self.send_file),
            ("POST", "/control/press", self.press),
            ("POST", "/control/block", self.block),
            ("POST", "/control/updates", self.queue_update),
            ("GET", "/control/chats/{chat_id}/messages", self.chat_messages),
            ("GET", "/control/chats/{chat_id}/commands", self.chat_commands),
            ("GET", "/control/log", self.log),
            ("GET", "/control/callback-answers", self.callback_answers),
            ("GET", "/control/rate-limits", self.get_rate_limits),
            ("POST", "/control/rate-limits", self.set_rate_limits),
            ("GET", "/control/faults", self.get_faults),
            ("POST", "/control/faults", self.add_fault),
            ("DELETE", "/control/faults", self.clear_faults),
            ("GET", "/control/clock", self.get_clock),
            ("POST", "/control/clock", self.set_clock),
            ("GET", "/control/events", self.events),
            ("GET", "/control/events/stream", self.event_stream),
            ("GET", "/control/files/{file_id}", self.file),
            ("POST", "/control/reset", self.reset),
        ]
        return [web.route(verb, path, wrap(endpoint)) for verb, path, endpoint in table]

    @staticmethod
    def _path_int(request: web.Request, name: str) -> int:
        try:
            return int(request.match_info[name])
        except ValueError as exc:
            raise ControlError(f"{name} must be an integer") from exc

    async def state(self, request: web.Request, body: Body) -> JSONDict:
        world = self.emu.core.world
        return {
            "bots": [self.emu.bot_info(bot_id) for bot_id in world.bots],
            "users": [user.as_dict() for user in world.users.values()],
            "groups": [group.as_dict() for group in world.groups.values()],
            "rate_limits": self.emu.rate_limits,
            "faults": self.emu.faults,
            "clock": self.emu.clock,
            "last_event_id": self.emu.core.events.last_id,
        }

    async def add_bot(self, request: web.Request, body: Body) -> JSONDict:
        privacy = body.data.get("privacy_mode")
        return self.emu.add_bot(
            body.string("token"),
            username=body.string("username", None),
            first_name=body.string("first_name", None),
            privacy_mode=None if privacy is None else bool(privacy),
        )

    async def create_user(self, request: web.Request, body: Body) -> JSONDict:
        return self.emu.create_user(
            body.string("first_name"),
            user_id=body.integer("user_id", None),
            last_name=body.string("last_name", None),
            username=body.string("username", None),
            language_code=body.string("language_code", "zh-hans"),
        )

    async def user_chats(self, request: web.Request, body: Body) -> list[JSONDict]:
        return self.emu.chats_for_user(self._path_int(request, "user_id"))

    async def create_group(self, request: web.Request, body: Body) -> JSONDict:
        members = body.data.get("member_ids") or []
        if not isinstance(members, list):
            raise ControlError("member_ids must be a list")
        kind = body.string("type", "supergroup")
        if kind not in ("group", "supergroup"):
            raise ControlError("type must be 'group' or 'supergroup'")
        return self.emu.create_group(
            body.string("title"),
            chat_id=body.integer("chat_id", None),
            type=kind,
            member_ids=[int(m) for m in members],
            creator_id=body.integer("creator_id", None),
        )

    async def add_member(self, request: web.Request, body: Body) -> JSONDict:
        status = body.string("status", "member")
        if status not in ("member", "administrator", "creator"):
            raise ControlError("status must be member, administrator or creator")
        return self.emu.add_member(
            self._path_int(request, "chat_id"),
            body.integer("user_id"),
            status,
            rights=body.data.get("rights"),
        )

    async def remove_member(self, request: web.Request, body: Body) -> JSONDict:
        return self.emu.remove_member(
            self._path_int(request, "chat_id"),
            self._path_int(request, "user_id"),
            kicked=body.flag("kicked"),
        )

    async def set_bot(self, request: web.Request, body: Body) -> JSONDict:
        status = body.string("status", "member")
        chat_id = self._path_int(request, "chat_id")
        if status in ("left", "kicked"):
            return self.emu.remove_bot_from_group(chat_id, body.bot(), kicked=status == "kicked")
        if status not in ("member", "administrator"):
            raise ControlError("status must be member, administrator, left or kicked")
        rights = body.data.get("rights") or {}
        if not isinstance(rights, dict):
            raise ControlError("rights must be an object")
        return self.emu.add_bot_to_group(
            chat_id,
            body.bot(),
            status,
            by_user_id=body.integer("by_user_id", None),
            **{str(k): bool(v) for k, v in rights.items()},
        )

    async def migrate(self, request: web.Request, body: Body) -> JSONDict:
        return {"chat_id": self.emu.migrate_group(self._path_int(request, "chat_id"))}

    async def send(self, request: web.Request, body: Body) -> JSONDict:
        return self.emu.user_sends(
            body.integer("user_id"),
            body.integer("chat_id"),
            body.string("text"),
            bot=body.bot(),
            reply_to_message_id=body.integer("reply_to_message_id", None),
        )

    async def send_file(self, request: web.Request, body: Body) -> JSONDict:
        """``data_base64`` carries the file; ``kind`` is document (default) or photo."""
        try:
            data = base64.b64decode(body.string("data_base64"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ControlError("data_base64 is not valid base64") from exc
        kind = body.string("kind", "document")
        if kind not in ("document", "photo"):
            raise ControlError("kind must be document or photo")
        return self.emu.user_sends_file(
            body.integer("user_id"),
            body.integer("chat_id"),
            data,
            kind=kind,
            filename=body.string("filename", "file"),
            mime_type=body.string("mime_type", ""),
            caption=body.string("caption", None),
            bot=body.bot(),
            reply_to_message_id=body.integer("reply_to_message_id", None),
        )

    async def press(self, request: web.Request, body: Body) -> JSONDict:
        query_id = self.emu.press_button(
            body.integer("user_id"),
            body.integer("chat_id"),
            body.integer("message_id"),
            body.string("callback_data"),
            bot=body.bot(),
        )
        return {"callback_query_id": query_id}

    async def block(self, request: web.Request, body: Body) -> JSONDict:
        user_id = body.integer("user_id")
        if body.flag("blocked", True):
            self.emu.user_blocks_bot(user_id, body.bot())
        else:
            self.emu.user_unblocks_bot(user_id, body.bot())
        return self.emu.bot_info(body.bot())

    async def queue_update(self, request: web.Request, body: Body) -> JSONDict:
        update = body.data.get("update")
        if not isinstance(update, dict):
            raise ControlError("update must be an object")
        return self.emu.queue_update(body.bot(), update, deliver_twice=body.flag("deliver_twice"))

    async def chat_messages(self, request: web.Request, body: Body) -> list[JSONDict]:
        after = body.integer("after_message_id", 0)
        messages = self.emu.messages(self._path_int(request, "chat_id"), bot=body.bot())
        return [m for m in messages if m["message_id"] > after]

    async def chat_commands(self, request: web.Request, body: Body) -> list[JSONDict]:
        return self.emu.effective_commands(
            self._path_int(request, "chat_id"), body.integer("user_id"), body.bot()
        )

    async def log(self, request: web.Request, body: Body) -> list[JSONDict]:
        after = body.integer("after", 0)
        method = body.string("method", None)
        entries = self.emu.api_calls(method) if method else self.emu.api_log
        return [e for e in entries if e["seq"] > after][-body.integer("limit", 1000) :]

    async def callback_answers(self, request: web.Request, body: Body) -> list[JSONDict]:
        return self.emu.callback_answers

    async def get_rate_limits(self, request: web.Request, body: Body) -> JSONDict:
        return self.emu.rate_limits

    async def set_rate_limits(self, request: web.Request, body: Body) -> JSONDict:
        current = self.emu.core.limiter.config
        settings = {
            name: float(body.data.get(name, getattr(current, name)))
            for name in ("global_per_s", "private_per_s", "group_per_min", "scale")
        }
        self.emu.set_rate_limits(enabled=body.flag("enabled", True), **settings)
        return self.emu.rate_limits

    async def get_faults(self, request: web.Request, body: Body) -> list[JSONDict]:
        return self.emu.faults

    async def add_fault(self, request: web.Request, body: Body) -> JSONDict:
        after = body.string("after_timeout", "close")
        if after not in ("close", "process"):
            raise ControlError("after_timeout must be close or process")
        kind = body.string("kind")
        if kind not in ("429", "5xx", "timeout"):
            raise ControlError("kind must be 429, 5xx or timeout")
        return self.emu.inject_fault(
            kind,
            count=body.integer("count", 1),
            method=body.string("method", None),
            chat_id=body.data.get("chat_id"),
            retry_after=body.integer("retry_after", 1),
            status=body.integer("status", 500),
            seconds=float(body.data.get("seconds", 5.0)),
            after_timeout=after,
            bot=body.bot(),
        )

    async def clear_faults(self, request: web.Request, body: Body) -> list[JSONDict]:
        self.emu.clear_faults()
        return self.emu.faults

    async def get_clock(self, request: web.Request, body: Body) -> JSONDict:
        return self.emu.clock

    async def set_clock(self, request: web.Request, body: Body) -> JSONDict:
        try:
            offset = float(body.data.get("offset_seconds", 0))
        except (TypeError, ValueError) as exc:
            raise ControlError("offset_seconds must be a number") from exc
        return self.emu.set_clock_offset(offset)

    async def events(self, request: web.Request, body: Body) -> JSONDict:
        """Long poll: events after ``after``, waiting up to ``timeout`` seconds for one."""
        bus = self.emu.core.events
        after = body.integer("after", 0)
        timeout = min(float(body.data.get("timeout", 0)), 60.0)
        events = await bus.wait(after, timeout)
        return {"events": events, "last_id": events[-1]["id"] if events else max(after, 0)}

    async def event_stream(self, request: web.Request, body: Body) -> web.StreamResponse:
        """Server-sent events; ``after`` (default: now) selects where the stream starts."""
        bus = self.emu.core.events
        after = body.integer("after", bus.last_id)
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        try:
            while not bus.closed:
                events = await bus.wait(after, 15.0)
                if not events:
                    await response.write(b": keep-alive\n\n")
                    continue
                for event in events:
                    data = json.dumps(event, ensure_ascii=False)
                    chunk = f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n"
                    await response.write(chunk.encode())
                after = events[-1]["id"]
        except ConnectionResetError:
            pass  # the page went away
        return response

    async def file(self, request: web.Request, body: Body) -> web.Response:
        """The bytes with the file's type; named files download under their name unless
        ``inline`` is set (a page showing a photo)."""
        rec = self.emu.file_record(request.match_info["file_id"])
        headers = {}
        if rec.file_name and not body.flag("inline"):
            headers["Content-Disposition"] = content_disposition(rec.file_name)
        return web.Response(
            body=rec.data,
            content_type=rec.mime_type or guess_type(rec),
            headers=headers,
        )

    async def reset(self, request: web.Request, body: Body) -> JSONDict:
        self.emu.reset()
        return {"last_event_id": self.emu.core.events.last_id}
