"""Submitting a declaration: check the filer, classify, store, open the follow-up, alert."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime

from domain import followup
from domain.audit_targets import TargetKind, target
from domain.case_reasons import case_reasons
from domain.declarations import Declaration, DeclarationStatus
from domain.org import Role
from domain.permissions import Actor
from domain.policy import classify, is_worse, refers_to_fever_clinic
from domain.privacy_notice import NoticeAcceptance
from domain.risk_areas import places_of
from domain.trips import planned_trip
from services import case_handling
from services.declaration_support import Scheduler, load_staff, mask_phone
from services.declarations import proxy, update
from services.declarations.model import (
    NOT_ALLOWED,
    NOT_ATTESTED,
    NOT_ONBOARDED,
    SUBMIT,
    UNKNOWN_UNIT,
    Alert,
    DeclarationRefused,
    FollowupConfig,
    Submitted,
    alert_messages,
    plan_for,
    submitted,
)
from services.declarations.places import Located, flag_unlocated, locate
from services.declarations.trips import update_return_reminder
from services.declarations.update import (
    STALE_UPDATE,
    ActiveDeclaration,
    followup_anchor,
    merge_followup,
)
from storage import Repositories
from storage.repos.declarations import NewDeclaration, StoredDeclaration

# Who may file for someone else in a unit (supervisors of it or above may too).
_PROXY_ROLES = frozenset({Role.LIAISON, Role.DEPUTY, Role.TRACKER})


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


class DeclarationService:
    """What the declaration handlers call, built once with the configured follow-up."""

    def __init__(self, config: FollowupConfig) -> None:
        self.config = config

    async def active(
        self, repos: Repositories, resident_id: int, now: datetime
    ) -> ActiveDeclaration | None:
        """The resident's active declaration, which /declare offers to update."""
        return await update.active(repos, self.config, resident_id, now)

    async def mine(
        self, repos: Repositories, resident_id: int, now: datetime
    ) -> update.MyState | None:
        """What /mine shows the resident; None without an active declaration."""
        return await update.my_state(repos, self.config, resident_id, now)

    async def reconfirm(
        self, repos: Repositories, resident_id: int, declaration_id: int, now: datetime
    ) -> bool:
        """ "Nothing changed" for the active declaration, audited; False when it is not."""
        found = await update.reconfirm(repos, self.config, resident_id, declaration_id, now)
        return found is not None

    async def locate_place(
        self,
        repos: Repositories,
        actor: Actor,
        declaration_id: int,
        position: int,
        division: str | None,
        now: datetime,
    ) -> Located:
        """A flagged place located by staff (None: in no division), screened again."""
        return await locate(repos, self.config, actor, declaration_id, position, division, now=now)

    async def proxy_actives(
        self, repos: Repositories, filed_by: int, units: Collection[str], now: datetime
    ) -> list[ActiveDeclaration]:
        """The active declarations `filed_by` filed for others in `units` (/declare_for)."""
        return await proxy.actives(repos, self.config, filed_by, units, now)

    async def proxy_active(
        self,
        repos: Repositories,
        filed_by: int,
        declaration_id: int,
        units: Collection[str],
        now: datetime,
    ) -> ActiveDeclaration | None:
        return await proxy.active(repos, self.config, filed_by, declaration_id, units, now)

    async def proxy_reconfirm(
        self,
        repos: Repositories,
        filed_by: int,
        declaration_id: int,
        units: Collection[str],
        now: datetime,
    ) -> bool:
        """ "Nothing changed" for a proxy declaration, audited; False when it is not one."""
        found = await proxy.reconfirm(repos, self.config, filed_by, declaration_id, units, now)
        return found is not None

    async def submit(
        self,
        repos: Repositories,
        declaration: Declaration,
        *,
        unit_code: str,
        filed_by: int,
        resident_id: int | None,
        now: datetime,
        replaces: int | None = None,
        notice: NoticeAcceptance | None = None,
    ) -> Submitted:
        """Classify and store an attested declaration, open its follow-up and alert the staff.

        `resident_id == filed_by` for a self-declaration (the declarer must be an onboarded
        person); None for a proxy one, which the filer's role in the unit (liaison, deputy,
        tracker, or supervisor of it or above) must allow. Refusals raise `DeclarationRefused`
        after recording an audit entry: catch it inside the transaction (and commit) for the
        entry to be kept. Follow-up obligations already past their deadline are not opened.

        `replaces`: the resident's own active declaration this one updates (a new version
        superseding it); its follow-up is merged (`update.merge_followup`) and the staff are
        alerted only when the category got worse or an immediate report is newly due.

        `notice`: the privacy notice the declaration was filed under, recorded with it.
        """
        unit_target = f"unit {unit_code}"

        async def refuse(key: str) -> DeclarationRefused:
            await repos.audit.record(
                at=now,
                actor_id=filed_by,
                action=SUBMIT,
                target=unit_target,
                allowed=False,
                detail=key,
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
        old: StoredDeclaration | None = None
        if replaces is not None:
            old = await repos.declarations.get(replaces)
            # A proxy update replaces only a proxy declaration the same filer made.
            theirs = old is not None and (
                old.resident_id == resident_id
                if resident_id is not None
                else old.proxy and old.filed_by == filed_by and old.unit_code == unit_code
            )
            if old is None or old.superseded_by is not None or not theirs:
                raise await refuse(STALE_UPDATE)

        config = self.config
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
                version=old.version + 1 if old is not None else 1,
                notice=notice,
            )
        )
        # Test days past when the case began move to the next free day (followup.moved_tests);
        # an update plans from its first version's moment, as that version's plan was made.
        anchor = (await followup_anchor(repos, old) if old is not None else None) or now
        plan = plan_for(config, classification, start, anchor)
        if declaration.status is not DeclarationStatus.RETURNED:
            # Not back yet: no check-ins or tests until the return is declared.
            plan = replace(plan, checkin_days=(), test_dates=(), items=())
        scheduler = Scheduler(config.escalation)
        person = resident_id if resident_id is not None else filed_by
        merged = ""
        if old is None:
            owed = scheduler.obligations(plan.pending(now), declaration_id, person, unit_code)
        else:
            owed = []
            opened, kept, excused = await merge_followup(
                repos, config, old, declaration_id, plan, person, unit_code, now, anchor
            )
            merged = f"; updates declaration {old.id}: {opened} new, {kept} kept, {excused} excused"
        if classification.immediate_report:
            # An update of an immediate report keeps the handling already owed; one into
            # another immediate category after it was handled owes it again.
            handling = await case_handling.immediate_owed(
                repos,
                declaration_id,
                unit_code,
                old.version + 1 if old is not None else 1,
                now + config.handle_within,
                was_immediate=old is not None and old.classification.immediate_report,
                category_changed=old is not None
                and old.classification.category is not classification.category,
            )
            if handling is not None:
                owed.append(scheduler.one(handling))
        await repos.obligations.open_many(owed, now=now)
        opened = len(owed) if old is None else len(owed) + opened

        if resident_id is not None:  # a proxy filer is staff: the resident is told by them
            await update_return_reminder(repos, config, declaration, resident_id, now)

        alerted = 0
        needs_alert = classification.category.needs_follow_up or classification.immediate_report
        if needs_alert:
            # An update is told too, even when no worse: the people working the case hold
            # the earlier version's alert and must know what changed (a feverish resident
            # now planning to leave). The supervisor chain hears again only of an immediate
            # report that is new or worse.
            worse = old is None or is_worse(classification, old.classification)
            today = now.astimezone(config.zone).date()
            staff = await load_staff(repos, config.admins, config.default_language, today)
            alert = Alert(
                declaration_id=declaration_id,
                resident_name=declaration.name or "",
                phone_masked=mask_phone(declaration.phone),
                phone=declaration.phone,
                unit_name=unit.name,
                reasons=case_reasons(
                    declaration, classification, facts, config.policy.fever_threshold
                ),
                category=classification.category,
                immediate_report=classification.immediate_report,
                start_date=plan.start,
                end_date=plan.end,
                proxy=resident_id is None,
                trip=planned_trip(declaration),
                updates=old.id if old is not None else None,
            )
            # The filer knows what they filed (a proxy declaration's liaison too).
            chain = classification.immediate_report or classification.category.alerts_supervisors
            recipients = staff.for_unit(unit_code, chain=chain and worse, skip=filed_by)
            messages = alert_messages(
                config.texts,
                alert,
                recipients,
                f"declaration:{declaration_id}",
                now,
                callers=staff.callers(unit_code),
                covering=staff.covering(unit_code, chain=chain and worse),
            )
            alerted = await repos.outbox.enqueue_many(messages, now=now)
        # A place screening cannot see is flagged, whatever the category (it may be wrong).
        alerted += await flag_unlocated(
            repos,
            config,
            declaration_id,
            declaration,
            unit_code,
            unit.name,
            skip=resident_id,
            now=now,
        )
        await repos.audit.record(
            at=now,
            actor_id=filed_by,
            action=SUBMIT,
            target=target(TargetKind.DECLARATION, declaration_id),
            allowed=True,
            detail=(
                f"{classification.category.value} by {classification.rule_name}"
                f"{' immediate' if classification.immediate_report else ''}"
                f"{' proxy' if resident_id is None else ''}; {opened} obligations, "
                f"{alerted} alerts{merged}"
            ),
        )
        return submitted(
            declaration_id,
            classification,
            facts,
            plan,
            now=now,
            fever_clinic=refers_to_fever_clinic(declaration, facts, policy),
            trip=planned_trip(declaration, facts),
        )
