"""Who an escalation step goes to: targets resolved against the organisation and absences.

Resolution works on plain data (`Directory`) loaded by the engine, so the rules (an away
person's deputy covers; `supervisor` is the nearest level up with someone present;
escalations never go back to the non-responders themselves) test without storage. When nobody
at all can be told, the result says so instead of silently dropping the step.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from domain.escalation import Step, Target
from domain.obligations import Obligation, ObligationKind
from domain.org import ChatGroup, GroupPurpose, OrgTree, Role, RoleAssignment


@dataclass(frozen=True, slots=True)
class Directory:
    """The plain data resolution needs, loaded by the engine before it resolves a step."""

    tree: OrgTree
    holders: Mapping[tuple[str, Role], tuple[int, ...]]  # (unit code, role) -> telegram ids
    work_groups: Mapping[str, int] = field(default_factory=dict)  # unit code -> chat id
    away_until: Mapping[int, date] = field(default_factory=dict)  # away through this date
    # A person's own covers, e.g. a resident's assigned trackers; without an entry a resident
    # is covered by the trackers of the obligation's unit.
    covers: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
    # Telegram refuses private messages to these (blocked, never started): like away, their
    # cover is told instead, and with no cover the step reaches nobody and a human hears of it.
    unreachable: frozenset[int] = frozenset()

    @classmethod
    def of(
        cls,
        tree: OrgTree,
        assignments: Iterable[RoleAssignment],
        groups: Iterable[ChatGroup] = (),
        away_until: Mapping[int, date] | None = None,
        covers: Mapping[int, tuple[int, ...]] | None = None,
        unreachable: Iterable[int] = (),
    ) -> Directory:
        holders: dict[tuple[str, Role], list[int]] = {}
        for a in sorted(assignments, key=lambda a: a.telegram_id):
            holders.setdefault((a.unit_code, a.role), []).append(a.telegram_id)
        work = {g.unit_code: g.chat_id for g in groups if g.purpose is GroupPurpose.WORK}
        return cls(
            tree,
            {key: tuple(ids) for key, ids in holders.items()},
            work,
            dict(away_until or {}),
            dict(covers or {}),
            frozenset(unreachable),
        )

    def holding(self, unit_code: str, role: Role) -> tuple[int, ...]:
        return self.holders.get((unit_code, role), ())

    def is_away(self, person: int, on: date) -> bool:
        until = self.away_until.get(person)
        return until is not None and on <= until

    def stands_in(self, person: int, on: date) -> bool:
        """Someone else must be told instead: the person is away or cannot be written to."""
        return person in self.unreachable or self.is_away(person, on)


@dataclass(frozen=True, slots=True)
class Recipient:
    chat_id: int  # a person's telegram id (private chat) or a group's chat id
    target: Target
    group: bool = False
    mentions: tuple[int, ...] = ()  # people to mention in a group message
    covering_for: int | None = None  # the away person this recipient stands in for


@dataclass(frozen=True, slots=True)
class Resolution:
    recipients: tuple[Recipient, ...]
    missing: tuple[Target, ...]  # targets that resolved to nobody

    @property
    def nobody(self) -> bool:
        """Nobody at all can be told: the engine must escalate this to a human, not drop it."""
        return not self.recipients


def _trackers(ob: Obligation, person: int, d: Directory) -> tuple[int, ...]:
    """A resident's own trackers (人盯人) when assigned, else the trackers of their unit."""
    if person in d.covers:
        return d.covers[person]
    return tuple(t for t in d.holding(ob.unit_code, Role.TRACKER) if t != person)


def _cover(ob: Obligation, person: int, d: Directory) -> tuple[int, ...]:
    if person == ob.assignee_person:
        return _trackers(ob, person, d)
    if person in d.covers:
        return d.covers[person]
    return _unit_cover(ob.unit_code, person, d)


def _unit_cover(unit_code: str, person: int, d: Directory) -> tuple[int, ...]:
    """Within a unit, liaison and deputy stand in for each other; nobody for anyone else."""
    if person in d.holding(unit_code, Role.LIAISON):
        return d.holding(unit_code, Role.DEPUTY)
    if person in d.holding(unit_code, Role.DEPUTY):
        return d.holding(unit_code, Role.LIAISON)
    return ()


def _present(
    ob: Obligation, people: Iterable[int], target: Target, d: Directory, on: date
) -> list[Recipient]:
    """Replace away (or unreachable) people by their present covers, one level deep: a cover
    who is away as well does not chain further, so a loop of covers cannot run forever."""
    found: list[Recipient] = []
    for person in people:
        if not d.stands_in(person, on):
            found.append(Recipient(person, target))
            continue
        found.extend(
            Recipient(c, target, covering_for=person)
            for c in _cover(ob, person, d)
            if not d.stands_in(c, on)
        )
    return found


def _assignees(ob: Obligation, d: Directory) -> tuple[int, ...]:
    if ob.assignee_person is not None:
        return (ob.assignee_person,)
    unit = str(ob.assignee)
    # A unit whose liaison role was taken away (and not yet given again) answers through its
    # deputies meanwhile, so what it owes does not go unheard.
    return d.holding(unit, Role.LIAISON) or d.holding(unit, Role.DEPUTY)


def _liaisons(ob: Obligation, d: Directory) -> tuple[int, ...]:
    """The unit's liaisons; for a unit's obligation these are its assignees. A liaison who is
    the assignee (a proxy filer) is not told twice about their own miss."""
    if ob.assignee_person is None:
        return _assignees(ob, d)
    return tuple(p for p in d.holding(ob.unit_code, Role.LIAISON) if p != ob.assignee_person)


def _supervisor_levels(ob: Obligation, d: Directory, on: date) -> Iterator[list[Recipient]]:
    """Present supervisors per unit from the obligation's unit upwards, skipping units where
    none is present and never escalating to the non-responders themselves."""
    skip = set(_assignees(ob, d))
    units = [d.tree.get(ob.unit_code), *d.tree.ancestors(ob.unit_code)]
    for unit in units:
        people = [p for p in d.holding(unit.code, Role.SUPERVISOR) if p not in skip]
        level = _present(ob, people, Target.SUPERVISOR, d, on)
        if level:
            yield level


# A unit's obligation about a resident's case: whoever hears of the case answers for it, so
# its `assignee` target is the case's people (`case_staff`), not the unit's liaisons alone.
CASE_KINDS = frozenset({ObligationKind.CASE_HANDLING})


def _resolve_one(ob: Obligation, target: Target, d: Directory, on: date) -> list[Recipient]:
    if target is Target.ASSIGNEE:
        if ob.kind in CASE_KINDS and ob.assignee_person is None:
            return case_staff(d, ob.unit_code, on, target, chain=False)
        return _present(ob, _assignees(ob, d), target, d, on)
    if target is Target.DEPUTY:
        if ob.assignee_person is not None:
            return _present(ob, _trackers(ob, ob.assignee_person, d), target, d, on)
        return _present(ob, d.holding(str(ob.assignee), Role.DEPUTY), target, d, on)
    if target is Target.LIAISON:
        return _present(ob, _liaisons(ob, d), target, d, on)
    if target is Target.UNIT_GROUP:
        chat = d.work_groups.get(ob.unit_code)
        if chat is None:
            return []
        mentions = tuple(r.chat_id for r in _present(ob, _assignees(ob, d), target, d, on))
        return [Recipient(chat, target, group=True, mentions=mentions)]
    if target is Target.OFFICE:
        root = ([d.tree.get(ob.unit_code), *d.tree.ancestors(ob.unit_code)])[-1]
        skip = set(_assignees(ob, d))
        people = [p for p in d.holding(root.code, Role.SUPERVISOR) if p not in skip]
        return _present(ob, people, target, d, on)
    wanted = 0 if target is Target.SUPERVISOR else 1
    for depth, level in enumerate(_supervisor_levels(ob, d, on)):
        if depth == wanted:
            return [replace(r, target=target) for r in level]
    return []


def case_holders(tree: OrgTree, unit_code: str, *, chain: bool) -> list[tuple[str, Role]]:
    """Whose roles hear of a resident's case in a unit (a declaration above registration only,
    a fever at check-in, the escalation of a case nobody handled): its liaisons and trackers
    and, with `chain` (即有即报), the supervisors of the unit and of every unit above it,
    nearest first."""
    holders = [(unit_code, Role.LIAISON), (unit_code, Role.TRACKER)]
    if chain:
        units = (
            [unit_code, *(u.code for u in tree.ancestors(unit_code))]
            if unit_code in tree
            else [unit_code]
        )
        holders += [(code, Role.SUPERVISOR) for code in units]
    return holders


def case_staff(
    d: Directory, unit_code: str, on: date, target: Target = Target.ASSIGNEE, *, chain: bool
) -> list[Recipient]:
    """The one rule for who hears of a resident's case in a unit on `on` (the roles of
    `case_holders`), shared by the alerts and the case_handling chain: an away or unreachable
    liaison is replaced by the unit's present deputies (and the other way round), each cover
    knowing whom they stand in for; a unit whose liaison role is vacant is heard through its
    deputies, as for its reminders; nobody stands in for a tracker or a supervisor (the other
    trackers and the liaison still hear of the case). Everyone once, first mention first."""
    found: dict[int, Recipient] = {}
    for holder_unit, role in case_holders(d.tree, unit_code, chain=chain):
        holders = d.holding(holder_unit, role)
        if role is Role.LIAISON and not holders:
            holders = d.holding(holder_unit, Role.DEPUTY)
        for person in holders:
            if not d.stands_in(person, on):
                found.setdefault(person, Recipient(person, target))
                continue
            for cover in _unit_cover(holder_unit, person, d):
                if not d.stands_in(cover, on):
                    found.setdefault(cover, Recipient(cover, target, covering_for=person))
    return list(found.values())


def case_recipients(d: Directory, unit_code: str, on: date, *, chain: bool) -> tuple[int, ...]:
    """The people of `case_staff`: who hears of a resident's case in a unit on `on`."""
    return tuple(r.chat_id for r in case_staff(d, unit_code, on, chain=chain))


def answerable(ob: Obligation, d: Directory, on: date) -> tuple[int, ...]:
    """Who answers for an obligation on `on`, as its messages name them (责任人): the person;
    for a case, whoever hears of it; for a unit, its liaisons with an away (or unreachable)
    one's cover in their place. The unit's liaisons themselves when nobody at all is present,
    so the messages still say whose it is."""
    if ob.assignee_person is not None:
        return (ob.assignee_person,)
    if ob.kind in CASE_KINDS:
        present = case_staff(d, ob.unit_code, on, chain=False)
    else:
        present = _present(ob, _assignees(ob, d), Target.ASSIGNEE, d, on)
    return tuple(dict.fromkeys(r.chat_id for r in present)) or _assignees(ob, d)


def resolve(obligation: Obligation, step: Step, directory: Directory, on: date) -> Resolution:
    """The concrete recipients of a step on local date `on` (which decides who is away).
    A recipient reached through several targets is told once, under the first target."""
    recipients: dict[tuple[int, bool], Recipient] = {}
    missing: list[Target] = []
    for target in step.targets:
        found = _resolve_one(obligation, target, directory, on)
        if not found:
            missing.append(target)
        for r in found:
            recipients.setdefault((r.chat_id, r.group), r)
    return Resolution(tuple(recipients.values()), tuple(missing))
