"""Returnee declarations after the dialog: submitting (classify, store, open the follow-up,
alert) and re-screening everything within the look-back window when the risk-area list
changes.

Everything happens in the caller's transaction: the declaration, its obligations, the alerts
in the outbox and the audit entry commit together, so a resident is never told a measure
nobody was alerted about. Alerts are private messages at alert priority, to the unit's
liaisons and trackers (and for an immediate report 即有即报 the supervisors of the unit and
the units above it); they name the resident and mask the phone, and never go to a group.

The outbox stores rendered text, so the configuration carries a `DeclarationTexts` renderer,
wired at the composition root (the bot's own lives in texts/, above this layer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain import followup
from domain.declarations import Declaration, RiskFacts
from domain.followup import FollowupItem, FollowupPlan
from domain.obligations import Obligation
from domain.org import Language, Person, Role
from domain.outbox import OutboxMessage, Priority
from domain.policy import Category, Classification, Policy, classify
from domain.risk_areas import RiskList, places_of
from services.declaration_support import Scheduler, Screener, load_staff, mask_phone
from services.obligations import EscalationPolicy
from services.refusal import Refused
from storage import Repositories
from storage.repos.declarations import NewDeclaration, Reclassification, StoredDeclaration

SUBMIT = "declaration.submit"
RESCREEN = "declaration.rescreen"

NOT_ALLOWED = "followup-not-allowed"
NOT_ATTESTED = "followup-not-attested"
UNKNOWN_UNIT = "followup-unknown-unit"
NOT_ONBOARDED = "followup-not-onboarded"

# Who may file for someone else in a unit (supervisors of it or above may too).
_PROXY_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})


@dataclass(frozen=True, slots=True)
class FollowupConfig:
    """What submitting and re-screening need from the configuration, as plain values; the
    composition root builds it from the settings (bot.wiring.followup_config)."""

    policy: Policy  # the classification rules ([policy])
    zone: ZoneInfo  # local time (time.timezone)
    checkin_due: time  # [declarations] deadlines of the follow-up
    test_due: time
    escalation: EscalationPolicy  # chains and work calendar of new obligations
    admins: tuple[int, ...]  # told when a unit has no staff to tell
    default_language: Language
    texts: DeclarationTexts  # renders the alerts and updates put in the outbox


class DeclarationRefused(Refused):
    """Submitting was refused; `key` is a followup-* message key, `params` its values."""


@dataclass(frozen=True, slots=True)
class Submitted:
    declaration_id: int
    classification: Classification
    facts: RiskFacts
    start_date: date  # local day the measure starts
    end_date: date  # first day after the period (== start when days=0)
    test_dates: tuple[date, ...]
    checkin_days: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class RescreenReport:
    screened: int  # declarations within the look-back window
    changed: int  # whose risk facts changed
    reclassified: int  # whose category/measure changed (follow-up adjusted, people told)
    # One line per reclassified declaration, then one per declaration whose risk went down
    # while its measure was kept for a person to decide (no personal data).
    details: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Alert:
    """What staff are told about one declaration: who (name, masked phone), where, what."""

    declaration_id: int
    resident_name: str
    phone_masked: str | None
    unit_name: str
    category: Category
    immediate_report: bool
    start_date: date
    end_date: date
    matched: tuple[str, ...]
    proxy: bool
    previous: Category | None = None  # set when a re-screen re-classified it


@dataclass(frozen=True, slots=True)
class ResidentUpdate:
    """What a re-screen changes for the resident: the earlier category and the new result."""

    previous: Category
    now: Submitted
    matched: tuple[str, ...] = field(default=())


class DeclarationTexts(Protocol):
    """Renders the messages this service puts in the outbox (Telegram HTML)."""

    def alert(self, alert: Alert, language: Language) -> str: ...

    def resident_update(self, update: ResidentUpdate, language: Language) -> str: ...


def _plan(config: FollowupConfig, classification: Classification, start: date) -> FollowupPlan:
    return followup.plan(
        classification,
        start,
        checkin_due=config.checkin_due,
        test_due=config.test_due,
        zone=config.zone,
    )


def _submitted(
    id: int, classification: Classification, facts: RiskFacts, plan: FollowupPlan
) -> Submitted:
    return Submitted(
        id, classification, facts, plan.start, plan.end, plan.test_dates, plan.checkin_days
    )


def _alert_messages(
    texts: DeclarationTexts, alert: Alert, recipients: Iterable[Person], key: str, now: datetime
) -> list[OutboxMessage]:
    return [
        OutboxMessage(
            dedupe_key=f"{key}:alert:{person.telegram_id}",
            chat_id=person.telegram_id,
            text=texts.alert(alert, person.language),
            not_before=now,
            priority=Priority.ALERT,
            recipient_id=person.telegram_id,
        )
        for person in recipients
    ]


async def _may_file_for_others(repos: Repositories, filed_by: int, unit_code: str) -> bool:
    assignments = await repos.roles.of_person(filed_by)
    if any(a.unit_code == unit_code and a.role in _PROXY_ROLES for a in assignments):
        return True
    supervised = {a.unit_code for a in assignments if a.role is Role.SUPERVISOR}
    if not supervised:
        return False
    if unit_code in supervised:
        return True
    tree = await repos.org.load_tree()
    return unit_code in tree and any(u.code in supervised for u in tree.ancestors(unit_code))


async def _check_filer(
    repos: Repositories, filed_by: int, resident_id: int | None, unit_code: str
) -> str | None:
    """The refusal key, or None when `filed_by` may file this declaration."""
    if resident_id is None:
        return None if await _may_file_for_others(repos, filed_by, unit_code) else NOT_ALLOWED
    if resident_id != filed_by:
        return NOT_ALLOWED
    if await repos.people.get(filed_by) is None or not await repos.roles.of_person(filed_by):
        return NOT_ONBOARDED
    return None


async def submit(
    repos: Repositories,
    config: FollowupConfig,
    *,
    declaration: Declaration,
    unit_code: str,
    filed_by: int,
    resident_id: int | None,
    now: datetime,
) -> Submitted:
    """Classify and store an attested declaration, open its follow-up and alert the staff.

    `resident_id == filed_by` for a self-declaration (the declarer must be an onboarded
    person); None for a proxy one, which the filer's role in the unit (liaison, deputy,
    tracker, or supervisor of it or above) must allow. Refusals raise `DeclarationRefused`
    after recording an audit entry: catch it inside the transaction (and commit) for the
    entry to be kept. Follow-up obligations already past their deadline are not opened.
    """
    target = f"unit {unit_code}"

    async def refuse(key: str) -> DeclarationRefused:
        await repos.audit.record(
            at=now, actor_id=filed_by, action=SUBMIT, target=target, allowed=False, detail=key
        )
        return DeclarationRefused(key)

    if not declaration.attested:
        raise await refuse(NOT_ATTESTED)
    unit = await repos.org.get_unit(unit_code)
    if unit is None:
        raise await refuse(UNKNOWN_UNIT)
    refusal = await _check_filer(repos, filed_by, resident_id, unit_code)
    if refusal is not None:
        raise await refuse(refusal)

    policy = config.policy
    start = followup.start_date(declaration, now, config.zone)
    places = places_of(declaration, start)
    risk_list = await repos.risk_areas.current()
    facts = risk_list.facts(places, start, policy.lookback_days)
    classification = classify(declaration, facts, policy)
    declaration_id = await repos.declarations.add(
        NewDeclaration(
            unit_code=unit_code,
            resident_id=resident_id,
            filed_by=filed_by,
            proxy=resident_id is None,
            submitted_at=now,
            start_date=start,
            declaration=declaration,
            places=places,
            classification=classification,
            facts=facts,
            policy_version=policy.label,
        )
    )
    plan = _plan(config, classification, start)
    owed = Scheduler(config.escalation).obligations(
        plan.pending(now),
        declaration_id,
        resident_id if resident_id is not None else filed_by,
        unit_code,
    )
    await repos.obligations.open_many(owed, now=now)

    alerted = 0
    if classification.category.needs_follow_up or classification.immediate_report:
        staff = await load_staff(
            repos, config.admins, config.default_language, await repos.org.load_tree()
        )
        alert = Alert(
            declaration_id=declaration_id,
            resident_name=declaration.name or "",
            phone_masked=mask_phone(declaration.phone),
            unit_name=unit.name,
            category=classification.category,
            immediate_report=classification.immediate_report,
            start_date=plan.start,
            end_date=plan.end,
            matched=facts.matched,
            proxy=resident_id is None,
        )
        recipients = staff.for_unit(
            unit_code, immediate=classification.immediate_report, skip=resident_id
        )
        messages = _alert_messages(
            config.texts, alert, recipients, f"declaration:{declaration_id}", now
        )
        alerted = await repos.outbox.enqueue_many(messages, now=now)
    await repos.audit.record(
        at=now,
        actor_id=filed_by,
        action=SUBMIT,
        target=f"declaration {declaration_id}",
        allowed=True,
        detail=(
            f"{classification.category.value} by {classification.rule_name}"
            f"{' immediate' if classification.immediate_report else ''}"
            f"{' proxy' if resident_id is None else ''}; {len(owed)} obligations, "
            f"{alerted} alerts"
        ),
    )
    return _submitted(declaration_id, classification, facts, plan)


def _same_class_facts(old: RiskFacts, new: RiskFacts) -> bool:
    return (old.level, old.city_has_cases) == (new.level, new.city_has_cases)


def _worse(new: Classification, old: Classification) -> bool:
    return new.category.severity > old.category.severity or (
        new.immediate_report and not old.immediate_report
    )


async def rescreen(
    repos: Repositories,
    config: FollowupConfig,
    risk_list: RiskList,
    *,
    now: datetime,
) -> RescreenReport:
    """Screen every current declaration whose period starts within the look-back window
    (or later) against `risk_list`, in bulk.

    Changed risk facts are recorded. A declaration whose category gets worse (or that newly
    needs an immediate report) is re-classified (version + 1): the new follow-up is opened,
    obligations of the old plan that no longer apply are excused with the reason, its
    liaisons and trackers are alerted (and the supervisor chain for an immediate report), and
    the resident (for a proxy declaration, the filer) is told what changes.

    A lower risk never lifts a measure already running on its own: the new facts are
    recorded and the declaration is listed in the report's details, so that a person
    decides. Idempotent: with the same list a second call finds no changed facts.
    """
    policy = config.policy
    today = now.astimezone(config.zone).date()
    rows = await repos.declarations.for_screening(today - timedelta(days=policy.lookback_days))
    changed: dict[int, tuple[RiskFacts, RiskFacts]] = {}  # id: (old facts, new facts)
    screener = Screener(risk_list, policy.lookback_days)
    for row in rows:
        facts = screener.facts(row.places, row.start_date)
        if facts != row.facts:
            changed[row.id] = (row.facts, facts)
    if not changed:
        return RescreenReport(len(rows), 0, 0, ())

    # The rules read the level and whether the city has cases, not which areas matched: only
    # a declaration where one of those changed can change class, and only its answers are read.
    facts_only = [(id, new) for id, (old, new) in changed.items() if _same_class_facts(old, new)]
    stored = await repos.declarations.many(
        id for id, (old, new) in changed.items() if not _same_class_facts(old, new)
    )
    worse: list[tuple[StoredDeclaration, Classification, RiskFacts]] = []
    details: list[str] = []
    for id, current in stored.items():
        facts = changed[id][1]
        new = classify(current.declaration, facts, policy)
        if _worse(new, current.classification):
            worse.append((current, new, facts))
            continue
        facts_only.append((id, facts))
        if new.category.severity < current.classification.category.severity:
            details.append(
                f"declaration {id}: risk now {facts.level.value} (was "
                f"{current.facts.level.value}); {current.classification.category.value} kept "
                f"until a person decides (would be {new.category.value})"
            )
    await repos.declarations.update_facts(facts_only)
    if worse:
        details += await _reclassify(repos, config, worse, now, config.texts)
    await repos.audit.record(
        at=now,
        actor_id=None,
        action=RESCREEN,
        target=None,
        allowed=True,
        detail=f"screened {len(rows)}, changed {len(changed)}, reclassified {len(worse)}",
    )
    return RescreenReport(len(rows), len(changed), len(worse), tuple(details))


async def _reclassify(
    repos: Repositories,
    config: FollowupConfig,
    worse: Sequence[tuple[StoredDeclaration, Classification, RiskFacts]],
    now: datetime,
    texts: DeclarationTexts,
) -> list[str]:
    """Apply worse classifications in bulk; one detail line each."""
    await repos.declarations.reclassify(
        [Reclassification(current.id, new, facts) for current, new, facts in worse],
        policy_version=config.policy.label,
        at=now,
    )
    scheduler = Scheduler(config.escalation)
    tree = await repos.org.load_tree()
    staff = await load_staff(repos, config.admins, config.default_language, tree)
    residents = await repos.people.many(
        current.resident_id if current.resident_id is not None else current.filed_by
        for current, _, _ in worse
    )
    language = config.default_language
    owed: list[Obligation] = []
    excused: list[tuple[int, FollowupItem, str]] = []
    messages: list[OutboxMessage] = []
    details: list[str] = []
    for current, new, facts in worse:
        old = current.classification
        old_plan = _plan(config, old, current.start_date)
        new_plan = _plan(config, new, current.start_date)
        change = followup.diff(old_plan, new_plan, now)
        person = current.resident_id if current.resident_id is not None else current.filed_by
        owed += scheduler.obligations(change.to_open, current.id, person, current.unit_code)
        reason = f"re-screen: {old.category.value} -> {new.category.value}"
        excused += [(current.id, item, reason) for item in change.to_excuse]
        key = f"declaration:{current.id}:v{current.version + 1}"
        unit_name = tree.get(current.unit_code).name if current.unit_code in tree else ""
        alert = Alert(
            declaration_id=current.id,
            resident_name=current.declaration.name or "",
            phone_masked=mask_phone(current.declaration.phone),
            unit_name=unit_name,
            category=new.category,
            immediate_report=new.immediate_report,
            start_date=new_plan.start,
            end_date=new_plan.end,
            matched=facts.matched,
            proxy=current.proxy,
            previous=old.category,
        )
        recipients = staff.for_unit(
            current.unit_code, immediate=new.immediate_report, skip=current.resident_id
        )
        messages += _alert_messages(texts, alert, recipients, key, now)
        update = ResidentUpdate(
            old.category, _submitted(current.id, new, facts, new_plan), facts.matched
        )
        reader = residents.get(person)
        messages.append(
            OutboxMessage(
                dedupe_key=f"{key}:resident",
                chat_id=person,
                text=texts.resident_update(update, reader.language if reader else language),
                not_before=now,
                priority=Priority.ALERT,
                recipient_id=person,
            )
        )
        details.append(
            f"declaration {current.id} (unit {current.unit_code}): {old.category.value} -> "
            f"{new.category.value}{', immediate report' if new.immediate_report else ''}; "
            f"{len(change.to_open)} opened, {len(change.to_excuse)} excused"
        )
    await repos.obligations.open_many(owed, now=now)
    await repos.declarations.excuse_followup(excused, at=now)
    await repos.outbox.enqueue_many(messages, now=now)
    return details
