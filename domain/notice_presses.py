"""The /notice compose dialog's buttons: what each press does to the draft.

A button carries its step, a one-letter action and a value; nothing of it is trusted. A press
for another step is STALE (an old message); a value the step does not offer (a template that
is not configured, a unit outside the author's subtree, a kind not among them) is FORGED.
Both leave the draft as it was."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from domain.notice_compose import (
    AUDIENCES,
    Draft,
    Outcome,
    ScopeMode,
    Step,
    When,
    refused,
    toggle,
)

STALE = "ncp-stale"
FORGED = "ncp-forged"


class Act(StrEnum):
    TEMPLATE = "t"
    SKIP = "s"  # no attachment
    SCOPE = "m"
    UNIT = "u"  # tick or untick a unit
    OPEN = "o"  # show a unit's level while choosing units
    KIND = "k"
    AUDIENCE = "a"
    DONE = "d"  # a checklist is complete
    WHEN = "w"
    WEEKDAY = "y"
    ACK = "q"
    URGENT = "g"
    SEND = "x"
    CANCEL = "c"


@dataclass(frozen=True, slots=True)
class Choices:
    """What the author may choose, worked out afresh for each press."""

    templates: Collection[str]
    units: Collection[str]  # the author's subtree
    kinds: Collection[str]  # the kinds among it
    openable: Collection[str]  # units whose level may be shown (allowed ones or above them)


# Which actions each step's buttons carry; CANCEL belongs to every step.
_STEP_ACTS: dict[Step, frozenset[Act]] = {
    Step.TEXT: frozenset({Act.TEMPLATE}),
    Step.ATTACH: frozenset({Act.SKIP}),
    Step.SCOPE: frozenset({Act.SCOPE}),
    Step.UNITS: frozenset({Act.UNIT, Act.OPEN, Act.DONE}),
    Step.KINDS: frozenset({Act.KIND, Act.DONE}),
    Step.AUDIENCE: frozenset({Act.AUDIENCE, Act.DONE}),
    Step.WHEN: frozenset({Act.WHEN}),
    Step.WEEKDAYS: frozenset({Act.WEEKDAY, Act.DONE}),
    Step.ACK: frozenset({Act.ACK}),
    Step.PREVIEW: frozenset({Act.URGENT, Act.SEND}),
}


def press(draft: Draft, step: Step, act: Act, value: str, choices: Choices) -> Outcome:
    """The draft after a press; SEND and CANCEL leave it as it is (the handler acts)."""
    if step is not draft.step:
        return refused(draft, STALE)
    if act is Act.CANCEL or (act is Act.SEND and step is Step.PREVIEW):
        return Outcome(draft)
    if act not in _STEP_ACTS.get(step, frozenset()):
        return refused(draft, FORGED)
    handler = _HANDLERS[act]
    return handler(draft, value, choices)


def _template(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in choices.templates:
        return refused(draft, FORGED)
    return Outcome(replace(draft, template=value, text="", step=Step.ATTACH))


def _skip(draft: Draft, value: str, choices: Choices) -> Outcome:
    return Outcome(replace(draft, step=Step.SCOPE))


def _scope(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in ScopeMode._value2member_map_:
        return refused(draft, FORGED)
    mode = ScopeMode(value)
    after = {ScopeMode.ALL: Step.AUDIENCE, ScopeMode.UNITS: Step.UNITS, ScopeMode.KINDS: Step.KINDS}
    return Outcome(replace(draft, scope=mode, step=after[mode], browsing=""))


def _unit(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in choices.units:
        return refused(draft, FORGED)
    return Outcome(replace(draft, units=toggle(draft.units, value)))


def _open(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value and value not in choices.openable:
        return refused(draft, FORGED)
    return Outcome(replace(draft, browsing=value))


def _kind(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in choices.kinds:
        return refused(draft, FORGED)
    return Outcome(replace(draft, kinds=toggle(draft.kinds, value)))


def _audience(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in AUDIENCES:
        return refused(draft, FORGED)
    return Outcome(replace(draft, audiences=toggle(draft.audiences, value)))


def _done(draft: Draft, value: str, choices: Choices) -> Outcome:
    if draft.step is Step.UNITS:
        if not set(draft.units) & set(choices.units):
            return refused(draft, "ncp-units-none")
        return Outcome(replace(draft, step=Step.AUDIENCE))
    if draft.step is Step.KINDS:
        if not set(draft.kinds) & set(choices.kinds):
            return refused(draft, "ncp-kinds-none")
        return Outcome(replace(draft, step=Step.AUDIENCE))
    if draft.step is Step.AUDIENCE:
        if not draft.audiences:
            return refused(draft, "ncp-audience-none")
        return Outcome(replace(draft, step=Step.WHEN))
    if not draft.weekdays:  # WEEKDAYS
        return refused(draft, "ncp-weekdays-none")
    return Outcome(replace(draft, step=Step.TIMES))


def _when(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in When._value2member_map_:
        return refused(draft, FORGED)
    when = When(value)
    after = {When.NOW: Step.ACK, When.AT: Step.AT, When.DAILY: Step.TIMES}
    step = after.get(when, Step.WEEKDAYS)
    return Outcome(
        replace(draft, when=when, step=step, send_at=None, weekdays=(), times=(), until=None)
    )


def _weekday(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in {str(day) for day in range(7)}:
        return refused(draft, FORGED)
    return Outcome(replace(draft, weekdays=tuple(sorted(toggle(draft.weekdays, int(value))))))


def _ack(draft: Draft, value: str, choices: Choices) -> Outcome:
    if value not in ("0", "1"):
        return refused(draft, FORGED)
    wanted = value == "1"
    step = Step.ACK_BY if wanted else Step.PREVIEW
    return Outcome(replace(draft, ack=wanted, step=step, ack_by=None, ack_time=None))


def _urgent(draft: Draft, value: str, choices: Choices) -> Outcome:
    return Outcome(replace(draft, urgent=not draft.urgent))


_HANDLERS = {
    Act.TEMPLATE: _template,
    Act.SKIP: _skip,
    Act.SCOPE: _scope,
    Act.UNIT: _unit,
    Act.OPEN: _open,
    Act.KIND: _kind,
    Act.AUDIENCE: _audience,
    Act.DONE: _done,
    Act.WHEN: _when,
    Act.WEEKDAY: _weekday,
    Act.ACK: _ack,
    Act.URGENT: _urgent,
}
