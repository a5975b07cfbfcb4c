"""The sandbox page's own endpoints (sandbox/web.py): the page, the state, people, the clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.app import App
from bot.clock import AdjustableClock
from bot.config import Settings
from sandbox.emulator import Emulator
from sandbox.timemachine import TimeMachine
from sandbox.web import PageError, SandboxPage, parse_target, presets
from services.org import load_org_file
from storage import Database, Repositories
from storage.migrate import upgrade
from tests.orgs import TOWN, Group, Member, Unit, org_toml

ZONE = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=ZONE)
TOKEN = "4200001:PAGEtokenPAGEtokenPAGEtokenPAGE12345"
ORG = org_toml(
    [TOWN, Unit("south", "南街社区", "community", "town")],
    [
        Member(501, "李镇长", "town", "supervisor"),
        Member(601, "Liu", "south", "liaison", language="en"),
    ],
    [Group(-100777, "南街社区居民群", "south", "residents")],
)


def keys(found: list[Any]) -> dict[str, datetime]:
    return {p.key: p.at for p in found}


def test_presets_point_at_the_next_time_around_each_deadline() -> None:
    morning = keys(presets(MONDAY_9, ZONE, [time(17)]))
    assert morning == {
        "plus-15m": MONDAY_9 + timedelta(minutes=15),
        "plus-1h": MONDAY_9 + timedelta(hours=1),
        "deadline-1700-minus-15m": MONDAY_9.replace(hour=16, minute=45),
        "deadline-1700-plus-1m": MONDAY_9.replace(hour=17, minute=1),
        "tomorrow-0900": MONDAY_9 + timedelta(days=1),
    }
    # At 16:50 "before the deadline" is tomorrow's, "just past" still today's.
    late = presets(MONDAY_9.replace(hour=16, minute=50), ZONE, [time(17), time(8, 0)])
    found = keys(late)
    assert found["deadline-1700-minus-15m"] == MONDAY_9.replace(hour=16, minute=45) + timedelta(
        days=1
    )
    assert found["deadline-1700-plus-1m"] == MONDAY_9.replace(hour=17, minute=1)
    assert found["deadline-0800-minus-15m"] == MONDAY_9.replace(hour=7, minute=45) + timedelta(
        days=1
    )
    labels = {p.key: (p.zh, p.en) for p in late}
    assert labels["deadline-1700-minus-15m"] == (
        "截止前 15 分钟 · 明天 16:45",
        "15 min before the 17:00 deadline · tomorrow 16:45",
    )
    assert labels["deadline-1700-plus-1m"][0] == "刚过截止 · 今天 17:01"


def test_a_clock_request_names_a_preset_a_local_time_or_minutes() -> None:
    shortcuts = presets(MONDAY_9, ZONE, [time(17)])
    assert parse_target({"preset": "plus-1h"}, MONDAY_9, ZONE, shortcuts) == MONDAY_9 + timedelta(
        hours=1
    )
    # A time without an offset is the demo's local time; one with an offset is taken as is.
    local = parse_target({"to": "2026-11-23T16:45"}, MONDAY_9, ZONE, shortcuts)
    assert local == MONDAY_9.replace(hour=16, minute=45)
    utc = parse_target({"to": "2026-11-23T08:45:00+00:00"}, MONDAY_9, ZONE, shortcuts)
    assert utc == local
    assert parse_target({"minutes": 90}, MONDAY_9, ZONE, shortcuts) == MONDAY_9 + timedelta(
        minutes=90
    )
    for wrong in ({"preset": "nope"}, {"to": "16:45 tomorrow"}, {"minutes": 0}, {"minutes": "5"}):
        with pytest.raises(PageError) as refused:
            parse_target(wrong, MONDAY_9, ZONE, shortcuts)
        assert refused.value.code == "bad_time"


@dataclass
class Served:
    emu: Emulator
    page: SandboxPage
    clock: AdjustableClock
    http: aiohttp.ClientSession

    @property
    def base(self) -> str:
        return self.emu.base_url

    async def call(self, verb: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
        async with self.http.request(verb, f"{self.base}{path}", json=body) as response:
            return response.status, await response.json()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    clock = AdjustableClock()
    clock.set(MONDAY_9)
    emu = Emulator(clock=clock.now)
    page = SandboxPage(emu, bot_id=4200001)
    emu.mount(page.routes())
    await emu.start()
    emu.add_bot(TOKEN, username="page_bot", first_name="防控助手")
    for person, language in ((501, "zh-hans"), (601, "en")):
        emu.create_user(f"user{person}", user_id=person, language_code=language)
    emu.create_group("南街社区居民群", chat_id=-100777, member_ids=[501])
    url = f"sqlite+aiosqlite:///{tmp_path / 'page.db'}"
    await asyncio.to_thread(upgrade, url)
    settings = Settings.model_validate(
        {
            "telegram": {"token": TOKEN, "api_base": emu.base_url},
            "database": {"url": url},
            "admins": {"telegram_ids": [501]},
        }
    )
    database = Database.connect(url)
    async with database.transaction() as session:
        await load_org_file(Repositories(session), ORG, now=clock.now())
    await database.dispose()
    app = App.build(settings, clock)  # not run: the page needs its database, jobs and clock
    async with aiohttp.ClientSession() as http:
        served = Served(emu, page, clock, http)
        status, answer = await served.call("GET", "/sandbox/state")
        assert (status, answer["code"]) == (503, "starting")
        machine = TimeMachine(clock, app.jobs, app.engine, app.database)
        page.attach(machine, app.database, settings, list(app.jobs.rollup_jobs.values()))
        try:
            yield served
        finally:
            await app.bot.session.close()
            await app.database.dispose()
            await emu.stop()


async def test_the_page_and_its_two_files_are_served_and_nothing_else(served: Served) -> None:
    async with served.http.get(f"{served.base}/") as response:
        assert response.status == 200
        assert response.content_type == "text/html"
        page = await response.text()
    assert "/static/app.js" in page
    assert "/static/app.css" in page
    async with served.http.get(f"{served.base}/static/app.js") as response:
        assert response.content_type == "text/javascript"
    for path in ("/static/demo_org.toml", "/static/..%2Fdemo.py", "/static/index.html"):
        async with served.http.get(f"{served.base}{path}") as response:
            assert response.status == 404, path


async def test_the_state_lists_people_with_their_roles_groups_and_presets(
    served: Served,
) -> None:
    status, answer = await served.call("GET", "/sandbox/state")
    assert status == 200
    state = answer["result"]
    assert state["bot"] == {"id": 4200001, "username": "page_bot", "name": "防控助手"}
    assert state["zone"] == "Asia/Shanghai"
    assert datetime.fromisoformat(state["now"]) >= MONDAY_9
    people = {p["id"]: p for p in state["people"]}
    assert people[501]["name"] == "李镇长"
    assert people[501]["roles"] == [
        {"role": "supervisor", "unit": "town", "unit_name": "城关镇"},
        {"role": "admin", "unit": None, "unit_name": None},
    ]
    assert people[601]["language"] == "en"
    assert state["groups"] == [
        {
            "chat_id": -100777,
            "title": "南街社区居民群",
            "unit_name": "南街社区",
            "purpose": "residents",
        }
    ]
    assert "deadline-1700-minus-15m" in [p["key"] for p in state["presets"]]


async def test_adding_a_person_checks_what_is_given(served: Served) -> None:
    for body, code in (
        ({"name": "  "}, "bad_name"),
        ({"name": "x" * 65}, "bad_name"),
        ({"name": "a\nb"}, "bad_name"),
        ({"name": "李明", "language": "fr"}, "bad_language"),
        ({"name": "李明", "group_id": -1}, "bad_group"),
        ({"name": "李明", "group_id": [-100777]}, "bad_group"),
        (["李明"], "bad_request"),
    ):
        status, answer = await served.call("POST", "/sandbox/people", body)
        assert (status, answer["code"]) == (400, code), body
    status, answer = await served.call(
        "POST", "/sandbox/people", {"name": " 李明 ", "language": "en", "group_id": -100777}
    )
    assert status == 200
    person = answer["result"]
    assert person["name"] == "李明"
    assert person["roles"] == []
    assert served.emu.users()[-1]["language_code"] == "en"
    # Now in the residents group, where the declare button is.
    chats = served.emu.chats_for_user(person["id"])
    assert [c["id"] for c in chats] == [-100777]
    _, state = await served.call("GET", "/sandbox/state")
    assert state["result"]["people"][-1]["id"] == person["id"]


async def test_moving_the_clock_goes_forward_only_and_tells_every_page(served: Served) -> None:
    status, answer = await served.call("POST", "/sandbox/clock", {"to": "2026-11-23T08:00"})
    assert (status, answer["code"]) == (400, "backwards")
    for minutes in (60 * 24 * 40, 10**13):
        status, answer = await served.call("POST", "/sandbox/clock", {"minutes": minutes})
        assert (status, answer["code"]) == (400, "too_far")
    cursor = served.emu.core.events.last_id
    status, answer = await served.call("POST", "/sandbox/clock", {"to": "2026-11-23T10:30"})
    assert status == 200, answer
    moved = answer["result"]
    assert datetime.fromisoformat(moved["now"]) >= MONDAY_9.replace(hour=10, minute=30)
    assert {job["name"] for job in moved["jobs"]} == {
        "expire_obligations",
        "expire_drafts",
        "fire_notice_repeats",
    }
    (announced,) = [e for e in served.emu.core.events.since(cursor) if e["type"] == "sandbox_clock"]
    assert announced["now"] == moved["now"]
    # The presets come back recomputed from the new time.
    plus = {p["key"]: p["at"] for p in moved["presets"]}["plus-15m"]
    assert datetime.fromisoformat(plus) > datetime.fromisoformat(moved["now"])
