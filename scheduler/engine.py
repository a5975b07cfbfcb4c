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
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from domain.calendar import WorkCalendar
from domain.escalation import Action, Chain, Event, Step, Target, advance
from domain.obligations import Obligation, ObligationKind
from domain.org import GroupPurpose, Language, Person, Role
from domain.outbox import OutboxMessage, Priority
from domain.recipients import Directory, Recipient, resolve
from storage import Database, Repositories
from storage.repos import EscalationRecord
from storage.repos.obligations import OBLIGATIONS

logger = logging.getLogger(__name__)

# Events of one obligation handled in one pass; a chain has a handful, so hitting this means a
# bug (an event that never moves the position), and stopping beats looping forever.
MAX_EVENTS_PER_PASS = 64
OUTBOX_PREFIX = "obligation:"
# An obligation whose step failed is tried again this much later, not in a tight loop.
RETRY_FAILED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class StepMessage:
    """Everything the texts need to write one step's message to one recipient."""

    obligation: Obligation
    step: Step
    event: Event
    recipient: Recipient
    language: Language
    unit_name: str
    assignees: tuple[Person, ...]  # who owes it: the person, or the unit's liaisons
    covering_for: Person | None  # the away or unreachable person the recipient stands in for
    zone_due: datetime  # due_at in the configured time zone


@dataclass(frozen=True, slots=True)
class NobodyMessage:
    """An escalation step that reached nobody at all, for the admins."""

    obligation: Obligation
    step: Step
    unit_name: str
    language: Language
    zone_due: datetime


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str  # Telegram HTML
    reply_markup: dict[str, Any] | None = None


class StepTexts(Protocol):
    """Writes the messages; the bot's implementation uses its catalogs and keyboards."""

    def step(self, message: StepMessage) -> Rendered: ...

    def nobody(self, message: NobodyMessage) -> Rendered: ...


@dataclass(frozen=True, slots=True)
class PassResult:
    obligations: int = 0  # obligations claimed
    actions: int = 0  # events performed (sent, or reached nobody)
    messages: int = 0  # outbox rows written


@dataclass(slots=True)
class _Batch:
    """What one batch decided, before the people it concerns are loaded."""

    stepped: list[Obligation] = field(default_factory=list)
    actions: list[tuple[Obligation, Action, tuple[Recipient, ...], tuple[Target, ...]]] = field(
        default_factory=list
    )


def outbox_key(obligation: Obligation, event: Event, chat_id: int | str) -> str:
    return f"{OUTBOX_PREFIX}{obligation.id}#{event.step}.{event.repeat}:{chat_id}"


def priority_of(step: Step) -> Priority:
    # A reminder before the deadline can wait behind an escalation, never the other way round.
    return Priority.REMINDER if step.offset < timedelta(0) else Priority.ALERT


class ObligationEngine:
    def __init__(
        self,
        database: Database,
        chains: Mapping[ObligationKind, Chain],
        calendar: WorkCalendar,
        texts: StepTexts,
        *,
        now: Callable[[], datetime],
        admins: Sequence[int] = (),
        default_language: Language = Language.ZH_CN,
        batch_size: int = 500,
        max_sleep_s: float = 30.0,
    ) -> None:
        self.database = database
        self.chains = dict(chains)
        self.calendar = calendar
        self.texts = texts
        self.now = now
        self.admins = tuple(admins)
        self.default_language = default_language
        self.batch_size = batch_size
        # Bounded, so a wall clock moved by hand (the sandbox, NTP) is noticed soon enough.
        self.max_sleep_s = max_sleep_s
        self.wake = database.changed(OBLIGATIONS)
        self._stopping = asyncio.Event()

    # --- running ---------------------------------------------------------------------------

    async def run(self) -> None:
        """Perform due steps until `stop()`; a failing pass is logged and tried again."""
        failures = 0
        logger.info("obligation clock running")
        while not self._stopping.is_set():
            # Cleared before looking, so a change committed during the pass wakes the next one.
            self.wake.clear()
            try:
                await self.run_due()
                delay = await self._until_next()
                failures = 0
            except Exception:
                failures += 1
                logger.exception("obligation clock pass failed (%d in a row)", failures)
                delay = min(2.0**failures, self.max_sleep_s)
            await self._sleep(delay)
        logger.info("obligation clock stopped")

    async def stop(self) -> None:
        self._stopping.set()

    async def _until_next(self) -> float:
        async with self.database.session() as session:
            next_at = await Repositories(session).obligations.next_action_at()
        if next_at is None:
            return self.max_sleep_s
        seconds = (next_at - self.now()).total_seconds()
        return min(max(seconds, 0.0), self.max_sleep_s)

    async def _sleep(self, seconds: float) -> None:
        waits = [asyncio.create_task(self.wake.wait()), asyncio.create_task(self._stopping.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()
            for task in waits:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    # --- one pass --------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> PassResult:
        """Step every obligation due by `now` (default: the clock's now) until none is left."""
        total = PassResult()
        while True:
            moment = now or self.now()
            try:
                result = await self._run_batch(moment)
            except Exception:
                # One obligation that cannot be stepped (a text that fails to render, a row
                # the code cannot read) must not hold up all the others behind it.
                logger.exception("a batch of obligations failed; stepping them one by one")
                result = await self._run_one_by_one(moment)
            total = PassResult(
                total.obligations + result.obligations,
                total.actions + result.actions,
                total.messages + result.messages,
            )
            if result.obligations < self.batch_size:
                return total

    async def _run_one_by_one(self, now: datetime) -> PassResult:
        async with self.database.session() as session:
            ids = await Repositories(session).obligations.due_ids(now, self.batch_size)
        total = PassResult()
        for obligation_id in ids:
            try:
                result = await self._run_batch(now, only=obligation_id)
            except Exception:
                logger.exception(
                    "obligation %d cannot be stepped; retrying it later", obligation_id
                )
                async with self.database.transaction() as session:
                    await Repositories(session).obligations.postpone(
                        obligation_id, now + RETRY_FAILED_AFTER, now=now
                    )
                result = PassResult(obligations=1)
            total = PassResult(
                total.obligations + result.obligations,
                total.actions + result.actions,
                total.messages + result.messages,
            )
        return total

    async def _run_batch(self, now: datetime, *, only: int | None = None) -> PassResult:
        async with self.database.transaction() as session:
            repos = Repositories(session)
            claimed = await repos.obligations.claim_due(now, self.batch_size, only=only)
            if not claimed:
                return PassResult()
            on = self.calendar.local_date(now)
            directory = await self._directory(repos, on)
            batch = self._decide(claimed, directory, now, on)
            people = await repos.people.many(self._people_concerned(batch, directory))
            messages, records = self._compose(batch, directory, people, now)
            written = await repos.outbox.enqueue_many(messages, now=now)
            await repos.escalations.record(records)
            await repos.obligations.save_progress(batch.stepped, now=now)
        return PassResult(len(claimed), len(batch.actions), written)

    async def _directory(self, repos: Repositories, on: date) -> Directory:
        tree = await repos.org.load_tree()
        roles = (Role.SUPERVISOR, Role.LIAISON, Role.DEPUTY)
        return Directory.of(
            tree,
            await repos.roles.all_holding(roles),
            await repos.groups.with_purpose(GroupPurpose.WORK),
            away_until=await repos.absences.away_on(on),
            unreachable=await repos.people.unreachable_ids(),
        )

    def _decide(
        self, claimed: Sequence[Obligation], directory: Directory, now: datetime, on: date
    ) -> _Batch:
        batch = _Batch()
        for obligation in claimed:
            chain = self.chains.get(obligation.kind)
            if chain is None or obligation.unit_code not in directory.tree:
                # A kind without a chain, or a unit deleted since: nothing to do, ever.
                logger.warning("obligation %s has no chain or unit; not stepped", obligation.key)
                batch.stepped.append(replace(obligation, next_action_at=None))
                continue
            current = obligation
            for _ in range(MAX_EVENTS_PER_PASS):
                step = advance(current, chain, self.calendar, now)
                current = step.obligation
                if step.action is None:
                    break
                resolution = resolve(current, step.action.step, directory, on)
                batch.actions.append(
                    (current, step.action, resolution.recipients, resolution.missing)
                )
                if current.next_action_at is None or current.next_action_at > now:
                    break  # asking again would find nothing due, at the cost of a full step
            else:
                logger.error("obligation %s kept yielding events; stopped", obligation.key)
            batch.stepped.append(current)
        return batch

    @staticmethod
    def _people_concerned(batch: _Batch, directory: Directory) -> set[int]:
        ids: set[int] = set()
        for obligation, _, recipients, _ in batch.actions:
            ids |= set(_assignee_ids(obligation, directory))
            for r in recipients:
                if not r.group:
                    ids.add(r.chat_id)
                if r.covering_for is not None:
                    ids.add(r.covering_for)
        return ids

    def _compose(
        self,
        batch: _Batch,
        directory: Directory,
        people: Mapping[int, Person],
        now: datetime,
    ) -> tuple[list[OutboxMessage], list[EscalationRecord]]:
        messages: list[OutboxMessage] = []
        records: list[EscalationRecord] = []
        for obligation, action, recipients, missing in batch.actions:
            assert obligation.id is not None
            step, event = action.step, action.event
            unit_name = directory.tree.get(obligation.unit_code).name
            zone_due = obligation.due_at.astimezone(self.calendar.zone)
            assignees = tuple(
                people.get(p) or Person(p, str(p), self.default_language)
                for p in _assignee_ids(obligation, directory)
            )
            chain = self.chains[obligation.kind]
            records.extend(
                EscalationRecord(
                    obligation.id, e.step, e.repeat, "superseded", chain.steps[e.step].message, now
                )
                for e in action.superseded
            )
            for target in missing:
                records.append(
                    EscalationRecord(
                        obligation.id,
                        event.step,
                        event.repeat,
                        "nobody",
                        step.message,
                        now,
                        target=target.value,
                    )
                )
            for recipient in recipients:
                person = None if recipient.group else people.get(recipient.chat_id)
                language = person.language if person is not None else self.default_language
                covering = people.get(recipient.covering_for) if recipient.covering_for else None
                rendered = self.texts.step(
                    StepMessage(
                        obligation,
                        step,
                        event,
                        recipient,
                        language,
                        unit_name,
                        assignees,
                        covering,
                        zone_due,
                    )
                )
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
                records.append(
                    EscalationRecord(
                        obligation.id,
                        event.step,
                        event.repeat,
                        "sent",
                        step.message,
                        now,
                        target=recipient.target.value,
                        chat_id=recipient.chat_id,
                        covering_for=recipient.covering_for,
                        outbox_key=key,
                    )
                )
            if not recipients and step.offset >= timedelta(0):
                # An escalation nobody hears of is exactly what must not happen silently; a
                # reminder that reaches nobody is only logged (the escalation will follow).
                rendered = self.texts.nobody(
                    NobodyMessage(obligation, step, unit_name, self.default_language, zone_due)
                )
                for admin in self.admins:
                    messages.append(
                        OutboxMessage(
                            dedupe_key=outbox_key(obligation, event, f"nobody:{admin}"),
                            chat_id=admin,
                            text=rendered.text,
                            not_before=now,
                            priority=Priority.ALERT,
                            reply_markup=rendered.reply_markup,
                            recipient_id=admin,
                        )
                    )
        return messages, records


def _assignee_ids(obligation: Obligation, directory: Directory) -> tuple[int, ...]:
    if obligation.assignee_person is not None:
        return (obligation.assignee_person,)
    return directory.holding(str(obligation.assignee), Role.LIAISON)
