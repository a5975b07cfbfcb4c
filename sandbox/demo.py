"""`make demo`: the bot on SQLite against the local Bot API emulator, with a demo organisation
and the web chat page (sandbox/web.py) on the same address.

Nothing here is known to bot/, handlers/ or domain/: the bot talks to the emulator over HTTP
exactly as it would to Telegram; only its clock is shared with the emulator, so that the page
can move time (sandbox/timemachine.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path

from bot.app import App
from bot.clock import AdjustableClock
from bot.config import Settings
from bot.config.escalation import work_calendar
from bot.keys import install_keys
from domain.calendar import WorkCalendar
from domain.org import Role
from domain.orgfile import OrgPlan, parse_org_file
from sandbox.emulator import Emulator
from sandbox.timemachine import TimeMachine
from sandbox.web import TELEGRAM_LANGUAGE, SandboxPage
from services.org import load_org_file
from storage import Database, Repositories
from storage.migrate import upgrade

DEMO_TOKEN = "1000000001:SANDBOXsandboxSANDBOXsandboxSANDBOX"
DEMO_BOT_USERNAME = "fangkong_demo_bot"
DEMO_ADMIN = 1001  # 王主任, the county office's supervisor
DEMO_DATABASE = Path("data") / "sandbox.db"
DEMO_CLOCK = Path("data") / "sandbox-clock.txt"  # the simulated time when the demo stopped
DEMO_CHATS = Path("data") / "sandbox-chats.bin"  # the emulator's chats when the demo stopped
# The demo's key ring, made on its first start beside its database (never in the repository).
DEMO_KEYS = Path("data") / "sandbox-keys.json"
DEMO_BOT_ID = int(DEMO_TOKEN.partition(":")[0])
DEMO_MORNING = time(9, 0)  # where a demo's day starts, unless --time says otherwise

logger = logging.getLogger(__name__)


def demo_org_text() -> str:
    return resources.files("sandbox").joinpath("demo_org.toml").read_text("utf-8")


def demo_settings(api_base: str, database: Path) -> Settings:
    return Settings.model_validate(
        {
            "telegram": {"token": DEMO_TOKEN, "api_base": api_base},
            "database": {"url": f"sqlite+aiosqlite:///{database}"},
            "admins": {"telegram_ids": [DEMO_ADMIN]},
            "privacy": {"key_file": str(DEMO_KEYS), "create_key_file": True},
            # The emulator enforces no flood limits unless asked to; pacing to Telegram's
            # would only make a visitor wait for a moved clock's messages.
            "outbox": {"global_per_s": 200, "private_per_s": 20, "group_per_min": 1200},
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
    """The same people and groups, as Telegram accounts and chats in the emulator (those it
    does not have yet, when its chats were restored from an earlier run)."""
    emulator.add_bot(DEMO_TOKEN, username=DEMO_BOT_USERNAME, first_name="防控助手")
    existing = {user["id"] for user in emulator.users()}
    for person in {p.telegram_id: p for p in plan.people}.values():
        if person.telegram_id not in existing:
            emulator.create_user(
                person.name,
                user_id=person.telegram_id,
                language_code=TELEGRAM_LANGUAGE[person.language],
            )
    units_of = {a.telegram_id: a.unit_code for a in plan.assignments}
    groups = {group["id"] for group in emulator.groups()}
    for group in plan.groups:
        if group.chat_id in groups:
            continue
        # The county supervisor sits in every group and binds them when the demo first starts.
        members = [pid for pid, unit in units_of.items() if unit == group.unit_code]
        members.append(DEMO_ADMIN)
        emulator.create_group(group.title, chat_id=group.chat_id, member_ids=sorted(set(members)))
        emulator.add_bot_to_group(group.chat_id, DEMO_TOKEN, "administrator", can_pin_messages=True)


def remove_demo_database() -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DEMO_DATABASE}{suffix}").unlink(missing_ok=True)
    DEMO_CLOCK.unlink(missing_ok=True)
    DEMO_CHATS.unlink(missing_ok=True)


def restore_chats(emulator: Emulator) -> bool:
    """The chats as the demo left them, when its database is kept too."""
    if not DEMO_DATABASE.exists() or not DEMO_CHATS.exists():
        return False
    try:
        emulator.restore(DEMO_CHATS.read_bytes())
    except ValueError as error:
        print(f"{DEMO_CHATS}: {error}; the chats start empty", file=sys.stderr)
        return False
    return True


def save_state(moment: datetime, chats: bytes) -> None:
    """Keep the simulated time and the chats; each file is replaced whole, so a demo killed
    while saving leaves the previous state, never half of one."""
    DEMO_CLOCK.parent.mkdir(parents=True, exist_ok=True)
    for path, data in ((DEMO_CLOCK, moment.isoformat().encode()), (DEMO_CHATS, chats)):
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, path)


def saved_time() -> datetime | None:
    """Where the demo's simulated time had got to when it last stopped."""
    try:
        return datetime.fromisoformat(DEMO_CLOCK.read_text("utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None


def working_morning(now: datetime, calendar: WorkCalendar) -> datetime:
    """The next 09:00 on a working day (today's, if still ahead) in the calendar's zone: a
    demo started at night or on a holiday begins where a working day does, with the day's
    reports open, their deadline ahead and the quiet hours over."""
    day = calendar.local_date(now)
    if datetime.combine(day, DEMO_MORNING, calendar.zone) < now:
        day += timedelta(days=1)
    while calendar.is_holiday(day):  # the holidays are a finite list of dates
        day += timedelta(days=1)
    return datetime.combine(day, DEMO_MORNING, calendar.zone)


def demo_time(start_at: str | None, calendar: WorkCalendar, now: datetime) -> datetime:
    """Where the clock starts: the requested local time, or else the coming working morning
    (or where the demo stopped last, if that is later). Never behind the time this database
    had got to: obligations and messages already stored must not end up in the future."""
    zone, saved = calendar.zone, saved_time()
    if start_at is None:
        morning = working_morning(now, calendar)
        return max(morning, saved or morning)
    try:
        wanted = datetime.fromisoformat(start_at)
    except ValueError:
        raise DemoError(
            f"--time {start_at!r}: expected a local time like 2026-11-23T09:00"
        ) from None
    wanted = wanted if wanted.tzinfo else wanted.replace(tzinfo=zone)
    if saved is not None and wanted < saved:
        raise DemoError(
            f"--time {start_at}: the demo database's time is already "
            f"{saved.astimezone(zone):%Y-%m-%d %H:%M}; add --reset to start over earlier"
        )
    return wanted


class DemoError(Exception):
    """A demo that cannot start as asked; the message says why."""


async def start_staff(emulator: Emulator, plan: OrgPlan) -> None:
    """Everyone with a duty has started the bot (it can only write to those who have);
    residents start it themselves, through their group's declare button."""
    staff = sorted({a.telegram_id for a in plan.assignments if a.role != Role.RESIDENT})
    sent = [emulator.user_sends(person, person, "/start", bot=DEMO_TOKEN) for person in staff]
    for person, message in zip(staff, sent, strict=True):
        await emulator.wait_for_message(
            person, timeout=60, bot=DEMO_TOKEN, after_message_id=message["message_id"]
        )


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


async def run_demo(port: int = 8080, reset: bool = False, start_at: str | None = None) -> int:
    clock = AdjustableClock()
    emulator = Emulator(clock=clock.now)

    async def keep_state() -> None:
        await asyncio.to_thread(save_state, clock.now(), emulator.snapshot())

    page = SandboxPage(emulator, bot_id=DEMO_BOT_ID, on_moved=keep_state)
    emulator.mount(page.routes())
    # The port first: a second demo started by mistake must not touch the first one's files.
    if not port_is_free(port):
        print(f"port {port} is in use; try --port N", file=sys.stderr)
        return 2
    try:
        if reset:
            await asyncio.to_thread(remove_demo_database)
        settings = demo_settings("http://127.0.0.1", DEMO_DATABASE)
        install_keys(settings)
        calendar = work_calendar(settings.time.zone, settings.quiet_hours, settings.holidays)
        clock.set(demo_time(start_at, calendar, clock.now()))
        # The saved chats and the update numbering are in place before anyone can write.
        restored = await asyncio.to_thread(restore_chats, emulator)
        await continue_update_ids(emulator, settings)
        await emulator.start("127.0.0.1", port)
    except DemoError as error:
        print(error, file=sys.stderr)
        return 2
    except OSError as error:
        print(f"port {port} is not free ({error.strerror}); try --port N", file=sys.stderr)
        return 2
    try:
        return await _serve(emulator, page, clock, keep_state, restored)
    except DemoError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        await emulator.stop()


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def _serve(
    emulator: Emulator,
    page: SandboxPage,
    clock: AdjustableClock,
    keep_state: Callable[[], Awaitable[None]],
    restored: bool,
) -> int:
    settings = demo_settings(emulator.base_url, DEMO_DATABASE)
    plan = await seed_database(settings, clock)
    seed_emulator(emulator, plan)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop.set)
    app = App.build(settings, clock)
    machine = TimeMachine(clock, app.jobs, app.engine, app.database)
    page.attach(machine, app.database, settings, list(app.jobs.rollup_jobs.values()))
    bot_task = asyncio.create_task(app.run(handle_signals=False), name="bot")
    bot_task.add_done_callback(lambda _: stop.set())  # a crashed bot ends the demo too
    follow_task: asyncio.Task[None] | None = None
    try:
        if not restored and not await _until_stopped(stop, onboard(emulator, plan)):
            return 0  # stopped while setting up
        follow_task = asyncio.create_task(machine.follow(stop), name="calendar")
        print(f"Sandbox: open {emulator.base_url}/ in a browser  (Ctrl-C stops)", flush=True)
        print(f"Demo database: {DEMO_DATABASE}  (python -m bot sandbox --reset starts afresh)")
        await stop.wait()
        print("\nstopping…")
    finally:
        if follow_task is not None:
            await follow_task
        if not bot_task.done():
            try:
                await app.stop()
            except RuntimeError:  # polling had not started yet
                bot_task.cancel()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await bot_task  # re-raises what made the bot crash, if it did
        finally:
            await keep_state()
    return 0


async def onboard(emulator: Emulator, plan: OrgPlan) -> None:
    """New chats: the staff start the bot and the groups are bound (again, if only the
    database was kept: binding again posts the residents' button anew)."""
    await start_staff(emulator, plan)
    await bind_groups(emulator, plan)


async def _until_stopped(stop: asyncio.Event, work: Awaitable[None]) -> bool:
    """Run `work` unless the demo is stopped first (Ctrl-C, or the bot crashed): False then;
    DemoError if the bot does not answer."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait([task, stopped], return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
    try:
        task.result()
    except TimeoutError as error:
        raise DemoError(f"the bot did not answer while setting up the demo: {error}") from None
    return True


async def continue_update_ids(emulator: Emulator, settings: Settings) -> None:
    """The bot remembers the update ids it has handled; number new ones above them, whatever
    the emulator's saved chats (or their absence, after the demo was killed) say."""
    if not DEMO_DATABASE.exists():
        return
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            last = await Repositories(session).updates.last_update_id(DEMO_BOT_ID)
    finally:
        await database.dispose()
    if last is not None:
        emulator.continue_update_ids(DEMO_BOT_ID, last)
