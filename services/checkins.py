"""Recording daily health check-ins of monitored residents, and what recording a test day
(services.result_recording) shares with it: who may record, the resident's name, who is alerted.

Every press and every answer comes from the client, so each call checks again, against the
database, that the obligation exists, is of the right kind and still open, and that the actor
may record it: the assignee (the resident, or the filer of a proxy declaration) or a tracker
or liaison of the obligation's unit (recording for the resident, which the audit says).
The record, the obligation met, the alerts queued in the outbox and the answered reminders'
buttons taken off (services.reminder_buttons) commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from domain.cases import CALLER_ROLES
from domain.checkins import (
    IDENTICAL_DAYS,
    AlertReason,
    CheckinAnswer,
    Monitored,
    alert_reasons,
    declaration_id_of,
    identical_run,
)
from domain.declarations import Symptom
from domain.obligations import Obligation, ObligationKind, ObligationState
from domain.org import OrgTree, Person, Role
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor
from domain.personal_outbox import CHECKIN_ALERT_PREFIX
from domain.recipients import case_recipients, case_staff
from services import case_handling, obligations, reminder_buttons
from services.case_handling import HandlingPolicy
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories

CHECKIN_ACTION = "checkin.record"
TEST_ACTION = "test.record"
# Who besides the assignee may record for a resident: the people who follow them up.
RECORDERS = (Role.TRACKER, Role.LIAISON)


@dataclass(frozen=True, slots=True)
class Access:
    """What the actor may record: this obligation of this monitored resident."""

    obligation: Obligation
    monitored: Monitored
    on_behalf: bool = False  # a tracker or liaison records for the resident

    @property
    def day(self) -> date:
        return date.fromisoformat(self.obligation.period)


@dataclass(frozen=True, slots=True)
class Alert:
    """What an alert or flag says; `render` writes it in the recipient's language."""

    reasons: tuple[AlertReason, ...]  # empty: the identical-temperature flag
    name: str
    unit_name: str
    day: date
    temperature: float | None = None
    symptoms: tuple[Symptom, ...] = ()
    identical_days: int = 0
    # An alert staff act on: the declaration its buttons open, and the number to call, shown
    # in full only to `callers` (the unit's liaisons, deputies, trackers), masked to others.
    declaration_id: int | None = None
    phone: str | None = None
    callers: frozenset[int] = frozenset()
    # (cover, the away person's name): whom a cover receives the alert for.
    covers: tuple[tuple[int, str], ...] = ()


Render = Callable[[Person, Alert], str]
# The buttons to work the case under an alert, in the recipient's language (Bot API JSON).
AlertMarkup = Callable[[Person, Alert], dict[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Recorded:
    key: str  # message key for the person recording
    access: Access
    alerted: int = 0  # alert messages queued
    flagged: int = 0  # identical-temperature flags queued


async def access(
    repos: Repositories,
    actor: Actor,
    obligation_id: int,
    kind: ObligationKind,
    *,
    now: datetime,
    allow_met: bool = False,
) -> Access:
    """What the actor may record now; Refused if nothing (a refusal of a right is audited)."""
    action = CHECKIN_ACTION if kind is ObligationKind.HEALTH_CHECKIN else TEST_ACTION
    ob = await repos.obligations.get_by_id(obligation_id)
    declaration = declaration_id_of(ob.subject) if ob is not None else None
    monitored = await repos.checkins.monitored(declaration) if declaration is not None else None
    if ob is None or ob.kind is not kind or monitored is None:
        await log_refusal(repos, actor, action, str(obligation_id), "checkin-unknown", now)
        raise Refused("checkin-unknown")
    own = ob.assignee_person == actor.telegram_id
    recorder = any(a.unit_code == ob.unit_code and a.role in RECORDERS for a in actor.assignments)
    if not own and not recorder:
        await log_refusal(repos, actor, action, str(ob.key), "checkin-not-yours", now)
        raise Refused("checkin-not-yours")
    met = ob.state in (ObligationState.MET, ObligationState.MET_LATE)
    if ob.state.closed and not (allow_met and met):
        closed = (
            "checkin-closed" if kind is ObligationKind.HEALTH_CHECKIN else "checkin-test-closed"
        )
        raise Refused("checkin-already" if met else closed)
    return Access(ob, monitored, on_behalf=not own)


async def open_checkins(repos: Repositories, actor: Actor, day: date) -> list[Obligation]:
    """The actor's own open check-ins of the day, and those of residents they filed for."""
    return await repos.checkins.open_followups(
        actor.telegram_id, ObligationKind.HEALTH_CHECKIN, day.isoformat()
    )


async def resident_name(repos: Repositories, monitored: Monitored) -> str:
    """The declared name, else the name the organisation knows, else the Telegram id."""
    if monitored.name:
        return monitored.name
    if monitored.resident_id is not None:
        person = await repos.people.get(monitored.resident_id)
        return person.name if person is not None else str(monitored.resident_id)
    return f"#{monitored.declaration_id}"


async def record_checkin(
    repos: Repositories,
    actor: Actor,
    obligation_id: int,
    answer: CheckinAnswer,
    *,
    fever_threshold: float,
    render: Render,
    now: datetime,
    markup: AlertMarkup | None = None,
    handling: HandlingPolicy | None = None,
) -> Recorded:
    """Record the day's check-in, meet its obligation, alert on fever or symptoms and flag
    identical temperatures; Refused if the actor may not or the day is recorded already. A
    fever is alerted as an immediate report: with `handling`, it is owed handling in time
    (services.case_handling), in the same transaction."""
    allowed = await access(repos, actor, obligation_id, ObligationKind.HEALTH_CHECKIN, now=now)
    ob, monitored, day = allowed.obligation, allowed.monitored, allowed.day
    store = repos.checkins
    if not await store.add_checkin(
        monitored.declaration_id, day, answer, by=actor.telegram_id, now=now
    ):
        raise Refused("checkin-already")
    await obligations.meet(repos, ob.key, at=now, by=actor.telegram_id)
    await audit_recording(repos, actor, CHECKIN_ACTION, allowed, now)
    await reminder_buttons.take_off(repos, obligation_id, now=now)
    name = await resident_name(repos, monitored)
    tree = await repos.org.load_tree()
    unit_name = unit_name_of(tree, ob.unit_code)
    reasons = alert_reasons(answer, fever_threshold)
    # A fever or symptoms: the immediate-report condition, alerted as such (texts/checkins.py).
    if {AlertReason.FEVER, AlertReason.SYMPTOMS} & set(reasons) and handling is not None:
        await case_handling.owe_fever(
            repos, handling, monitored.declaration_id, ob.unit_code, day, now=now
        )
    alerted = 0
    if reasons:
        alert, people = await for_case(
            repos,
            monitored,
            Alert(
                reasons, name, unit_name, day, answer.temperature, tuple(sorted(answer.symptoms))
            ),
            skip={actor.telegram_id},
        )
        alerted = await enqueue_alerts(
            repos,
            people,
            alert,
            render,
            f"{CHECKIN_ALERT_PREFIX}{ob.id}",
            now,
            markup=bound(markup, alert),
        )
    flagged = 0
    readings = await store.readings(monitored.declaration_id, day, IDENTICAL_DAYS)
    if identical_run(readings, IDENTICAL_DAYS):
        flag = Alert((), name, unit_name, day, answer.temperature, identical_days=IDENTICAL_DAYS)
        trackers = await _trackers(repos, monitored, skip={actor.telegram_id})
        flagged = await enqueue_alerts(repos, trackers, flag, render, f"checkin-same:{ob.id}", now)
    key = "checkin-recorded-alert" if reasons else "checkin-recorded"
    return Recorded(key, allowed, alerted, flagged)


async def audit_recording(
    repos: Repositories, actor: Actor, action: str, allowed: Access, now: datetime
) -> None:
    # The value is health data: the audit keeps who recorded what for whom, not the reading.
    detail = "on behalf of the resident" if allowed.on_behalf else "by the assignee"
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=action,
        target=str(allowed.obligation.key),
        allowed=True,
        detail=detail,
    )


async def for_case(
    repos: Repositories, monitored: Monitored, alert: Alert, *, skip: set[int]
) -> tuple[Alert, list[Person]]:
    """`alert` made actionable: the declaration, its phone and who must call (they see it in
    full), as declaration alerts carry them (services.declarations.model.alert_messages), and
    whom a cover receives it for; with who hears of it (`alert_recipients`), from one read of
    the day's staff."""
    phone = await repos.checkins.phone(monitored.declaration_id)
    directory = await obligations.load_directory(repos, alert.day)
    callers = frozenset(
        person for role in CALLER_ROLES for person in directory.holding(monitored.unit_code, role)
    )
    staff = case_staff(directory, monitored.unit_code, alert.day, chain=True)
    away = {r.covering_for for r in staff if r.covering_for is not None}
    people = await repos.people.many({r.chat_id for r in staff} | away)
    covers = tuple(
        (r.chat_id, people[r.covering_for].name)
        for r in staff
        if r.covering_for is not None and r.covering_for in people
    )
    actionable = replace(
        alert,
        declaration_id=monitored.declaration_id,
        phone=phone,
        callers=callers,
        covers=covers,
    )
    return actionable, _hearing(people, [r.chat_id for r in staff], monitored, skip)


def bound(markup: AlertMarkup | None, alert: Alert) -> Callable[[Person], Any] | None:
    """`markup` for this alert, as `enqueue_alerts` takes it."""
    if markup is None:
        return None
    return lambda person: markup(person, alert)


def unit_name_of(tree: OrgTree, unit_code: str) -> str:
    return tree.get(unit_code).name if unit_code in tree else unit_code


async def alert_recipients(
    repos: Repositories, monitored: Monitored, on: date, *, skip: set[int]
) -> list[Person]:
    """Who hears of a declaration's case on `on`, with the whole supervisor chain (即有即报 goes
    up at once) and the covers of anyone away; the person who recorded it knows already."""
    directory = await obligations.load_directory(repos, on)
    ids = case_recipients(directory, monitored.unit_code, on, chain=True)
    return _hearing(await repos.people.many(ids), ids, monitored, skip)


def _hearing(
    people: Mapping[int, Person], ids: Sequence[int], monitored: Monitored, skip: set[int]
) -> list[Person]:
    """The people of `ids` (in order) but the resident and `skip` (who recorded it)."""
    return _unique((people[i] for i in ids if i in people), skip | _resident(monitored))


async def _trackers(repos: Repositories, monitored: Monitored, *, skip: set[int]) -> list[Person]:
    """The unit's trackers; without any, its liaisons, so the flag reaches somebody."""
    people = await repos.roles.holders(monitored.unit_code, Role.TRACKER)
    if not _unique(people, skip | _resident(monitored)):
        people = await repos.roles.holders(monitored.unit_code, Role.LIAISON)
    return _unique(people, skip | _resident(monitored))


def _resident(monitored: Monitored) -> set[int]:
    return {monitored.resident_id} if monitored.resident_id is not None else set()


def _unique(people: Iterable[Person], skip: set[int]) -> list[Person]:
    seen: dict[int, Person] = {}
    for person in people:
        if person.telegram_id not in skip:
            seen.setdefault(person.telegram_id, person)
    return list(seen.values())


async def enqueue_alerts(
    repos: Repositories,
    people: Iterable[Person],
    alert: Alert,
    render: Render,
    occasion: str,
    now: datetime,
    *,
    markup: Callable[[Person], dict[str, Any] | None] | None = None,
) -> int:
    """Private messages only (a person's telegram id is their private chat), at alert
    priority; the dedupe key makes a retried transaction harmless."""
    queued = 0
    for person in people:
        queued += await repos.outbox.enqueue(
            OutboxMessage.private(
                f"{occasion}:{person.telegram_id}",
                person.telegram_id,
                render(person, alert),
                now,
                Priority.ALERT,
                markup(person) if markup is not None else None,
            ),
            now=now,
        )
    return queued
