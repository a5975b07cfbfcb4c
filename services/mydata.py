"""The resident's rights (PIPL arts. 44–47): `/mydata` shows everything held about the caller
and only about them; a correction request goes to their unit's liaison, who accepts or refuses
it with a reason; an erasure is carried out when no measure is running, explained when one is.

Everything is audited (`privacy.*`), with ids and counts, never the data itself. A declaration
the caller filed for someone else is that person's data: only counted here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from domain.audit_targets import TargetKind, spellings, target
from domain.cases import CaseEntry, CheckinLine
from domain.corrections import ACCEPTED, PENDING, REFUSED, Correction
from domain.org import Language, Person, Role, RoleAssignment
from domain.outbox import OutboxMessage, OutboxState, keyboard_edit
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
from storage.repos.mydata import MyDataRepository, TestRow
from storage.repos.retention import ErasedCounts

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
    return repos.mydata


def targets_of(
    declarations: Iterable[int],
    person: int,
    *,
    tests: Iterable[int] = (),
    corrections: Iterable[int] = (),
) -> set[str]:
    """The audit targets that name the person's records, in every spelling the log holds
    (domain.audit_targets), and the bare id some early entries used for a person."""
    ids = (
        [(TargetKind.DECLARATION, id) for id in declarations]
        + [(TargetKind.TEST_RECORD, id) for id in tests]
        + [(TargetKind.CORRECTION, id) for id in corrections]
        + [(TargetKind.PERSON, person)]
    )
    return {spelling for kind, id in ids for spelling in spellings(kind, id)} | {str(person)}


async def targets_about(repos: Repositories, person: int) -> set[str]:
    """The audit targets about the person's records (their declarations, their test
    records, their correction requests, themselves): what /audit's person filter matches."""
    mine = _mine(repos)
    declarations = [stored.id for stored in await mine.own_declarations(person)]
    return targets_of(
        declarations,
        person,
        tests=[t.id for t in await mine.tests(declarations)],
        corrections=[c.id for c in await mine.corrections_of(person)],
    )


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
    corrections = tuple(await mine.corrections_of(me))
    about = targets_of(
        [h.stored.id for h in held],
        me,
        tests=[t.id for h in held for t in h.tests],
        corrections=[c.id for c in corrections],
    )
    access = await mine.audit_about(about)
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
        corrections,
        await mine.filed_for_others(me),
        await _unit_names(repos, {a.unit_code for a in actor.assignments}),
        tuple(await repos.privacy_notices.of_person(me)),
    )
    await repos.audit.record(
        at=now,
        actor_id=me,
        action=VIEW,
        target=target(TargetKind.PERSON, me),
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
        await log_refusal(
            repos, actor, CORRECTION, target(TargetKind.PERSON, me), "mydata-correction-nobody", now
        )
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
        target=target(TargetKind.CORRECTION, request_id),
        allowed=True,
        detail=f"unit {unit}, {len(deciders)} recipients",
    )
    return request


async def check_decider(
    repos: Repositories, actor: Actor, request_id: int, now: datetime
) -> Correction:
    """The pending request, if the actor is a liaison or deputy of its unit (or an admin)."""
    request = await _mine(repos).correction(request_id)
    about = target(TargetKind.CORRECTION, request_id)
    allowed = request is not None and (
        actor.is_admin
        or any(a.unit_code == request.unit_code and a.role in DECIDERS for a in actor.assignments)
    )
    if request is None or not allowed:
        await log_refusal(repos, actor, CORRECTION_DECIDE, about, "mydata-not-yours", now)
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
    await _take_off_buttons(repos, request_id, now)
    # The reason may concern the person: the audit keeps who decided what, not why.
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=CORRECTION_DECIDE,
        target=target(TargetKind.CORRECTION, request_id),
        allowed=True,
        detail=state,
    )
    return request


async def _take_off_buttons(repos: Repositories, request_id: int, now: datetime) -> None:
    """Once answered, the request's 接受/拒绝 under every decider's message could only be
    refused: an unsent one goes without them, a sent one has them edited away after the
    commit (domain.outbox.keyboard_edit)."""
    for entry in await repos.outbox.with_prefix(f"correction:{request_id}:"):
        message = entry.message
        if entry.state is OutboxState.PENDING:
            await repos.outbox.rewrite_pending(message.dedupe_key, message.text, None)
        elif entry.state is OutboxState.SENT and entry.sent_message_id:
            edit = keyboard_edit(
                f"correction-unbutton:{entry.id}",
                message.chat_id,
                entry.sent_message_id,
                not_before=now,
                recipient_id=message.recipient_id,
            )
            await repos.outbox.enqueue(edit, now=now)


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


async def _open_case(repos: Repositories, held: list[StoredDeclaration], today: date) -> int | None:
    """A declaration of theirs still worked on: someone owes something about it (a check-in,
    a test, handling an immediate report) or it is on its unit's /cases list. A referral
    measures 0 days, so only this sees it."""
    owed = await _mine(repos).owed_about([stored.id for stored in held])
    if owed:
        return owed[0]
    ids = {stored.id for stored in held}
    for unit in sorted({stored.unit_code for stored in held}):
        for row in await repos.cases.under_measure([unit], today):
            if row.declaration_id in ids:
                return row.declaration_id
    return None


async def check_erasure(
    repos: Repositories, config: FollowupConfig, actor: Actor, now: datetime
) -> int:
    """How many declarations an erasure would touch; Refused (audited) while a hold covers
    one of them, a measure runs or a case of theirs is still open."""
    me = actor.telegram_id
    today = now.astimezone(config.zone).date()
    held = await _mine(repos).own_declarations(me)

    async def refuse(key: str, why: str, **params: object) -> Refused:
        await log_refusal(repos, actor, ERASURE, target(TargetKind.PERSON, me), why, now)
        return Refused(key, **params)

    on_hold = [stored.id for stored in held if stored.hold is not None]
    if on_hold:
        raise await refuse("mydata-erase-held", f"hold on declaration {on_hold[0]}", id=on_hold[0])
    running = await running_measure(repos, config, me, today)
    if running is not None:
        raise await refuse(
            "mydata-erase-running",
            f"measure of declaration {running.declaration_id}",
            id=running.declaration_id,
            category=running.category,
            last=running.last_day.isoformat(),
        )
    open_case = await _open_case(repos, held, today)
    if open_case is not None:
        raise await refuse("mydata-erase-open", f"open case {open_case}", id=open_case)
    return len(held)


async def erase(
    repos: Repositories, config: FollowupConfig, actor: Actor, now: datetime
) -> ErasedCounts:
    """Erase the caller's personal fields the way the retention purge does (checked again:
        a measure may have begun since the question), with the messages about their records
    and their correction requests' texts; audited with counts."""
    await check_erasure(repos, config, actor, now)
    me = actor.telegram_id
    ids = [stored.id for stored in await _mine(repos).own_declarations(me)]
    store = repos.retention
    erased = await store.erase(ids, erase_answers, now=now) if ids else ErasedCounts()
    corrections = await store.blank_corrections(residents=[me])
    outbox = await store.clear_outbox(await store.records_of(ids, corrections))
    erased = replace(erased, outbox=outbox, corrections=len(corrections))
    await repos.audit.record(
        at=now,
        actor_id=me,
        action=ERASURE,
        target=target(TargetKind.PERSON, me),
        allowed=True,
        detail=(
            f"{erased.declarations} declarations, {erased.checkins} check-ins, "
            f"{erased.tests} tests, {erased.case_notes} notes, {erased.outbox} messages, "
            f"{erased.corrections} corrections"
        ),
    )
    return erased
