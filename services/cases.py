"""Working a declaration's case from its alert: the case card, recording that the person was
reached or the case handled, showing the full number to someone who sees it masked, and ending
the measure early (解除). Each is checked against the actor's roles and written to the audit
log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.audit_targets import TargetKind, target
from domain.case_reasons import CaseReasons, case_reasons
from domain.cases import (
    CaseEntry,
    CaseStep,
    CheckinLine,
    MeasureRelease,
    TestLine,
    is_caller,
    may_open_case,
    release_refusal,
)
from domain.org import Language, Person
from domain.outbox import OutboxEntry, OutboxMessage, OutboxState
from domain.permissions import Actor
from domain.policy import Category
from services import case_alerts, case_handling, reminder_buttons
from services.measure_end import MeasureTexts, notice_of, told_person
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.repos.declarations import StoredDeclaration

NOT_YOURS = "case-not-yours"
VIEW, RECORD, UNMASK = "case.view", "case.record", "case.unmask"
RELEASE = "case.release"
UNMASK_NO_REASON = "case-phone-reason-missing"
MAX_NOTE = 500
# Why the follow-up's obligations were excused; the staff's own reason stays with the
# declaration (it may concern the person's health, and excuse reasons are shown and audited).
RELEASE_EXCUSE = "measure ended early"


@dataclass(frozen=True, slots=True)
class Case:
    stored: StoredDeclaration
    unit_name: str
    reasons: CaseReasons
    full_phone: bool  # the reader must call: the number in full
    checkins: tuple[CheckinLine, ...]
    tests: tuple[TestLine, ...]
    entries: tuple[CaseEntry, ...]
    names: dict[int, str]  # who recorded the entries (and who ended the measure early)
    releasable: bool  # the measure may be ended early today
    earlier: tuple[EarlierVersion, ...] = ()  # the versions this one updates, newest first
    alerts: tuple[AlertsSent, ...] = ()  # the staff alerts about it, oldest first


@dataclass(frozen=True, slots=True)
class EarlierVersion:
    version: int
    submitted_at: datetime
    category: Category


@dataclass(frozen=True, slots=True)
class AlertsSent:
    """One occasion's messages to staff about a case (all its versions'): when they were
    queued, to how many people, and how many Telegram has taken."""

    kind: str  # declared / rescreen / places / fever / positive / escalation
    at: datetime
    staff: int
    delivered: int


async def _alerts_sent(repos: Repositories, ids: list[int]) -> tuple[AlertsSent, ...]:
    """Every occasion staff were told of the case: one line per occasion (an escalation step
    is one occasion, whatever its recipients)."""
    occasions: dict[tuple[str, str], list[OutboxEntry]] = {}
    for alert in await case_alerts.case_alerts(repos, ids):
        occasions.setdefault((alert.kind, alert.occasion), []).append(alert.entry)
    found = [
        AlertsSent(
            kind,
            min(e.created_at for e in entries),
            len({e.message.chat_id for e in entries}),
            sum(e.state is OutboxState.SENT for e in entries),
        )
        for (kind, _), entries in occasions.items()
    ]
    return tuple(sorted(found, key=lambda a: a.at))


async def _allowed(
    repos: Repositories, actor: Actor, declaration_id: int, action: str, now: datetime
) -> StoredDeclaration:
    # An alert's buttons name the version it was about; the resident may have updated it
    # since: the case is one, worked on its current version.
    stored = await repos.declarations.latest(declaration_id)
    tree = await repos.org.load_tree()
    if stored is None or not may_open_case(actor, stored.unit_code, tree):
        await log_refusal(
            repos, actor, action, target(TargetKind.DECLARATION, declaration_id), NOT_YOURS, now
        )
        raise Refused(NOT_YOURS)
    return stored


async def _audit(
    repos: Repositories,
    actor: Actor,
    action: str,
    stored: StoredDeclaration,
    now: datetime,
    detail: str | None = None,
) -> None:
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=action,
        target=target(TargetKind.DECLARATION, stored.id),
        allowed=True,
        detail=detail,
    )


async def check_access(
    repos: Repositories, actor: Actor, declaration_id: int, *, now: datetime
) -> None:
    """Refused (audited) unless the actor works this declaration's case."""
    await _allowed(repos, actor, declaration_id, RECORD, now)


async def open_case(
    repos: Repositories,
    actor: Actor,
    declaration_id: int,
    *,
    fever_threshold: float,
    today: date,
    now: datetime,
) -> Case:
    """The case card's content; every opening is audited."""
    stored = await _allowed(repos, actor, declaration_id, VIEW, now)
    await _audit(repos, actor, VIEW, stored, now)
    tree = await repos.org.load_tree()
    entries = await repos.cases.entries(stored.id)
    released_by = [stored.release.by] if stored.release is not None else []
    released_by += [stored.hold.by] if stored.hold is not None else []  # /hold, on the card
    people: dict[int, Person] = await repos.people.many([*(e.by for e in entries), *released_by])
    unit = tree.get(stored.unit_code).name if stored.unit_code in tree else stored.unit_code
    earlier = await repos.declarations.earlier_versions(stored.id)
    return Case(
        stored,
        unit,
        case_reasons(stored.declaration, stored.classification, stored.facts, fever_threshold),
        is_caller(actor, stored.unit_code),
        tuple(await repos.cases.checkins(stored.id)),
        tuple(await repos.cases.tests(stored.id)),
        tuple(entries),
        {p: person.name for p, person in people.items()},
        _release_refusal(stored, today) is None,
        tuple(
            EarlierVersion(e.version, e.submitted_at, e.classification.category) for e in earlier
        ),
        await _alerts_sent(repos, [stored.id, *(e.id for e in earlier)]),
    )


async def record(
    repos: Repositories,
    actor: Actor,
    declaration_id: int,
    step: CaseStep,
    note: str | None,
    *,
    now: datetime,
    marks: case_alerts.MarkTexts | None = None,
    default_language: Language = Language.ZH_CN,
) -> StoredDeclaration:
    """Record that the person was reached or the case handled (`note`: what was done); with
    `marks`, the alerts about the case say so to everyone they went to."""
    stored = await _allowed(repos, actor, declaration_id, RECORD, now)
    note = note.strip()[:MAX_NOTE] if note else None
    # Read before this record is added: when the case was last handled (for the marks).
    entries = await repos.cases.entries(stored.id) if marks is not None else []
    handled = [e.at for e in entries if e.step is CaseStep.HANDLED]
    await repos.cases.add(stored.id, step, note, by=actor.telegram_id, at=now)
    if step is CaseStep.HANDLED:
        # Handled: the escalation of an immediate report or a positive result stops here.
        await case_handling.handled(repos, stored.id, by=actor.telegram_id, at=now)
    if marks is not None:
        earlier = await repos.declarations.earlier_versions(stored.id)
        await case_alerts.mark(
            repos,
            [stored.id, *(e.id for e in earlier)],
            step,
            by=actor.telegram_id,
            texts=marks,
            default_language=default_language,
            now=now,
            handled_at=max(handled, default=None),
        )
    # The note is about a person's health: the audit keeps who did what, not the note.
    await _audit(repos, actor, RECORD, stored, now, detail=step.value)
    return stored


async def check_unmask(
    repos: Repositories, actor: Actor, declaration_id: int, *, now: datetime
) -> StoredDeclaration:
    """Refused (audited) unless the actor may open the case: asked before the reason is, so
    nobody types one for nothing."""
    return await _allowed(repos, actor, declaration_id, UNMASK, now)


async def reveal_phone(
    repos: Repositories, actor: Actor, declaration_id: int, reason: str, *, now: datetime
) -> str | None:
    """The full number for someone allowed to open the case who sees it masked, for the
    `reason` they gave (their purpose, kept in the audit entry); refused without one."""
    reason = reason.strip()[:MAX_NOTE]
    if not reason:
        raise Refused(UNMASK_NO_REASON)
    stored = await _allowed(repos, actor, declaration_id, UNMASK, now)
    await _audit(repos, actor, UNMASK, stored, now, detail=reason)
    return stored.declaration.phone


def _release_refusal(stored: StoredDeclaration, today: date) -> str | None:
    measure = stored.classification.measure
    refusal = release_refusal(
        released=stored.release is not None,
        superseded=stored.superseded_by is not None,
        has_measure=measure.days > 0,
        measure_end=measure.end(stored.start_date),
        today=today,
    )
    return None if refusal is None else refusal.value


async def _releasable(
    repos: Repositories, actor: Actor, declaration_id: int, today: date, now: datetime
) -> StoredDeclaration:
    stored = await _allowed(repos, actor, declaration_id, RELEASE, now)
    refusal = _release_refusal(stored, today)
    if refusal is not None:
        await log_refusal(
            repos, actor, RELEASE, target(TargetKind.DECLARATION, stored.id), refusal, now
        )
        raise Refused(refusal)
    return stored


async def check_release(
    repos: Repositories, actor: Actor, declaration_id: int, *, today: date, now: datetime
) -> StoredDeclaration:
    """Refused (audited) unless the actor works this case and its measure may end early
    today: asked before the reason is, so nobody types one for nothing."""
    return await _releasable(repos, actor, declaration_id, today, now)


async def release(
    repos: Repositories,
    actor: Actor,
    declaration_id: int,
    reason: str,
    *,
    texts: MeasureTexts,
    default_language: Language,
    today: date,
    now: datetime,
) -> StoredDeclaration:
    """End the measure early (解除): recorded on the declaration with who, when and `reason`;
    every open obligation of its follow-up is excused; the resident (for a proxy declaration,
    its filer) is told in their language through the outbox, in this transaction. Checked
    again here: the confirmation may come long after the button."""
    stored = await _releasable(repos, actor, declaration_id, today, now)
    reason = reason.strip()[:MAX_NOTE]
    if not await repos.declarations.release(
        stored.id, MeasureRelease(actor.telegram_id, now, reason)
    ):
        # Ended or superseded by someone else since it was read.
        await log_refusal(
            repos, actor, RELEASE, target(TargetKind.DECLARATION, stored.id), "stale", now
        )
        raise Refused("case-release-already")
    excused = await repos.declarations.excuse_open(stored.id, RELEASE_EXCUSE, at=now)
    for obligation_id in excused:  # nothing left to answer: the reminders lose their buttons
        await reminder_buttons.take_off(repos, obligation_id, now=now)
    person = told_person(stored)
    if person != actor.telegram_id:
        reader = await repos.people.get(person)
        language = reader.language if reader is not None else default_language
        tree = await repos.org.load_tree()
        unit = tree.get(stored.unit_code).name if stored.unit_code in tree else stored.unit_code
        notice = notice_of(stored, unit, today, reason)
        await repos.outbox.enqueue(
            OutboxMessage.private(
                f"case-release:{stored.id}:{person}", person, texts.released(notice, language), now
            ),
            now=now,
        )
    # The reason may concern the person's health: the audit keeps who did what, not why.
    await _audit(repos, actor, RELEASE, stored, now, detail=f"{len(excused)} obligations excused")
    return stored
