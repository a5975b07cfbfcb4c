"""The resident's rights (PIPL arts. 44–47): `/mydata` shows everything held about the caller
and only about them; a correction request goes to their unit's liaison, who accepts or refuses
it with a reason; an erasure is carried out when no measure is running, explained when one is.

Everything is audited (`privacy.*`), with ids and counts, never the data itself. A declaration
the caller filed for someone else is that person's data: only counted here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from domain.cases import CaseEntry, CheckinLine
from domain.org import Language, Person, Role, RoleAssignment
from domain.outbox import OutboxMessage
from domain.permissions import Actor
from domain.privacy_notice import NoticeAcceptance
from domain.recipients import case_recipients
from domain.retention import erase_answers
from services.declarations.model import FollowupConfig, plan_for
from services.obligations import load_directory
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.records import AuditEntry
from storage.repos.declarations import StoredDeclaration
from storage.repos.mydata import (
    ACCEPTED,
    PENDING,
    REFUSED,
    Correction,
    MyDataRepository,
    TestRow,
)
from storage.repos.retention import ErasedCounts, RetentionRepository

VIEW = "privacy.mydata"
CORRECTION = "privacy.correction"
CORRECTION_DECIDE = "privacy.correction_decide"
ERASURE = "privacy.erasure"
MAX_TEXT = 1000
DECIDERS = frozenset({Role.LIAISON, Role.DEPUTY})


@dataclass(frozen=True, slots=True)
class HeldDeclaration:
    stored: StoredDeclaration
    checkins: tuple[CheckinLine, ...]
    tests: tuple[TestRow, ...]
    actions: tuple[tuple[CaseEntry, str], ...]  # with the name of who acted


@dataclass(frozen=True, slots=True)
class MyData:
    person: Person | None
    roles: tuple[RoleAssignment, ...]
    declarations: tuple[HeldDeclaration, ...]
    access: tuple[tuple[AuditEntry, str], ...]  # entries about their records, who by name
    corrections: tuple[Correction, ...]
    filed_for_others: int
    unit_names: dict[str, str]  # the units of the roles and declarations, by code
    notices: tuple[NoticeAcceptance, ...] = ()  # the privacy notices they accepted


@dataclass(frozen=True, slots=True)
class RunningMeasure:
    declaration_id: int
    category: str
    last_day: date


class CorrectionTexts(Protocol):
    """The messages a correction sends through the outbox, in the recipient's language."""

    def to_staff(self, request: Correction, resident: str, language: Language) -> str: ...

    def staff_markup(self, request: Correction, language: Language) -> dict[str, Any]: ...

    def outcome(self, request: Correction, language: Language) -> str: ...


def _mine(repos: Repositories) -> MyDataRepository:
    return MyDataRepository(repos.session)


def targets_of(declarations: tuple[HeldDeclaration, ...], person: int) -> set[str]:
    """The audit targets that name the person's records."""
    found = {f"declaration {held.stored.id}" for held in declarations}
    found |= {f"declaration:{held.stored.id}" for held in declarations}
    found |= {f"test_record:{t.id}" for held in declarations for t in held.tests}
    found |= {f"person {person}", str(person)}
    return found


async def _unit_names(repos: Repositories, codes: set[str]) -> dict[str, str]:
    """People read units by name, not by the codes the organisation file uses."""
    tree = await repos.org.load_tree()
    return {code: tree.get(code).name for code in codes if code in tree}


async def collect(repos: Repositories, actor: Actor, now: datetime) -> MyData:
    """Everything held about the caller, and the reading audited (counts only)."""
    me = actor.telegram_id
    mine = _mine(repos)
    held: list[HeldDeclaration] = []
    for stored in await mine.own_declarations(me):
        tests = await mine.tests([stored.id])
        held.append(
            HeldDeclaration(
                stored,
                tuple(await repos.cases.checkins(stored.id)),
                tuple(tests),
                tuple((entry, "") for entry in await repos.cases.entries(stored.id)),
            )
        )
    access = await mine.audit_about(targets_of(tuple(held), me))
    staff = {e.by for h in held for e, _ in h.actions} | {
        e.actor_id for e in access if e.actor_id is not None
    }
    names = {i: p.name for i, p in (await repos.people.many(staff)).items()}
    held = [
        HeldDeclaration(
            h.stored,
            h.checkins,
            h.tests,
            tuple((e, names.get(e.by, str(e.by))) for e, _ in h.actions),
        )
        for h in held
    ]
    data = MyData(
        await repos.people.get(me),
        actor.assignments,
        tuple(held),
        tuple(
            (e, "" if e.actor_id is None else names.get(e.actor_id, str(e.actor_id)))
            for e in access
        ),
        tuple(await mine.corrections_of(me)),
        await mine.filed_for_others(me),
        await _unit_names(repos, {a.unit_code for a in actor.assignments}),
        tuple(await repos.privacy_notices.of_person(me)),
    )
    await repos.audit.record(
        at=now,
        actor_id=me,
        action=VIEW,
        target=f"person {me}",
        allowed=True,
        detail=f"{len(held)} declarations, {len(access)} access entries",
    )
    return data


async def _unit_of(repos: Repositories, actor: Actor) -> str | None:
    """The unit that answers for the caller's data: their latest declaration's, else the
    unit where they are a resident."""
    current = await repos.declarations.current_of(actor.telegram_id)
    if current is not None:
        return current.unit_code
    units = actor.units_with(Role.RESIDENT)
    return units[0] if units else None


async def _deciders(repos: Repositories, unit_code: str, on: date) -> list[int]:
    """The unit's liaisons, covered by its deputies when away or unreachable (the covers of
    domain.recipients.case_recipients, without the trackers); all of them when none is
    present, so that the request is never lost."""
    directory = await load_directory(repos, on)
    deciders = [
        *directory.holding(unit_code, Role.LIAISON),
        *directory.holding(unit_code, Role.DEPUTY),
    ]
    present = [
        person
        for person in case_recipients(directory, unit_code, on, chain=False)
        if person in deciders
    ]
    return present or deciders


async def request_correction(
    repos: Repositories,
    actor: Actor,
    text: str,
    *,
    texts: CorrectionTexts,
    default_language: Language,
    on: date,
    now: datetime,
) -> Correction:
    """File the request and queue it to the unit's liaisons (Refused: no unit, nobody)."""
    me = actor.telegram_id
    unit = await _unit_of(repos, actor)
    deciders = [] if unit is None else await _deciders(repos, unit, on)
    if unit is None or not deciders:
        await log_refusal(repos, actor, CORRECTION, f"person {me}", "mydata-correction-nobody", now)
        raise Refused("mydata-correction-nobody")
    mine = _mine(repos)
    request_id = await mine.add_correction(me, unit, text[:MAX_TEXT], at=now)
    request = await mine.correction(request_id)
    assert request is not None
    person = await repos.people.get(me)
    resident = person.name if person is not None else str(me)
    people = await repos.people.many(deciders)
    for decider in deciders:
        found = people.get(decider)
        language = found.language if found is not None else default_language
        await repos.outbox.enqueue(
            OutboxMessage.private(
                f"correction:{request_id}:{decider}",
                decider,
                texts.to_staff(request, resident, language),
                now,
                reply_markup=texts.staff_markup(request, language),
            ),
            now=now,
        )
    await repos.audit.record(
        at=now,
        actor_id=me,
        action=CORRECTION,
        target=f"correction {request_id}",
        allowed=True,
        detail=f"unit {unit}, {len(deciders)} recipients",
    )
    return request


async def check_decider(
    repos: Repositories, actor: Actor, request_id: int, now: datetime
) -> Correction:
    """The pending request, if the actor is a liaison or deputy of its unit (or an admin)."""
    request = await _mine(repos).correction(request_id)
    target = f"correction {request_id}"
    allowed = request is not None and (
        actor.is_admin
        or any(a.unit_code == request.unit_code and a.role in DECIDERS for a in actor.assignments)
    )
    if request is None or not allowed:
        await log_refusal(repos, actor, CORRECTION_DECIDE, target, "mydata-not-yours", now)
        raise Refused("mydata-not-yours")
    if request.state != PENDING:
        raise Refused("mydata-correction-decided")
    return request


async def decide(
    repos: Repositories,
    actor: Actor,
    request_id: int,
    *,
    accept: bool,
    reason: str,
    texts: CorrectionTexts,
    default_language: Language,
    now: datetime,
) -> Correction:
    """Accept (the liaison will correct it through the normal paths) or refuse, with a
    reason; the resident is told through the outbox."""
    await check_decider(repos, actor, request_id, now)
    mine = _mine(repos)
    state = ACCEPTED if accept else REFUSED
    if not await mine.decide(request_id, state, reason[:MAX_TEXT], by=actor.telegram_id, at=now):
        raise Refused("mydata-correction-decided")
    request = await mine.correction(request_id)
    assert request is not None
    person = await repos.people.get(request.resident_id)
    language = person.language if person is not None else default_language
    await repos.outbox.enqueue(
        OutboxMessage.private(
            f"correction-outcome:{request_id}",
            request.resident_id,
            texts.outcome(request, language),
            now,
        ),
        now=now,
    )
    # The reason may concern the person: the audit keeps who decided what, not why.
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=CORRECTION_DECIDE,
        target=f"correction {request_id}",
        allowed=True,
        detail=state,
    )
    return request


async def running_measure(
    repos: Repositories, config: FollowupConfig, person: int, today: date
) -> RunningMeasure | None:
    """The caller's measure still running today (current declaration, not ended early)."""
    stored = await repos.declarations.current_of(person)
    if stored is None or stored.release is not None:
        return None
    plan = plan_for(config, stored.classification, stored.start_date)
    if plan.end <= plan.start or plan.end <= today:
        return None
    last = date.fromordinal(plan.end.toordinal() - 1)
    return RunningMeasure(stored.id, stored.classification.category.value, last)


async def check_erasure(
    repos: Repositories, config: FollowupConfig, actor: Actor, now: datetime
) -> int:
    """How many declarations an erasure would touch; Refused (audited) with the running
    measure while one runs."""
    me = actor.telegram_id
    today = now.astimezone(config.zone).date()
    running = await running_measure(repos, config, me, today)
    if running is not None:
        await log_refusal(
            repos,
            actor,
            ERASURE,
            f"person {me}",
            f"measure of declaration {running.declaration_id}",
            now,
        )
        raise Refused(
            "mydata-erase-running",
            id=running.declaration_id,
            category=running.category,
            last=running.last_day.isoformat(),
        )
    return len(await _mine(repos).own_declarations(me))


async def erase(
    repos: Repositories, config: FollowupConfig, actor: Actor, now: datetime
) -> ErasedCounts:
    """Erase the caller's personal fields the way the retention purge does (checked again:
    a measure may have begun since the question), audited with counts."""
    await check_erasure(repos, config, actor, now)
    me = actor.telegram_id
    ids = [stored.id for stored in await _mine(repos).own_declarations(me)]
    erased = (
        await RetentionRepository(repos.session).erase(ids, erase_answers, now=now)
        if ids
        else ErasedCounts()
    )
    await repos.audit.record(
        at=now,
        actor_id=me,
        action=ERASURE,
        target=f"person {me}",
        allowed=True,
        detail=(
            f"{erased.declarations} declarations, {erased.checkins} check-ins, "
            f"{erased.tests} tests, {erased.case_notes} notes"
        ),
    )
    return erased
