"""The clock: performs due escalation steps and writes their messages to the outbox.

One loop sleeps until the earliest `next_action_at` in the database, or until a commit that
opened or changed an obligation wakes it (storage.changes). A pass claims the due obligations
in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several instances never take the same
step), asks `domain.escalation.advance` for each due event until none is left, resolves who
hears of it (`domain.recipients`) and, in the same transaction, writes the messages to the
outbox, the steps to the escalation log and the obligations' new positions. Either all of a
batch happens or none of it: a crash mid-pass leaves the obligations due, to be stepped again
with the same outbox dedupe keys.

After downtime the first pass catches up: `advance` runs each overdue escalation step once, in
order, and records what a later step made pointless as superseded instead of sending it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from domain.calendar import WorkCalendar
from domain.escalation import Action, ChainBook, Event, Step, Target, advance
from domain.obligations import Obligation
from domain.org import Language, Person
from domain.outbox import OutboxMessage, Priority
from domain.personal_outbox import OBLIGATION_PREFIX
from domain.recipients import Directory, Recipient, answerable, resolve
from scheduler.digests import Digests, digestible, gather

# Re-exported: the texts and the tests know these by the engine's name. They live apart so that
# scheduler.digests can use them without an import cycle.
from scheduler.messages import NobodyMessage as NobodyMessage
from scheduler.messages import Rendered as Rendered
from scheduler.messages import StepMessage as StepMessage
from scheduler.messages import StepTexts as StepTexts
from scheduler.waiting import run_passes
from services.obligations import load_directory
from storage import Database, Repositories
from storage.repos import EscalationRecord
from storage.repos.obligations import OBLIGATIONS

logger = logging.getLogger(__name__)

# Events of one obligation handled in one pass; a chain has a handful, so hitting this means a
# bug (an event that never moves the position), and stopping beats looping forever.
MAX_EVENTS_PER_PASS = 64
OUTBOX_PREFIX = OBLIGATION_PREFIX
# An obligation whose step failed is tried again this much later, not in a tight loop.
RETRY_FAILED_AFTER = timedelta(minutes=10)
# How soon to look again when something due could not be claimed (another transaction holds it).
LOCKED_RETRY_S = 0.5


@dataclass(frozen=True, slots=True)
class PassResult:
    obligations: int = 0  # obligations claimed
    actions: int = 0  # events performed (sent, or reached nobody)
    messages: int = 0  # outbox rows written


@dataclass(frozen=True, slots=True)
class _Performed:
    """One due event and who hears of it."""

    action: Action
    recipients: tuple[Recipient, ...]
    missing: tuple[Target, ...]  # targets that resolved to nobody


@dataclass(frozen=True, slots=True)
class _Stepped:
    """What a pass decided for one obligation, before the people it concerns are loaded."""

    before: Obligation
    after: Obligation  # position and next_action_at moved past the performed events
    actions: tuple[_Performed, ...] = ()

    @classmethod
    def postponed(cls, obligation: Obligation, until: datetime) -> _Stepped:
        return cls(obligation, replace(obligation, next_action_at=until))


def outbox_key(obligation: Obligation, event: Event, chat_id: int | str) -> str:
    return f"{OUTBOX_PREFIX}{obligation.id}#{event.step}.{event.repeat}:{chat_id}"


def priority_of(step: Step) -> Priority:
    # A reminder before the deadline can wait behind an escalation, never the other way round.
    return Priority.REMINDER if step.offset < timedelta(0) else Priority.ALERT


class ObligationEngine:
    def __init__(
        self,
        database: Database,
        chains: ChainBook,
        calendar: WorkCalendar,
        texts: StepTexts,
        *,
        now: Callable[[], datetime],
        admins: Sequence[int] = (),
        default_language: Language = Language.ZH_CN,
        batch_size: int = 500,
        max_sleep_s: float = 30.0,
        digests: Digests | None = None,
    ) -> None:
        self.database = database
        self.chains = chains
        self.calendar = calendar
        self.texts = texts
        self.now = now
        self.admins = tuple(admins)
        self.default_language = default_language
        self.batch_size = batch_size
        # None or a zero window: every escalation goes out on its own (scheduler.digests).
        self.digests = digests if digests is not None and digests.window > timedelta(0) else None
        # Bounded, so a wall clock moved by hand (the sandbox, NTP) is noticed soon enough.
        self.max_sleep_s = max_sleep_s
        self.wake = database.changed(OBLIGATIONS)
        self._stopping = asyncio.Event()

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Perform due steps until `stop()`; a failing pass is logged and tried again."""
        logger.info("obligation clock running")
        await run_passes(
            self._pass,
            wake=self.wake,
            stopping=self._stopping,
            logger=logger,
            what="obligation clock pass",
            max_backoff_s=self.max_sleep_s,
        )
        logger.info("obligation clock stopped")

    async def _pass(self) -> float:
        """One pass; the seconds until the next step is due."""
        result = await self.run_due()
        delay = await self._until_next()
        if result.obligations == 0:
            # Something is due that this pass could not claim: another instance, or a report
            # being filed, holds it. Look again shortly, not in a busy loop.
            delay = max(delay, LOCKED_RETRY_S)
        return delay

    async def stop(self) -> None:
        self._stopping.set()

    async def _until_next(self) -> float:
        async with self.database.session() as session:
            next_at = await Repositories(session).obligations.next_action_at()
        if next_at is None:
            return self.max_sleep_s
        seconds = (next_at - self.now()).total_seconds()
        return min(max(seconds, 0.0), self.max_sleep_s)

    # --- one pass --------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> PassResult:
        """Step every obligation due by `now` (default: the clock's now) until none is left.

        A database error ends the pass (the loop backs off and tries again); an obligation
        that cannot be stepped (a text that fails to render, data the code cannot handle) is
        postponed by RETRY_FAILED_AFTER without holding up the others.
        """
        total = PassResult()
        while True:
            result = await self._run_batch(now or self.now())
            total = PassResult(
                total.obligations + result.obligations,
                total.actions + result.actions,
                total.messages + result.messages,
            )
            if result.obligations < self.batch_size:
                return total

    async def _run_batch(self, now: datetime) -> PassResult:
        async with self.database.transaction() as session:
            repos = Repositories(session)
            # A cheap look first: on SQLite the claim takes the write lock, which an idle
            # pass should not hold up a report for.
            if not await repos.obligations.any_due(now):
                return PassResult()
            claimed = await repos.obligations.claim_due(now, self.batch_size)
            if not claimed:
                return PassResult()
            on = self.calendar.local_date(now)
            directory = await load_directory(repos, on)
            steps = [self._decide(obligation, directory, now, on) for obligation in claimed]
            people = await repos.people.many(_people_concerned(steps, directory, on))
            messages: list[OutboxMessage] = []
            records: list[EscalationRecord] = []
            gathered: list[StepMessage] = []
            stepped: list[Obligation] = []
            for step in steps:
                try:
                    composed = self._compose(step, directory, people, now)
                except Exception:
                    logger.exception(
                        "obligation %s cannot be stepped; tried later", step.before.key
                    )
                    step = _Stepped.postponed(step.before, now + RETRY_FAILED_AFTER)
                    composed = ([], [], [])
                messages += composed[0]
                records += composed[1]
                gathered += composed[2]
                stepped.append(step.after)
            if gathered and self.digests is not None:
                digested = await gather(
                    repos, gathered, self.digests, directory.tree, single=self.texts.step, now=now
                )
                messages += digested[0]
                records += digested[1]
            written = await repos.outbox.enqueue_many(messages, now=now)
            await repos.escalations.record(records)
            await repos.obligations.save_progress(stepped, now=now)
        return PassResult(len(claimed), sum(len(s.actions) for s in steps), written)

    def _decide(
        self, obligation: Obligation, directory: Directory, now: datetime, on: date
    ) -> _Stepped:
        """The due events of one obligation and who hears of each; a failure postpones it."""
        chain = self.chains.of(obligation)
        if chain is None or obligation.unit_code not in directory.tree:
            # A kind without a chain, or a unit deleted since: nothing to do, ever.
            logger.warning("obligation %s has no chain or unit; not stepped", obligation.key)
            return _Stepped(obligation, replace(obligation, next_action_at=None))
        try:
            current, actions = obligation, []
            for _ in range(MAX_EVENTS_PER_PASS):
                advanced = advance(current, chain, self.calendar, now)
                current = advanced.obligation
                if advanced.action is None:
                    break
                resolution = resolve(current, advanced.action.step, directory, on)
                actions.append(
                    _Performed(advanced.action, resolution.recipients, resolution.missing)
                )
                if current.next_action_at is None or current.next_action_at > now:
                    break  # asking again would find nothing due, at the cost of a full step
            else:
                raise RuntimeError(f"{obligation.key} kept yielding due events")
        except Exception:
            logger.exception("obligation %s cannot be stepped; tried later", obligation.key)
            return _Stepped.postponed(obligation, now + RETRY_FAILED_AFTER)
        return _Stepped(obligation, current, tuple(actions))

    def _compose(
        self,
        stepped: _Stepped,
        directory: Directory,
        people: Mapping[int, Person],
        now: datetime,
    ) -> tuple[list[OutboxMessage], list[EscalationRecord], list[StepMessage]]:
        """The outbox messages and log lines of one obligation's performed events, and the
        step messages left to gather into digests (scheduler.digests)."""
        messages: list[OutboxMessage] = []
        records: list[EscalationRecord] = []
        gathered: list[StepMessage] = []
        if not stepped.actions:
            return messages, records, gathered
        obligation = stepped.after
        assert obligation.id is not None
        unit_name = directory.tree.get(obligation.unit_code).name
        zone_due = obligation.due_at.astimezone(self.calendar.zone)
        assignees = tuple(
            people.get(p) or Person(p, str(p), self.default_language)
            for p in answerable(obligation, directory, self.calendar.local_date(now))
        )
        chain = self.chains.of(obligation)
        assert chain is not None  # _decide performed nothing for one without a chain

        def record(event: Event, outcome: str, message_key: str, **where: Any) -> None:
            assert obligation.id is not None
            records.append(
                EscalationRecord(
                    obligation.id, event.step, event.repeat, outcome, message_key, now, **where
                )
            )

        for performed in stepped.actions:
            step, event = performed.action.step, performed.action.event
            for skipped in performed.action.superseded:
                record(skipped, "superseded", chain.steps[skipped.step].message)
            for target in performed.missing:
                record(event, "nobody", step.message, target=target.value)
            for recipient in performed.recipients:
                person = None if recipient.group else people.get(recipient.chat_id)
                covering = people.get(recipient.covering_for) if recipient.covering_for else None
                message = StepMessage(
                    obligation,
                    step,
                    event,
                    recipient,
                    person.language if person is not None else self.default_language,
                    unit_name,
                    assignees,
                    covering,
                    zone_due,
                )
                if self.digests is not None and digestible(message):
                    gathered.append(message)  # written, and logged, by gather()
                    continue
                rendered = self.texts.step(message)
                key = outbox_key(obligation, event, recipient.chat_id)
                messages.append(
                    OutboxMessage(
                        dedupe_key=key,
                        chat_id=recipient.chat_id,
                        text=rendered.text,
                        not_before=now,
                        priority=priority_of(step),
                        reply_markup=rendered.reply_markup,
                        recipient_id=None if recipient.group else recipient.chat_id,
                    )
                )
                record(
                    event,
                    "sent",
                    step.message,
                    target=recipient.target.value,
                    chat_id=recipient.chat_id,
                    covering_for=recipient.covering_for,
                    outbox_key=key,
                )
            if not performed.recipients and step.offset >= timedelta(0):
                # An escalation nobody hears of is exactly what must not happen silently; a
                # reminder that reaches nobody is only logged (the escalation will follow).
                rendered = self.texts.nobody(
                    NobodyMessage(obligation, step, unit_name, self.default_language, zone_due)
                )
                messages.extend(
                    OutboxMessage(
                        dedupe_key=outbox_key(obligation, event, f"nobody:{admin}"),
                        chat_id=admin,
                        text=rendered.text,
                        not_before=now,
                        priority=Priority.ALERT,
                        reply_markup=rendered.reply_markup,
                        recipient_id=admin,
                    )
                    for admin in self.admins
                )
        return messages, records, gathered


def _people_concerned(steps: Sequence[_Stepped], directory: Directory, on: date) -> set[int]:
    ids: set[int] = set()
    for stepped in steps:
        if not stepped.actions:
            continue
        ids |= set(answerable(stepped.after, directory, on))
        for performed in stepped.actions:
            for r in performed.recipients:
                if not r.group:
                    ids.add(r.chat_id)
                if r.covering_for is not None:
                    ids.add(r.covering_for)
    return ids
