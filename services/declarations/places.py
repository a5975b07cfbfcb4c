"""Places a declaration names that match no division of the list (see domain Stay.unlocated).

Screening cannot see such a place, so it is never kept silently: the declaration is flagged
when it is filed, the unit's staff (the same people and covers as its alerts) are told, and
a person who works the case locates it, or confirms it lies in no division (abroad, a name
nobody can place). The located place is screened at once against the current risk-area
list, through the same re-screen as a new list: a worse category re-classifies the
declaration, with its alerts and the resident told, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain import regions
from domain.audit_targets import TargetKind, target
from domain.cases import CaseStep
from domain.declarations import Declaration
from domain.outbox import OutboxMessage, Priority
from domain.permissions import Actor
from domain.risk_areas import places_of
from services import audit_log, cases
from services.declaration_support import load_staff
from services.declarations.model import FollowupConfig, PlaceFlag, Reclassified, RescreenCause
from services.declarations.rescreen import rescreen
from services.refusal import Refused
from storage import Repositories

LOCATE = "case.locate"
PLACE_VIEW = "case.place"  # a flagged place (and the name) shown in its picker
DONE = "case-place-done"  # located meanwhile, or the declaration was updated


@dataclass(frozen=True, slots=True)
class Located:
    """A place a person located: which (as typed), where (None: in no division), and the
    re-classification it caused, if any."""

    declaration_id: int
    resident_name: str
    place: str
    division: str | None
    reclassified: Reclassified | None


async def flag_unlocated(
    repos: Repositories,
    config: FollowupConfig,
    declaration_id: int,
    declaration: Declaration,
    unit_code: str,
    unit_name: str,
    *,
    skip: int | None,
    now: datetime,
) -> int:
    """Tell the unit's staff (not `skip`, the declarer) which of the declaration's places
    match no division, with a button to locate each; the messages queued."""
    positions = declaration.unlocated_stays()
    if not positions:
        return 0
    staff = await load_staff(
        repos, config.admins, config.default_language, now.astimezone(config.zone).date()
    )
    flag = PlaceFlag(
        declaration_id,
        declaration.name or "",
        unit_name,
        tuple((i, declaration.stays[i].place) for i in positions),
    )
    messages = [
        OutboxMessage.private(
            f"declaration:{declaration_id}:places:{person.telegram_id}",
            person.telegram_id,
            config.texts.place_flag(flag, person.language),
            now,
            Priority.ALERT,
            config.texts.place_flag_markup(flag, person.language),
        )
        for person in staff.for_unit(unit_code, chain=False, skip=skip)
    ]
    return await repos.outbox.enqueue_many(messages, now=now)


async def unlocated_place(
    repos: Repositories,
    actor: Actor,
    declaration_id: int,
    position: int,
    *,
    now: datetime,
    opened: bool = False,
) -> tuple[str, str]:
    """The place still to locate at `position` (as typed) and the resident's name; Refused
    (audited) for someone who does not work the case, DONE when there is nothing to do.
    `opened`: shown in a picker of its own, a view of the record (its turns are not)."""
    await cases.check_access(repos, actor, declaration_id, now=now)
    stored = await repos.declarations.get(declaration_id)
    if stored is None or stored.superseded_by is not None:
        raise Refused(DONE)
    stays = stored.declaration.stays
    if not 0 <= position < len(stays) or not stays[position].unlocated:
        raise Refused(DONE)
    if opened:
        about = [target(TargetKind.DECLARATION, declaration_id)]
        await audit_log.record_views(repos, actor, PLACE_VIEW, about, now, f"stay {position}")
    return stays[position].place, stored.declaration.name or ""


async def locate(
    repos: Repositories,
    config: FollowupConfig,
    actor: Actor,
    declaration_id: int,
    position: int,
    division: str | None,
    *,
    now: datetime,
) -> Located:
    """Locate the place at `position` in `division` (None: confirmed in none), record it on
    the case and in the audit log, and screen the declaration again."""
    place, name = await unlocated_place(repos, actor, declaration_id, position, now=now)
    if division is not None and regions.get(division) is None:
        raise Refused(DONE)  # a forged button
    stored = await repos.declarations.get(declaration_id)
    assert stored is not None  # checked just above, in the same transaction
    stays = list(stored.declaration.stays)
    codes = tuple(region.code for region in regions.path(division)) if division else ()
    stays[position] = replace(
        stays[position], region_codes=codes, confirmed_unlisted=division is None
    )
    declaration = replace(stored.declaration, stays=tuple(stays))
    if not await repos.declarations.relocate(
        declaration_id, declaration, places_of(declaration, stored.start_date)
    ):
        raise Refused(DONE)
    await repos.cases.add(
        declaration_id, CaseStep.LOCATED, division or "", by=actor.telegram_id, at=now
    )
    # Which stay, not where: the audit log holds no whereabouts.
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action=LOCATE,
        target=target(TargetKind.DECLARATION, declaration_id),
        allowed=True,
        detail=f"stay {position}",
    )
    report = await rescreen(
        repos,
        config,
        await repos.risk_areas.current(),
        now=now,
        only=(declaration_id,),
        cause=RescreenCause.PLACE,
    )
    changed = report.reclassifications[0] if report.reclassifications else None
    return Located(declaration_id, name, place, division, changed)
