"""Loading the high/mid-risk area list: who may, what changed, and the re-screen it triggers.

A load is the whole current list (areas left out are lifted), so the service diffs the new
list against the stored one for the report, stores it, audits it, and re-screens the
declarations within the look-back window in the same transaction: a resident who now matches
is re-classified even if nobody thinks of it ("we only found out afterwards").
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from domain.declarations import RiskLevel
from domain.org import OrgTree
from domain.permissions import ALLOWED, Actor, Decision, is_office
from domain.risk_areas import DrasticLoad, RiskArea, RiskList, drastic_load
from services.declarations import FollowupConfig, RescreenReport, rescreen
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories

ACTION = "risk.load"


class RiskLoadRefused(Refused):
    """Loading was refused; `key` says why."""


class RiskLoadUnconfirmed(Exception):
    """The list would lift every area, or most of them: nothing was changed; the loader is
    asked first and loads again with `confirmed`."""

    def __init__(self, drastic: DrasticLoad) -> None:
        super().__init__(drastic.key)
        self.key = drastic.key  # message key saying what the load would lift
        self.params = drastic.params
        self.stored = drastic.stored  # to confirm with: the list the question was about


@dataclass(frozen=True, slots=True)
class LoadReport:
    total: int
    added: tuple[RiskArea, ...]  # regions not listed before
    removed: tuple[RiskArea, ...]  # regions no longer listed (lifted)
    changed: tuple[RiskArea, ...]  # regions still listed with another level or dates: the new
    unchanged: int
    rescreen: RescreenReport


def may_load(actor: Actor, tree: OrgTree) -> Decision:
    """Admins and the supervisors of a top unit (the prevention office): the list applies to
    everyone, so a township's supervisor may not change it for the whole county."""
    if is_office(actor, tree):
        return ALLOWED
    return Decision(False, "risk-load-not-allowed")


async def actor_of(repos: Repositories, admins: Collection[int], telegram_id: int) -> Actor:
    """The person's rights as the middleware would build them."""
    assignments = tuple(await repos.roles.of_person(telegram_id))
    return Actor(telegram_id, telegram_id in admins, assignments)


async def load(
    repos: Repositories,
    config: FollowupConfig,
    areas: Sequence[RiskArea],
    *,
    by: int | None,
    now: datetime,
    confirmed: bool = False,
    confirmed_for: str | None = None,
) -> LoadReport:
    """Replace the list with `areas` and re-screen. `by` None: the command line, whose
    operator already holds the database; a person is checked here again (raises
    RiskLoadRefused, audited). A list that is empty or lifts more than half of the regions
    listed raises RiskLoadUnconfirmed unless `confirmed`; it is decided under the list's lock,
    so a load committed meanwhile by someone else is counted. `confirmed_for` (the `stored`
    fingerprint of the question that was confirmed) makes the confirmation hold only while
    the stored list is the one the question was about; the command line's --yes holds for
    whatever is stored."""
    if by is not None:
        actor = await actor_of(repos, config.admins, by)
        decision = may_load(actor, await repos.org.load_tree())
        if not decision:
            reason = decision.reason_key or "perm-denied"
            await log_refusal(repos, actor, ACTION, f"{len(areas)} areas", reason, now)
            raise RiskLoadRefused(reason)
    await repos.risk_areas.lock()
    drastic = drastic_load(await repos.risk_areas.all(), areas, now.astimezone(config.zone).date())
    if drastic is not None and (not confirmed or confirmed_for not in (None, drastic.stored)):
        raise RiskLoadUnconfirmed(drastic)
    previous = await repos.risk_areas.replace(areas, by=by, now=now)
    added, removed, changed, unchanged = _diff(previous, areas)
    risk_list = RiskList(areas)
    screened = await rescreen(repos, config, risk_list, now=now)
    report = LoadReport(len(areas), added, removed, changed, unchanged, screened)
    await repos.audit.record(
        at=now,
        actor_id=by,
        action=ACTION,
        target=f"{len(areas)} areas",
        allowed=True,
        detail=(
            f"added={len(added)} removed={len(removed)} changed={len(changed)} "
            f"unchanged={unchanged}; rescreen screened={screened.screened} "
            f"changed={screened.changed} reclassified={screened.reclassified}"
            + (f"; confirmed: lifts {drastic.lifted} of {drastic.listed}" if drastic else "")
        ),
    )
    return report


_Key = tuple[RiskLevel, date, date | None]


def _diff(
    before: Sequence[RiskArea], after: Sequence[RiskArea]
) -> tuple[tuple[RiskArea, ...], tuple[RiskArea, ...], tuple[RiskArea, ...], int]:
    """Compared by region: a region's entries (level and dates) either stayed as they were or
    changed. Names are not compared: they are derived from the code."""

    def entries(areas: Sequence[RiskArea]) -> dict[str, set[_Key]]:
        found: dict[str, set[_Key]] = {}
        for area in areas:
            found.setdefault(area.region_code, set()).add(
                (area.level, area.effective_from, area.effective_to)
            )
        return found

    old, new = entries(before), entries(after)
    added = tuple(area for area in after if area.region_code not in old)
    removed = tuple(area for area in before if area.region_code not in new)
    changed = tuple(
        area
        for area in after
        if area.region_code in old and old[area.region_code] != new[area.region_code]
    )
    unchanged = sum(
        1
        for area in after
        if area.region_code in old and old[area.region_code] == new[area.region_code]
    )
    return added, removed, changed, unchanged


def in_effect(risk_list: RiskList, day: date) -> list[RiskArea]:
    """The areas listed on `day`, high first, then by name."""
    found = [area for area in risk_list.areas if area.in_effect(day, day)]
    return sorted(found, key=lambda area: (-area.level.rank, area.name, area.region_code))


def upcoming(risk_list: RiskList, day: date) -> list[RiskArea]:
    """Areas whose listing starts after `day`, soonest first."""
    found = [area for area in risk_list.areas if area.effective_from > day]
    return sorted(found, key=lambda area: (area.effective_from, -area.level.rank, area.name))
