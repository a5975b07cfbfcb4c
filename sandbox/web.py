"""The sandbox's web chat page and the three endpoints it needs beyond the emulator's control API.

    GET  /                     the page (sandbox/web/index.html; app.js and app.css under /static/)
    GET  /sandbox/state        the bot, the simulated time, the people with their roles, the
                               groups and the clock presets
    POST /sandbox/people       {name, language, group_id?}: a new Telegram account
    POST /sandbox/clock        {preset} | {to} | {minutes}: move the simulated time forward

Everything else the page does (chats, messages, buttons, files, the API log, the live event
stream) goes through the emulator's control API, like any other client of it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.config import Settings
from domain.org import Language, Role
from sandbox.emulator import Emulator
from sandbox.timemachine import MAX_MOVE, TimeMachine, TimeMoveError
from storage import Database, Repositories

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]
WEB = resources.files("sandbox").joinpath("web")
CONTENT_TYPES = {".js": "text/javascript", ".css": "text/css"}
TELEGRAM_LANGUAGE = {Language.ZH_CN: "zh-hans", Language.EN: "en"}
MAX_NAME = 64


class PageError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True, slots=True)
class Preset:
    key: str
    zh: str
    en: str
    at: datetime

    def as_dict(self) -> JSONDict:
        return {"key": self.key, "label": {"zh": self.zh, "en": self.en}, "at": self.at.isoformat()}


def presets(now: datetime, zone: ZoneInfo, deadlines: list[time]) -> list[Preset]:
    """The clock panel's shortcuts, each to a moment after `now`: a little later, around each
    report deadline (its next occurrence), and tomorrow morning."""
    local = now.astimezone(zone)
    result = [
        Preset("plus-15m", "+15 分钟", "+15 min", now + timedelta(minutes=15)),
        Preset("plus-1h", "+1 小时", "+1 hour", now + timedelta(hours=1)),
    ]
    for deadline in deadlines:
        stem = f"deadline-{deadline:%H%M}"
        before = _next_local(local, _shift(deadline, -15), zone)
        after = _next_local(local, _shift(deadline, 1), zone)
        day_zh, day_en = _day_words(local.date(), before.date())
        result.append(
            Preset(
                f"{stem}-minus-15m",
                f"截止前 15 分钟 · {day_zh} {before:%H:%M}",
                f"15 min before the {deadline:%H:%M} deadline · {day_en} {before:%H:%M}",
                before,
            )
        )
        day_zh, day_en = _day_words(local.date(), after.date())
        result.append(
            Preset(
                f"{stem}-plus-1m",
                f"刚过截止 · {day_zh} {after:%H:%M}",
                f"Just past the {deadline:%H:%M} deadline · {day_en} {after:%H:%M}",
                after,
            )
        )
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(9), zone)
    result.append(Preset("tomorrow-0900", "明天 09:00", "Tomorrow 09:00", tomorrow))
    return result


def _shift(moment: time, minutes: int) -> time:
    return (datetime.combine(date(2000, 1, 1), moment) + timedelta(minutes=minutes)).time()


def _next_local(local: datetime, at: time, zone: ZoneInfo) -> datetime:
    candidate = datetime.combine(local.date(), at, zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, zone)
    return candidate


def _day_words(today: date, day: date) -> tuple[str, str]:
    if day == today:
        return "今天", "today"
    if day == today + timedelta(days=1):
        return "明天", "tomorrow"
    return f"{day:%m-%d}", f"{day:%m-%d}"


def parse_target(
    body: JSONDict, now: datetime, zone: ZoneInfo, shortcuts: list[Preset]
) -> datetime:
    """Where a clock request wants to go: a preset, a time (local in `zone` unless it has an
    offset) or a number of minutes from now."""
    if "preset" in body:
        found = next((p for p in shortcuts if p.key == body["preset"]), None)
        if found is None:
            raise PageError("bad_time", f"no preset {body['preset']!r}")
        return found.at
    if "to" in body:
        try:
            moment = datetime.fromisoformat(str(body["to"]))
        except ValueError:
            raise PageError(
                "bad_time", "to must be a date and time like 2026-11-23T16:45"
            ) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
    if "minutes" in body:
        minutes = body["minutes"]
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            raise PageError("bad_time", "minutes must be a positive whole number")
        if minutes > MAX_MOVE / timedelta(minutes=1):
            raise PageError("too_far", f"a move goes at most {MAX_MOVE.days} days ahead")
        return now + timedelta(minutes=minutes)
    raise PageError("bad_time", "give preset, to or minutes")


Endpoint = Callable[[web.Request], Awaitable[Any]]


def _json_endpoint(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            result = await endpoint(request)
        except PageError as error:
            return web.json_response(
                {"ok": False, "error": str(error), "code": error.code}, status=error.status
            )
        except Exception:
            # The page shows the message; the details are for the terminal.
            logger.exception("sandbox request %s %s failed", request.method, request.path)
            return web.json_response(
                {
                    "ok": False,
                    "error": "internal error (see the demo's output)",
                    "code": "internal",
                },
                status=500,
            )
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    return handle


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class SandboxPage:
    """Serves the page. The bot side (`attach`) is only known once the emulator listens,
    since the bot's settings need its address; until then the endpoints answer 503."""

    def __init__(
        self, emulator: Emulator, bot_id: int, on_moved: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.emu = emulator
        self.bot_id = bot_id
        self._on_moved = on_moved  # e.g. keep the demo's state, in case it is killed later
        self._machine: TimeMachine | None = None
        self._database: Database | None = None
        self._settings: Settings | None = None
        self._deadlines: list[time] = []

    def attach(
        self,
        machine: TimeMachine,
        database: Database,
        settings: Settings,
        deadlines: list[time],
    ) -> None:
        self._machine = machine
        self._database = database
        self._settings = settings
        self._deadlines = sorted(deadlines)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/", self.index),
            web.get("/static/{name}", self.static),
            web.get("/sandbox/state", _json_endpoint(self.state)),
            web.post("/sandbox/people", _json_endpoint(self.add_person)),
            web.post("/sandbox/clock", _json_endpoint(self.move_clock)),
        ]

    # --- the page ---------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        return self._file("index.html", "text/html")

    async def static(self, request: web.Request) -> web.Response:
        # Only the page's own scripts and style sheets: the name is looked up among them,
        # never joined to a path.
        name = request.match_info["name"]
        suffix = "." + name.rpartition(".")[2]
        if suffix not in CONTENT_TYPES or name not in {entry.name for entry in WEB.iterdir()}:
            raise web.HTTPNotFound()
        return self._file(name, CONTENT_TYPES[suffix])

    @staticmethod
    def _file(name: str, content_type: str) -> web.Response:
        text = WEB.joinpath(name).read_text("utf-8")
        return web.Response(
            text=text,
            content_type=content_type,
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    # --- the endpoints ----------------------------------------------------------------------

    def _ready(self) -> tuple[TimeMachine, Database, Settings]:
        if self._machine is None or self._database is None or self._settings is None:
            raise PageError("starting", "the demo is still starting", status=503)
        return self._machine, self._database, self._settings

    def _presets(self) -> list[Preset]:
        machine, _, settings = self._ready()
        return presets(machine.clock.now(), settings.time.zone, self._deadlines)

    async def state(self, request: web.Request) -> JSONDict:
        machine, _, settings = self._ready()
        bot = self.emu.bot_info(self.bot_id)
        return {
            "bot": {"id": bot["id"], "username": bot["username"], "name": bot["first_name"]},
            "zone": settings.time.timezone,
            "now": machine.clock.now().isoformat(),
            "moving": machine.busy,
            "people": await self._people(),
            "groups": await self._groups(),
            "presets": [p.as_dict() for p in self._presets()],
            "last_event_id": self.emu.core.events.last_id,
        }

    async def _people(self) -> list[JSONDict]:
        _, database, settings = self._ready()
        async with database.session() as session:
            repos = Repositories(session)
            tree = await repos.org.load_tree()
            assignments = await repos.roles.all_holding(list(Role))
            known = await repos.people.many(user["id"] for user in self.emu.users())
        roles: dict[int, list[JSONDict]] = {}
        for assignment in assignments:
            unit = tree.units.get(assignment.unit_code)
            roles.setdefault(assignment.telegram_id, []).append(
                {
                    "role": assignment.role.value,
                    "unit": assignment.unit_code,
                    "unit_name": unit.name if unit else assignment.unit_code,
                }
            )
        for admin in settings.admins.telegram_ids:
            roles.setdefault(admin, []).append({"role": "admin", "unit": None, "unit_name": None})
        people = []
        for user in self.emu.users():
            person = known.get(user["id"])
            language = person.language if person else _language(user.get("language_code"))
            people.append(
                {
                    "id": user["id"],
                    "name": person.name if person else user["first_name"],
                    "language": language.value,
                    "roles": roles.get(user["id"], []),
                }
            )
        return people

    async def _groups(self) -> list[JSONDict]:
        _, database, _ = self._ready()
        groups = [g for g in self.emu.groups() if g["migrated_to"] is None]
        async with database.session() as session:
            repos = Repositories(session)
            tree = await repos.org.load_tree()
            bound = {g["id"]: await repos.groups.get(g["id"]) for g in groups}
        result = []
        for group in groups:
            binding = bound[group["id"]]
            unit = tree.units.get(binding.unit_code) if binding else None
            result.append(
                {
                    "chat_id": group["id"],
                    "title": group["title"],
                    "unit_name": unit.name if unit else None,
                    "purpose": binding.purpose.value if binding else None,
                }
            )
        return result

    async def add_person(self, request: web.Request) -> JSONDict:
        self._ready()
        body = await _body(request)
        name = str(body.get("name") or "").strip()
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise PageError("bad_name", f"a name of 1 to {MAX_NAME} printable characters")
        try:
            language = Language(str(body.get("language") or Language.ZH_CN.value))
        except ValueError:
            raise PageError("bad_language", "language must be zh_CN or en") from None
        group_id = body.get("group_id")
        known = {g["id"] for g in self.emu.groups() if g["migrated_to"] is None}
        if group_id is not None and (not isinstance(group_id, int) or group_id not in known):
            raise PageError("bad_group", "no such group")
        user = self.emu.create_user(name, language_code=TELEGRAM_LANGUAGE[language])
        if group_id is not None:
            self.emu.add_member(int(group_id), user["id"])
        return {"id": user["id"], "name": name, "language": language.value, "roles": []}

    async def move_clock(self, request: web.Request) -> JSONDict:
        machine, _, settings = self._ready()
        body = await _body(request)
        now = machine.clock.now()
        target = parse_target(body, now, settings.time.zone, self._presets())
        try:
            moved = await machine.move_to(target)
        except TimeMoveError as error:
            raise PageError(error.code, str(error), 409 if error.code == "busy" else 400) from None
        now_text = machine.clock.now().isoformat()
        self.emu.announce("sandbox_clock", now=now_text)
        if self._on_moved is not None:
            await self._on_moved()
        return {
            "from": moved.start.isoformat(),
            "now": now_text,
            "jobs": [{"name": name, "at": at.isoformat()} for name, at in moved.jobs],
            "steps": moved.steps,
            "presets": [p.as_dict() for p in self._presets()],
        }


async def _body(request: web.Request) -> JSONDict:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise PageError("bad_request", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise PageError("bad_request", "the body must be a JSON object")
    return body


def _language(code: str | None) -> Language:
    return Language.EN if code and code.lower().startswith("en") else Language.ZH_CN
