"""The demo's controllable time: move the shared clock forward and replay, in order, what the
calendar jobs and the obligation clock would have done in between.

The bot only sees its injected clock. The obligation clock follows it by itself (it sleeps at
most a few seconds and asks the clock again), but APScheduler fires the calendar jobs on the
machine's real clock. So the time machine runs each job at its simulated times: when time is
moved (`move_to`), stepping from event to event so that a visitor who jumps to 16:45 sees the
15:45 and 16:45 reminders arrive as separate messages, each at its own time; and while
simulated time simply flows (`follow`). APScheduler's own real-time firings stay harmless:
every action is idempotent and works relative to the injected clock's now, so they find
nothing the time machine has not already done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import AdjustableClock
from scheduler.crontab import next_fire_times
from scheduler.engine import ObligationEngine
from scheduler.jobs import CalendarJobs
from storage import Database, Repositories

logger = logging.getLogger(__name__)

# How far one move may go: a month covers every chain and follow-up period of the demo.
MAX_MOVE = timedelta(days=31)
# Stops a move makes at most; past them the rest is caught up at once, as after downtime
# (each job once, each overdue escalation step once, pointless reminders skipped).
MAX_STOPS = 3000
# While time flows, how often the follower looks at the clock at most (seconds).
FOLLOW_POLL_S = 1.0
# How long a stop waits for the messages it caused to go out before time moves on, so that
# each arrives stamped with its own time (seconds; the sender paces 1 message/s per chat).
DRAIN_TIMEOUT_S = 15.0
DRAIN_POLL_S = 0.05


class TimeMoveError(Exception):
    """A move that is refused; `code` names why (backwards, too_far, busy)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Moved:
    start: datetime
    now: datetime
    jobs: list[tuple[str, datetime]] = field(default_factory=list)
    steps: int = 0  # escalation steps the obligation clock took (reminders, escalations)


class TimeMachine:
    def __init__(
        self,
        clock: AdjustableClock,
        jobs: CalendarJobs,
        engine: ObligationEngine,
        database: Database,
    ) -> None:
        self.clock = clock
        self.jobs = jobs
        self.engine = engine
        self.database = database
        self._lock = asyncio.Lock()  # one advance at a time: a visitor's move or the follower
        self._moving = False  # a visitor's move is running (a second one is refused)
        # The calendar has been run up to here.
        self._seen = clock.now()

    @property
    def busy(self) -> bool:
        return self._moving

    async def move_to(self, target: datetime) -> Moved:
        """Move the clock forward to `target`, running every calendar job and obligation step
        that falls in between at its own time."""
        if self._moving:
            raise TimeMoveError("busy", "time is already being moved")
        self._moving = True
        try:
            # Waits for a pass of the follower, if one is running: not the visitor's concern.
            async with self._lock:
                start = self.clock.now()
                if target < start:
                    raise TimeMoveError("backwards", "time only moves forward")
                if target - start > MAX_MOVE:
                    raise TimeMoveError(
                        "too_far", f"a move goes at most {MAX_MOVE.days} days ahead"
                    )
                moved = await self._advance(target)
        finally:
            self._moving = False
        logger.info("time moved to %s: %s", target.isoformat(), moved)
        return moved

    async def follow(self, stop: asyncio.Event) -> None:
        """While simulated time flows, run each calendar job when its simulated time comes.
        A failing pass (a locked database, say) is logged and tried again after a pause."""
        failures = 0
        while not stop.is_set():
            wait = FOLLOW_POLL_S
            try:
                due = min(self.jobs.next_fires(self._seen).values(), default=None)
                if due is not None and due <= self.clock.now() and not self._lock.locked():
                    async with self._lock:
                        await self._advance(self.clock.now())
                    failures = 0
                    continue
                if due is not None:
                    wait = min(wait, max((due - self.clock.now()).total_seconds(), 0.05))
            except Exception:
                failures += 1
                logger.exception("running the calendar on simulated time failed (%d)", failures)
                wait = min(2.0**failures, 30.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)

    async def _advance(self, target: datetime) -> Moved:
        start = self.clock.now()
        jobs: list[tuple[str, datetime]] = []
        steps = 0
        for _ in range(MAX_STOPS):
            stop = await self._next_stop(target)
            if stop is None:
                break
            moment, names = stop
            # Never backwards: real time went on while the previous stop ran.
            if moment > self.clock.now():
                self.clock.set(moment)
            for name in names:
                await self._run_job(name)
                jobs.append((name, moment))
            steps += (await self.engine.run_due(moment)).actions
            self._seen = moment
            await self._drain()
        else:
            # Too many stops: the rest at once, as after downtime. Every job runs once at
            # the target, so that none is skipped (a day's reports opened, say).
            if target > self.clock.now():
                self.clock.set(target)
            for name in sorted(self.jobs.crontabs()):
                await self._run_job(name)
                jobs.append((name, target))
        if target > self.clock.now():
            self.clock.set(target)
        self._seen = max(self._seen, target)
        steps += (await self.engine.run_due(target)).actions
        return Moved(start, target, jobs, steps)

    async def _next_stop(self, target: datetime) -> tuple[datetime, list[str]] | None:
        """The next moment up to `target` at which something happens, and the jobs that run
        then. Jobs fire many times between two steps of the obligation clock, and every action
        catches up on all that is older than its run: so each job runs once, at the last of
        its times before the next step (or the target), and a stop is made only there or at
        the step. Frequent jobs (every minute, every five) thus cost a stop or two per quiet
        stretch, not one per firing."""
        fires = self.jobs.next_fires(self._seen)
        async with self.database.session() as session:
            step_at = await Repositories(session).obligations.next_action_at(after=self._seen)
        step = step_at if step_at is not None and step_at <= target else None
        horizon = target if step is None else step
        lasts = {
            name: self._last_fire(name, first, horizon)
            for name, first in fires.items()
            if first <= horizon
        }
        if not lasts:
            return None if step is None else (step, [])
        moment = min(lasts.values())
        return moment, sorted(name for name, at in lasts.items() if at == moment)

    def _last_fire(self, name: str, first: datetime, horizon: datetime) -> datetime:
        """The last time `name` fires from `first` up to `horizon` (both included; `first`
        is a firing not after `horizon`). Found by looking back from the horizon over a
        doubling window, so that a job firing every minute over a month costs a few
        calculations rather than tens of thousands."""
        cron, zone = self.jobs.crontabs()[name]
        back = timedelta(minutes=1)
        while True:
            probe = horizon - back
            if probe < first:
                last = first
                break
            (fire,) = next_fire_times(cron, zone, probe)
            if fire <= horizon:
                last = fire
                break
            back *= 2
        while True:
            (following,) = next_fire_times(cron, zone, last)
            if following > horizon:
                return last
            last = following

    async def _drain(self) -> None:
        """Wait until the outbox has sent what is due (or give up after a while: a message
        the sender keeps retrying must not hold time still)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + DRAIN_TIMEOUT_S
        # Pacing puts a message a second or so after the one before it in the same chat.
        due_by = self.clock.now() + timedelta(seconds=DRAIN_TIMEOUT_S)
        while loop.time() < deadline:
            async with self.database.session() as session:
                due = await Repositories(session).outbox.pending_count(due_by=due_by)
            if due == 0:
                return
            await asyncio.sleep(DRAIN_POLL_S)
        logger.warning("the outbox did not drain within %.0f s; time moves on", DRAIN_TIMEOUT_S)

    async def _run_job(self, name: str) -> None:
        try:
            await self.jobs.run_now(name)
        except Exception:
            # As a scheduled run would: logged, and the job runs again at its next time.
            logger.exception("calendar job %s failed while moving time", name)
