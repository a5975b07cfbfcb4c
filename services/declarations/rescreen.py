"""Re-screening the declarations within the look-back window when the risk-area list changes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from domain import followup
from domain.case_reasons import case_reasons
from domain.declarations import RiskFacts
from domain.followup import FollowupItem
from domain.obligations import Obligation
from domain.org import OrgTree
from domain.outbox import OutboxMessage, Priority
from domain.policy import Classification, classify, is_worse, refers_to_fever_clinic
from domain.risk_areas import RiskList
from services import case_handling
from services.declaration_support import Scheduler, Screener, load_staff, mask_phone
from services.declarations.model import (
    RESCREEN,
    Alert,
    FollowupConfig,
    KeptForReview,
    Reclassified,
    RescreenCause,
    RescreenReport,
    ResidentUpdate,
    alert_messages,
    owed_plan,
    plan_for,
    submitted,
)
from services.declarations.update import followup_anchor
from storage import Repositories
from storage.repos.declarations import Reclassification, StoredDeclaration


def _same_class_facts(old: RiskFacts, new: RiskFacts) -> bool:
    return (old.level, old.city_has_cases) == (new.level, new.city_has_cases)


def _unit_name(tree: OrgTree, unit_code: str) -> str:
    return tree.get(unit_code).name if unit_code in tree else ""


async def rescreen(
    repos: Repositories,
    config: FollowupConfig,
    risk_list: RiskList,
    *,
    now: datetime,
    only: Collection[int] | None = None,
    cause: RescreenCause = RescreenCause.RISK_LIST,
) -> RescreenReport:
    """Screen every current declaration whose period starts within the look-back window
    (or later) against `risk_list`, in bulk.

    Changed risk facts are recorded. A declaration whose category gets worse (or that newly
    needs an immediate report) is re-classified (version + 1): the new follow-up is opened,
    obligations of the old plan that no longer apply are excused with the reason, its
    liaisons and trackers are alerted (and the supervisor chain for an immediate report), and
    the resident (for a proxy declaration, the filer) is told what changes.

    A lower risk never lifts a measure already running on its own: the new facts are
    recorded and the declaration is listed in the report (`kept`), so that a person
    decides. The report names the resident and the unit (for the admin who loaded the list,
    in a private chat), never the phone. Idempotent: with the same list a second call finds
    no changed facts. `only`: screen just these declarations (the list has not changed, one
    declaration's places have); `cause` says so to those told.
    """
    policy = config.policy
    today = now.astimezone(config.zone).date()
    rows = await repos.declarations.for_screening(today - timedelta(days=policy.lookback_days))
    if only is not None:  # one declaration whose places a person has just located
        rows = [row for row in rows if row.id in only]
    changed: dict[int, tuple[RiskFacts, RiskFacts]] = {}  # id: (old facts, new facts)
    screener = Screener(risk_list, policy.lookback_days)
    for row in rows:
        facts = screener.facts(row.places, row.start_date)
        if facts != row.facts:
            changed[row.id] = (row.facts, facts)
    if not changed:
        return RescreenReport(len(rows), 0, (), ())

    # The rules read the level and whether the city has cases, not which areas matched: only
    # a declaration where one of those changed can change class, and only its answers are read.
    facts_only = [(id, new) for id, (old, new) in changed.items() if _same_class_facts(old, new)]
    stored = await repos.declarations.many(
        id for id, (old, new) in changed.items() if not _same_class_facts(old, new)
    )
    worse: list[tuple[StoredDeclaration, Classification, RiskFacts]] = []
    kept: list[KeptForReview] = []
    tree = await repos.org.load_tree()
    for id, current in stored.items():
        facts = changed[id][1]
        new = classify(current.declaration, facts, policy)
        if is_worse(new, current.classification):
            worse.append((current, new, facts))
            continue
        facts_only.append((id, facts))
        if new.category.severity < current.classification.category.severity:
            kept.append(
                KeptForReview(
                    declaration_id=id,
                    resident_name=current.declaration.name or "",
                    unit_name=_unit_name(tree, current.unit_code),
                    level=facts.level,
                    previous_level=current.facts.level,
                    category=current.classification.category,
                    would_be=new.category,
                )
            )
    await repos.declarations.update_facts(facts_only)
    reclassified = await _reclassify(repos, config, worse, now, tree, cause) if worse else []
    await repos.audit.record(
        at=now,
        actor_id=None,
        action=RESCREEN,
        target=None,
        allowed=True,
        detail=f"screened {len(rows)}, changed {len(changed)}, reclassified {len(worse)}",
    )
    return RescreenReport(len(rows), len(changed), tuple(reclassified), tuple(kept))


async def _reclassify(
    repos: Repositories,
    config: FollowupConfig,
    worse: Sequence[tuple[StoredDeclaration, Classification, RiskFacts]],
    now: datetime,
    tree: OrgTree,
    cause: RescreenCause,
) -> list[Reclassified]:
    """Apply worse classifications in bulk; what each changed, for the report."""
    await repos.declarations.reclassify(
        [Reclassification(current.id, new, facts) for current, new, facts in worse],
        policy_version=config.policy.label,
        at=now,
    )
    scheduler = Scheduler(config.escalation)
    texts = config.texts
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
    report: list[Reclassified] = []
    for current, new, facts in worse:
        old = current.classification
        # Both from when the case began, as its obligations were opened (moved test days).
        # Nothing is owed before the return is declared (owed_plan): not opened here either.
        anchor = await followup_anchor(repos, current)
        status = current.declaration.status
        old_plan = owed_plan(plan_for(config, old, current.start_date, anchor), status)
        new_plan = owed_plan(plan_for(config, new, current.start_date, anchor), status)
        change = followup.diff(old_plan, new_plan, now)
        person = current.resident_id if current.resident_id is not None else current.filed_by
        owed += scheduler.obligations(change.to_open, current.id, person, current.unit_code)
        if new.immediate_report:  # newly one, or into another category once handled
            handling = await case_handling.immediate_owed(
                repos,
                current.id,
                current.unit_code,
                current.version + 1,  # reclassify bumped it
                now + config.handle_within,
                was_immediate=old.immediate_report,
                category_changed=old.category is not new.category,
            )
            if handling is not None:
                owed.append(scheduler.one(handling))
        reason = f"re-screen: {old.category.value} -> {new.category.value}"
        excused += [(current.id, item, reason) for item in change.to_excuse]
        key = f"declaration:{current.id}:v{current.version + 1}"
        unit_name = _unit_name(tree, current.unit_code)
        alert = Alert(
            declaration_id=current.id,
            resident_name=current.declaration.name or "",
            phone_masked=mask_phone(current.declaration.phone),
            phone=current.declaration.phone,
            unit_name=unit_name,
            reasons=case_reasons(current.declaration, new, facts, config.policy.fever_threshold),
            category=new.category,
            immediate_report=new.immediate_report,
            start_date=new_plan.start,
            end_date=new_plan.end,
            proxy=current.proxy,
            previous=old.category,
            cause=cause,
        )
        chain = new.immediate_report or new.category.alerts_supervisors
        recipients = staff.for_unit(current.unit_code, chain=chain, skip=current.resident_id)
        callers = staff.callers(current.unit_code)
        covering = staff.covering(current.unit_code, chain=chain)
        messages += alert_messages(
            texts, alert, recipients, key, now, callers=callers, covering=covering
        )
        fever_clinic = refers_to_fever_clinic(current.declaration, facts, config.policy)
        result = submitted(current.id, new, facts, new_plan, now=now, fever_clinic=fever_clinic)
        update = ResidentUpdate(old.category, result, facts.matched, cause)
        reader = residents.get(person)
        messages.append(
            OutboxMessage.private(
                f"{key}:resident",
                person,
                texts.resident_update(update, reader.language if reader else language),
                now,
                Priority.ALERT,
            )
        )
        report.append(
            Reclassified(
                declaration_id=current.id,
                resident_name=current.declaration.name or "",
                unit_name=unit_name,
                previous=old.category,
                category=new.category,
                immediate_report=new.immediate_report,
                opened=len(change.to_open),
                excused=len(change.to_excuse),
            )
        )
    await repos.obligations.open_many(owed, now=now)
    await repos.declarations.excuse_followup(excused, at=now)
    await repos.outbox.enqueue_many(messages, now=now)
    return report
