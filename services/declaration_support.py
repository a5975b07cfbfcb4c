"""Helpers of services/declarations/ that need no declaration: masking a phone or an ID
number, scheduling many new follow-up obligations, who hears about a unit's declarations,
and screening many declarations against a risk-area list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

from domain import followup
from domain.cases import CALLER_ROLES
from domain.declarations import RiskFacts, worst_risk
from domain.escalation import schedule
from domain.followup import FollowupItem
from domain.obligations import Obligation, ObligationKind
from domain.org import Language, Person
from domain.recipients import Directory, case_recipients, case_staff
from domain.risk_areas import Place, RiskList
from services.obligations import EscalationPolicy, load_directory
from storage import Repositories


def mask_phone(phone: str | None) -> str | None:
    """138****8000: enough for a worker to recognise the number, not to dial it."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):  # +86 before a mainland mobile
        digits = digits[2:]
    if len(digits) < 7:
        return "****"
    return f"{digits[:3]}****{digits[-4:]}"


def mask_id_number(number: str | None) -> str | None:
    """110***********123X: like the phone, recognisable (region, last digits) but not usable.
    A short number (a passport's) keeps less of itself, so most of it stays hidden."""
    if not number:
        return None
    if len(number) >= 10:
        head, tail = 3, 4
    elif len(number) >= 6:
        head, tail = 1, 2
    else:
        return "*" * len(number)
    return number[:head] + "*" * (len(number) - head - tail) + number[-tail:]


def mask_address(address: str) -> str:
    """东关村***: the start of an address (the village or the estate, which the unit says
    anyway), never the house."""
    return address[: min(6, len(address) // 3)] + "***"


class Scheduler:
    """Schedules new follow-up obligations. A new obligation's first action depends only on
    its chain (its kind's) and its deadline, so it is worked out once per (kind, deadline):
    a re-screen opens thousands, on a few dozen distinct deadlines."""

    def __init__(self, escalation: EscalationPolicy) -> None:
        self.escalation = escalation
        self.first_action: dict[tuple[ObligationKind, datetime], datetime | None] = {}

    def obligations(
        self,
        items: Iterable[FollowupItem],
        declaration_id: int,
        assignee: int,
        unit_code: str,
    ) -> list[Obligation]:
        found = []
        for item in items:
            obligation = Obligation(
                item.kind,
                followup.subject(declaration_id),
                item.day.isoformat(),
                assignee,
                unit_code,
                item.due_at,
            )
            slot = (item.kind, item.due_at)
            if slot not in self.first_action:
                chain = self.escalation.chains.of(obligation)
                if chain is None:
                    raise ValueError(f"{obligation.key}: no escalation chain for {item.kind}")
                scheduled = schedule(obligation, chain, self.escalation.calendar)
                self.first_action[slot] = scheduled.next_action_at
            found.append(replace(obligation, next_action_at=self.first_action[slot]))
        return found

    def one(self, obligation: Obligation) -> Obligation:
        """`obligation` with its first action scheduled by its kind's chain."""
        chain = self.escalation.chains.of(obligation)
        if chain is None:
            raise ValueError(f"{obligation.key}: no escalation chain for {obligation.kind}")
        scheduled = schedule(obligation, chain, self.escalation.calendar)
        return replace(obligation, next_action_at=scheduled.next_action_at)


class Staff:
    """Who hears about a unit's declarations on a day, loaded once for many: the same people
    and covers as the escalation steps (domain.recipients.case_recipients)."""

    def __init__(
        self, directory: Directory, on: date, people: dict[int, Person], admins: Sequence[Person]
    ) -> None:
        self.directory = directory
        self.on = on
        self.people = people
        self.admins = admins

    def callers(self, unit_code: str) -> set[int]:
        """Who must call a resident of the unit, and so sees the phone in full: its liaisons,
        deputies and trackers."""
        return {
            person for role in CALLER_ROLES for person in self.directory.holding(unit_code, role)
        }

    def covering(self, unit_code: str, *, chain: bool) -> dict[int, str]:
        """Who among `for_unit`'s people stands in for whom: cover → the away person's name."""
        return {
            r.chat_id: self.people[r.covering_for].name
            for r in case_staff(self.directory, unit_code, self.on, chain=chain)
            if r.covering_for is not None and r.covering_for in self.people
        }

    def for_unit(self, unit_code: str, *, chain: bool, skip: int | None) -> list[Person]:
        """The unit's people who hear of its cases (and with `chain` the supervisors up the
        tree), away ones covered; the admins when nobody would."""
        ids = case_recipients(self.directory, unit_code, self.on, chain=chain)
        chosen = [self.people[i] for i in ids if i in self.people and i != skip]
        return chosen or list(self.admins)


async def load_staff(
    repos: Repositories, admin_ids: Sequence[int], language: Language, on: date
) -> Staff:
    """Staff of every unit on local day `on`; the admins (`admin_ids`, in `language` when
    unknown) stand in for a unit whose case reaches nobody."""
    directory = await load_directory(repos, on)
    staff = {person for holders in directory.holders.values() for person in holders}
    people = await repos.people.many([*staff, *admin_ids])
    admins = [people.get(i) or Person(i, "", language) for i in admin_ids]
    return Staff(directory, on, people, admins)


class Screener:
    """`RiskList.facts` for many declarations, with the same result, place by place.

    The facts of several places are those of each place alone, combined: the worst level,
    whether any place's city has cases, the matched areas in order without repeats. So each
    place is clipped to the look-back window and screened once per (region, first, last day)
    (100,000 declarations name far fewer distinct ones), and a region the list never touches
    at any date is skipped outright.
    """

    _FOREVER = (date(9999, 12, 31), (date(9999, 12, 31) - date(1, 1, 2)).days)

    def __init__(self, risk_list: RiskList, lookback_days: int) -> None:
        self.risk_list = risk_list
        self.lookback = timedelta(days=lookback_days)
        self.quiet: dict[str, bool] = {}
        self.known: dict[tuple[str, date, date], RiskFacts] = {}

    def is_quiet(self, code: str) -> bool:
        found = self.quiet.get(code)
        if found is None:
            as_of, days = self._FOREVER
            found = self.risk_list.facts((Place(code),), as_of, days) == _UNLISTED
            self.quiet[code] = found
        return found

    def facts(self, places: Sequence[Place], as_of: date) -> RiskFacts:
        first = as_of - self.lookback
        parts: list[RiskFacts] = []
        for place in places:
            if self.is_quiet(place.code):
                continue
            begins = max(place.start or first, first)
            ends = min(place.end or as_of, as_of)
            if begins > ends:
                continue
            key = (place.code, begins, ends)
            found = self.known.get(key)
            if found is None:
                # Clipped already: a window of exactly begins..ends screens it unchanged.
                found = self.risk_list.facts(
                    (Place(place.code, begins, ends),), ends, (ends - begins).days
                )
                self.known[key] = found
            if found != _UNLISTED:
                parts.append(found)
        if not parts:
            return _UNLISTED
        if len(parts) == 1:
            return parts[0]
        matched: dict[str, None] = {}
        for part in parts:
            matched.update(dict.fromkeys(part.matched))
        return RiskFacts(
            worst_risk(part.level for part in parts),
            any(part.city_has_cases for part in parts),
            tuple(matched),
        )


_UNLISTED = RiskFacts()
