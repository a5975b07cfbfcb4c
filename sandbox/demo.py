"""`make demo`: the bot on SQLite against the local Bot API emulator, with a demo organisation.

Nothing here is known to bot/, handlers/ or domain/: the bot talks to the emulator over HTTP
exactly as it would to Telegram; only its clock is shared with the emulator so that the demo
can move time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from importlib import resources
from pathlib import Path

from bot.app import App
from bot.clock import AdjustableClock
from bot.config import Settings
from domain.org import Language
from domain.orgfile import OrgPlan, parse_org_file
from sandbox.console import Console
from sandbox.emulator import Emulator
from services.org import load_org_file
from storage import Database, Repositories
from storage.migrate import upgrade

DEMO_TOKEN = "1000000001:SANDBOXsandboxSANDBOXsandboxSANDBOX"
DEMO_BOT_USERNAME = "fangkong_demo_bot"
DEMO_ADMIN = 1001  # 王主任, the county office's supervisor
DEMO_DATABASE = Path("data") / "sandbox.db"
TELEGRAM_LANGUAGE = {Language.ZH_CN: "zh-hans", Language.EN: "en"}

logger = logging.getLogger(__name__)


def demo_org_text() -> str:
    return resources.files("sandbox").joinpath("demo_org.toml").read_text("utf-8")


def demo_settings(api_base: str, database: Path) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": DEMO_TOKEN, "api_base": api_base},
            "database": {"url": f"sqlite+aiosqlite:///{database}"},
            "admins": {"telegram_ids": [DEMO_ADMIN]},
        }
    )


async def seed_database(settings: Settings, clock: AdjustableClock) -> OrgPlan:
    await asyncio.to_thread(upgrade, settings.database.url)
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            await load_org_file(Repositories(session), demo_org_text(), now=clock.now())
            await session.commit()
    finally:
        await database.dispose()
    return parse_org_file(demo_org_text())


def seed_emulator(emulator: Emulator, plan: OrgPlan) -> None:
    """The same people and groups, as Telegram accounts and chats in the emulator."""
    emulator.add_bot(DEMO_TOKEN, username=DEMO_BOT_USERNAME, first_name="防控助手")
    for person in {p.telegram_id: p for p in plan.people}.values():
        emulator.create_user(
            person.name,
            user_id=person.telegram_id,
            language_code=TELEGRAM_LANGUAGE[person.language],
        )
    units_of = {a.telegram_id: a.unit_code for a in plan.assignments}
    for group in plan.groups:
        # The county supervisor sits in every group and binds them when the demo first starts.
        members = [pid for pid, unit in units_of.items() if unit == group.unit_code]
        members.append(DEMO_ADMIN)
        emulator.create_group(group.title, chat_id=group.chat_id, member_ids=sorted(set(members)))
        emulator.add_bot_to_group(group.chat_id, DEMO_TOKEN, "administrator", can_pin_messages=True)


def remove_demo_database() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)


async def bind_groups(emulator: Emulator, plan: OrgPlan) -> None:
    """The supervisor binds each group through the bot, as in real life; residents groups get
    their pinned join button that way."""
    for group in plan.groups:
        sent = emulator.user_sends(
            DEMO_ADMIN, group.chat_id, f"/bind {group.unit_code} {group.purpose}", bot=DEMO_TOKEN
        )
        await emulator.wait_for_message(
            group.chat_id, timeout=60, bot=DEMO_TOKEN, after_message_id=sent["message_id"]
        )


async def run_demo(port: int = 8080, reset: bool = False, interactive: bool = True) -> int:
    if reset:
        await asyncio.to_thread(remove_demo_database)
    clock = AdjustableClock()
    emulator = Emulator(clock=clock.now)
    await emulator.start("127.0.0.1", port)
    try:
        return await _serve(emulator, clock, interactive)
    finally:
        await emulator.stop()


async def _serve(emulator: Emulator, clock: AdjustableClock, interactive: bool) -> int:
    settings = demo_settings(emulator.base_url, DEMO_DATABASE)
    fresh = not await asyncio.to_thread(DEMO_DATABASE.exists)
    plan = await seed_database(settings, clock)
    seed_emulator(emulator, plan)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    app = App.build(settings, clock)
    bot_task = asyncio.create_task(app.run(handle_signals=False), name="bot")
    bot_task.add_done_callback(lambda _: stop.set())  # a crashed bot ends the demo too
    if fresh:
        await bind_groups(emulator, plan)
    print(f"Bot API emulator: {emulator.base_url}  (control API: {emulator.base_url}/control)")
    print(f"Demo database: {DEMO_DATABASE}  (python -m bot sandbox --reset starts afresh)")
    console = Console(emulator, plan, DEMO_TOKEN)
    console_task = asyncio.create_task(console.run(stop), name="console") if interactive else None
    await stop.wait()
    print("\nstopping…")
    if console_task is not None:
        console_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await console_task
    if not bot_task.done():
        try:
            await app.stop()
        except RuntimeError:  # polling had not started yet
            bot_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await bot_task  # re-raises what made the bot crash, if it did
    return 0
