"""Correcting a recorded test result (the rules are domain.result_fixes'): the staff's list of
recent results, one result as the correction menu shows it, and the correction itself.

Every call checks again, against the database, that the record exists and that the actor
answers for the resident's unit; a refused right is audited. A correction changes the record,
writes who changed what to what in the audit log, takes the test day's reminder buttons off,
and queues what the people concerned are told, all in one transaction: a result corrected to
positive is alerted as a positive is (the whole chain, 即有即报); a positive corrected away is
told to everyone it alerted (and to whoever would be alerted now); the resident (or the filer
of a proxy declaration) hears of any correction made for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from domain.audit_targets import TargetKind, target
from domain.cases import CaseStep, result_fix_note
from domain.checkins import SUBJECT_PREFIX, Monitored
from domain.declarations import TestResult
from domain.obligations import Obligation, ObligationKey, ObligationKind
from domain.org import OrgTree, Person
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor
from domain.result_fixes import (
    Notice,
    RecordedTest,
    corrections,
    fixable_units,
    may_correct,
    notice_of,
)
from services import audit_log, case_handling, checkins, reminder_buttons, result_recording
from services.case_handling import HandlingPolicy
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories

FIX_ACTION = "test.correct"
VIEW_ACTION = "test.view"  # a result shown to staff: in /results or its correction menu
FIX_PREFIX = "test-fix:"  # then the record's id, the correction's time and the recipient
RECENT_DAYS = 7  # /results lists the results of the last week
RECENT_LIMIT = 20


@dataclass(frozen=True, slots=True)
class ResultView:
    """A recorded result as staff see it before correcting it."""

    record: RecordedTest
    name: str  # the resident's
    unit_name: str
    recorded_by: str  # the name of who recorded it last

    @property
    def choices(self) -> tuple[TestResult, ...]:
        return corrections(self.record.result)


@dataclass(frozen=True, slots=True)
class Recent:
    views: list[ResultView]
    more: bool  # there are more than the list shows


@dataclass(frozen=True, slots=True)
class Correction:
    """What a correction's notices say; `ResultTexts` writes them in each reader's language."""

    record_id: int
    name: str
    unit_name: str
    day: date
    was: TestResult
    result: TestResult
    by: str  # who corrected it
    notice: Notice


@dataclass(frozen=True, slots=True)
class Corrected:
    correction: Correction
    told: int  # messages queued


class ResultTexts(Protocol):
    """The presentation layer's texts and buttons of corrections (texts.result_fixes)."""

    def fix_markup(self, person: Person, record_id: int) -> dict[str, Any]: ...

    def staff_notice(self, person: Person, correction: Correction) -> str: ...

    def resident_notice(self, person: Person, correction: Correction) -> str: ...


class ResultService:
    """Built once with the texts and the local time zone; what the correction handlers call."""

    def __init__(self, texts: ResultTexts, zone: ZoneInfo, handling: HandlingPolicy) -> None:
        self.texts = texts
        self.zone = zone
        self.handling = handling  # a result corrected to positive must be handled in time

    async def recent(self, repos: Repositories, actor: Actor, now: datetime) -> Recent:
        return await recent(repos, actor, today=now.astimezone(self.zone).date(), now=now)

    async def view(
        self, repos: Repositories, actor: Actor, record_id: int, now: datetime
    ) -> ResultView:
        return await view(repos, actor, record_id, now=now)

    async def correct(
        self,
        repos: Repositories,
        actor: Actor,
        record_id: int,
        was: TestResult,
        to: TestResult,
        now: datetime,
    ) -> Corrected:
        return await correct(
            repos, actor, record_id, was, to, texts=self.texts, now=now, handling=self.handling
        )


async def recent(repos: Repositories, actor: Actor, *, today: date, now: datetime) -> Recent:
    """The latest results of the residents the actor answers for, positives first."""
    tree = await repos.org.load_tree()
    units = fixable_units(actor, tree)
    if not units:
        await log_refusal(repos, actor, FIX_ACTION, "recent", "result-fix-not-staff", now)
        raise Refused("result-fix-not-staff")
    since = today - timedelta(days=RECENT_DAYS - 1)
    found = await repos.checkins.recent_tests(units, since, RECENT_LIMIT + 1)
    views = [await _view(repos, tree, record, monitored) for record, monitored in found]
    shown = views[:RECENT_LIMIT]
    # The list shows each resident's name and result: a view of each record.
    targets = (target(TargetKind.TEST_RECORD, v.record.id) for v in shown)
    await audit_log.record_views(repos, actor, VIEW_ACTION, targets, now, detail="list")
    return Recent(shown, more=len(views) > RECENT_LIMIT)


async def view(repos: Repositories, actor: Actor, record_id: int, *, now: datetime) -> ResultView:
    record, monitored, tree = await _load(repos, actor, record_id, now=now)
    await audit_log.record_views(
        repos, actor, VIEW_ACTION, [target(TargetKind.TEST_RECORD, record.id)], now
    )
    return await _view(repos, tree, record, monitored)


async def correct(
    repos: Repositories,
    actor: Actor,
    record_id: int,
    was: TestResult,
    to: TestResult,
    *,
    texts: ResultTexts,
    now: datetime,
    handling: HandlingPolicy | None = None,
) -> Corrected:
    """Correct the result from `was` (what the corrector saw) to `to`; Refused if the actor
    may not, if it is no correction, or if the result changed meanwhile. A positive (with
    `handling`) must be handled in time like one recorded at once; one corrected away no
    longer needs handling."""
    record, monitored, tree = await _load(repos, actor, record_id, now=now, lock=True)
    if to not in corrections(record.result):
        raise Refused("result-fix-same" if to is record.result else "result-fix-unknown")
    if record.result is not was:
        raise Refused("result-fix-changed")
    store = repos.checkins
    await store.set_test_result(
        record.declaration_id, record.day, to, by=actor.telegram_id, now=now
    )
    # On the case card's record of what was done (the audit entry below keeps it too).
    await repos.cases.add(
        record.declaration_id,
        CaseStep.RESULT_FIXED,
        result_fix_note(record.day, was.value, to.value),
        by=actor.telegram_id,
        at=now,
    )
    key = ObligationKey(
        ObligationKind.TEST_DUE,
        f"{SUBJECT_PREFIX}{record.declaration_id}",
        record.day.isoformat(),
    )
    # The audit keeps health data out as a rule; the change itself is what it must show here.
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=FIX_ACTION,
        target=str(key),
        allowed=True,
        detail=f"{was.value} -> {to.value}",
    )
    if to is TestResult.POSITIVE and handling is not None:
        await case_handling.owe_positive(
            repos, handling, record.declaration_id, monitored.unit_code, record.day, now=now
        )
    elif was is TestResult.POSITIVE:
        await case_handling.release_positive(
            repos,
            record.declaration_id,
            record.day,
            f"result corrected: {was.value} -> {to.value}",
            by=actor.telegram_id,
            at=now,
        )
    obligation = await repos.obligations.get(key)
    if obligation is not None and obligation.id is not None:  # final now: nothing to answer
        await reminder_buttons.take_off(repos, obligation.id, now=now)
    shown = await _view(repos, tree, record, monitored)
    correction = Correction(
        record.id,
        shown.name,
        shown.unit_name,
        record.day,
        was,
        to,
        await _name_of(repos, actor.telegram_id),
        notice_of(was, to),
    )
    told = await _tell(repos, actor, monitored, obligation, correction, texts, now)
    return Corrected(correction, told)


async def _load(
    repos: Repositories, actor: Actor, record_id: int, *, now: datetime, lock: bool = False
) -> tuple[RecordedTest, Monitored, OrgTree]:
    record = await repos.checkins.test_record(record_id, lock=lock)
    monitored = await repos.checkins.monitored(record.declaration_id) if record else None
    about = target(TargetKind.TEST_RECORD, record_id)
    if record is None or monitored is None:
        await log_refusal(repos, actor, FIX_ACTION, about, "result-fix-unknown", now)
        raise Refused("result-fix-unknown")
    tree = await repos.org.load_tree()
    if not may_correct(actor, monitored.unit_code, tree):
        await log_refusal(repos, actor, FIX_ACTION, about, "result-fix-not-staff", now)
        raise Refused("result-fix-not-staff")
    return record, monitored, tree


async def _view(
    repos: Repositories, tree: OrgTree, record: RecordedTest, monitored: Monitored
) -> ResultView:
    return ResultView(
        record,
        await checkins.resident_name(repos, monitored),
        checkins.unit_name_of(tree, monitored.unit_code),
        await _name_of(repos, record.recorded_by),
    )


async def _name_of(repos: Repositories, telegram_id: int) -> str:
    person = await repos.people.get(telegram_id)
    return person.name if person is not None else str(telegram_id)


async def _tell(
    repos: Repositories,
    actor: Actor,
    monitored: Monitored,
    obligation: Obligation | None,
    correction: Correction,
    texts: ResultTexts,
    now: datetime,
) -> int:
    skip = {actor.telegram_id}
    staff: list[Person] = []
    if correction.notice is not Notice.NONE:
        staff = await checkins.alert_recipients(repos, monitored, correction.day, skip=skip)
    if correction.notice is Notice.RETRACT:
        # Whoever the positive (or an earlier correction) alerted, though no longer on duty.
        prefixes = [f"{FIX_PREFIX}{correction.record_id}:"]
        if obligation is not None:
            prefixes.append(f"{result_recording.TEST_ALERT_PREFIX}{obligation.id}:")
        told = {p.telegram_id for p in staff} | skip | _answering(monitored)
        earlier = await repos.sent.recipients(*prefixes)
        staff += (await repos.people.many(earlier - told)).values()
    occasion = f"{FIX_PREFIX}{correction.record_id}:{now.isoformat()}"
    messages = [
        OutboxMessage.private(
            f"{occasion}:{p.telegram_id}",
            p.telegram_id,
            texts.staff_notice(p, correction),
            now,
            Priority.ALERT,
            texts.fix_markup(p, correction.record_id),
        )
        for p in staff
    ]
    staff_ids = {p.telegram_id for p in staff}
    for answering in _answering(monitored) - skip - staff_ids:
        person = await repos.people.get(answering)
        if person is not None:
            text = texts.resident_notice(person, correction)
            key = f"{occasion}:{answering}"
            messages.append(OutboxMessage.private(key, answering, text, now, Priority.ALERT))
    return await repos.outbox.enqueue_many(messages, now=now)


def _answering(monitored: Monitored) -> set[int]:
    """Who answers for the resident's own follow-up: themselves, or a proxy's filer."""
    return {monitored.resident_id if monitored.resident_id is not None else monitored.filed_by}
