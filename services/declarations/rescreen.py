"""Re-screening the declarations within the look-back window when the risk-area list changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from domain import followup
from domain.declarations import RiskFacts
from domain.followup import FollowupItem
from domain.obligations import Obligation
from domain.outbox import OutboxMessage, Priority
from domain.policy import Classification, classify
from domain.risk_areas import RiskList
from services.declaration_support import Scheduler, Screener, load_staff, mask_phone
from services.declarations.model import (
    RESCREEN,
    Alert,
    DeclarationTexts,
    FollowupConfig,
    RescreenReport,
    ResidentUpdate,
    alert_messages,
    plan_for,
    submitted,
)
from storage import Repositories
from storage.repos.declarations import Reclassification, StoredDeclaration


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
    today = now.astimezone(config.zone).date()
    staff = await load_staff(repos, config.admins, config.default_language, today)
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
        old_plan = plan_for(config, old, current.start_date)
        new_plan = plan_for(config, new, current.start_date)
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
        messages += alert_messages(texts, alert, recipients, key, now)
        update = ResidentUpdate(
            old.category, submitted(current.id, new, facts, new_plan), facts.matched
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
