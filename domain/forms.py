"""Declarative forms: a spec of fields and the one engine that walks a person through it.

A form (the daily report now; declarations and check-ins later) is a `FormSpec`: an ordered
tuple of `FormField`s. The engine is pure: every step takes the spec and an immutable `Draft`
and returns a new one, or the same question again with a `Refusal` naming the message key.
Handlers render questions and refusals and keep the draft in FSM storage (`Draft.to_data`).

Rules decided here, so every form behaves alike:

- **Counts** accept surrounding spaces and full-width digits ("１２"); signs, decimals, words and
  separators are refused. A sub-count (`at_most`) above its total is refused when answered.
- **Conditions**: a field `asked_if_positive` on an earlier count is asked only while that count
  is above 0. While it is 0 (or skipped, or itself not asked) the field is not asked and holds
  its derived value: 0 for a count, None otherwise. When the count becomes positive again the
  derived value is dropped and the field is asked.
- **Order**: after a valid answer the next asked field follows, then the summary (position
  `len(spec.fields)`). When editing from the summary (`returning`), the summary follows at
  once, unless the edit made fields newly asked: those are asked first, then the summary.
- **Lowering a total** below an existing sub-count is refused when editing from the summary
  ("form-below-part"). Walking through the form again (after `back`), the too-large sub-count
  is dropped instead, since it is asked again right after: refusing would leave the person
  unable to lower the total without first going forward to lower the part.
- **Nothing from storage is trusted**: `Draft.from_data` checks the shape, every step checks
  that the draft fits the spec (`check_draft`), and `problems` re-validates every answer at
  submission.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from types import MappingProxyType
from typing import TypeAlias, TypeGuard

Value: TypeAlias = int | str | None

_NAME = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_COUNT = re.compile(r"[0-9]+", re.ASCII)
_NEGATIVE = re.compile(r"-\s*[0-9]+(?:\.[0-9]+)?", re.ASCII)
# Full-width digits and the minus signs people type; nothing else is normalised (NFKC would
# also turn "10²" into "102").
_COUNT_CHARS = str.maketrans(
    {**{chr(0xFF10 + digit): str(digit) for digit in range(10)}, "－": "-", "−": "-"}
)
_DRAFT_KEYS = frozenset({"form", "answers", "position", "returning"})


class FieldKind(StrEnum):
    COUNT = "count"
    TEXT = "text"
    CHOICE = "choice"


def _frozen(mapping: Mapping[str, Value]) -> Mapping[str, Value]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class FormField:
    key: str  # lower-case identifier; the question's message key is f"form-{form}-{key}"
    kind: FieldKind
    optional: bool = False  # may be skipped (value None)
    at_most: str | None = None  # COUNT: an earlier COUNT field this one cannot exceed
    asked_if_positive: str | None = None  # asked only while that earlier COUNT field is > 0
    max_value: int = 1_000_000  # COUNT sanity ceiling
    max_length: int = 1000  # TEXT limit, in characters after stripping
    choices: tuple[str, ...] = ()  # CHOICE: the allowed values, shown as buttons
    # Per-language question text (language code -> text) for configured fields; empty means
    # the message key. Stored only; rendering is the handlers' concern.
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", MappingProxyType(dict(self.labels)))
        object.__setattr__(self, "choices", tuple(self.choices))
        if not isinstance(self.key, str) or not _NAME.fullmatch(self.key):
            raise ValueError(f"form field {self.key!r}: the key must be a lower-case identifier")
        where = f"form field {self.key!r}"
        if not isinstance(self.kind, FieldKind):
            raise ValueError(f"{where}: unknown kind {self.kind!r}")
        if self.at_most is not None and self.kind is not FieldKind.COUNT:
            raise ValueError(f"{where}: only a count can be at_most another field")
        if self.kind is FieldKind.COUNT and not 1 <= self.max_value <= 10**12:
            raise ValueError(f"{where}: max_value must be between 1 and 10**12")
        if self.kind is FieldKind.TEXT and not 1 <= self.max_length <= 100_000:
            raise ValueError(f"{where}: max_length must be between 1 and 100000")
        if self.kind is FieldKind.CHOICE:
            if not self.choices:
                raise ValueError(f"{where}: a choice needs choices")
            if any(not isinstance(c, str) or not c or c != c.strip() for c in self.choices):
                raise ValueError(f"{where}: choices must be non-empty texts without edge spaces")
            if len(set(self.choices)) != len(self.choices):
                raise ValueError(f"{where}: choices repeat")
        elif self.choices:
            raise ValueError(f"{where}: only a choice field has choices")
        for language, label in self.labels.items():
            if not isinstance(language, str) or not language:
                raise ValueError(f"{where}: a label's language must be a non-empty text")
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"{where}: the {language!r} label is empty")


@dataclass(frozen=True, slots=True)
class FormSpec:
    name: str  # lower-case identifier, e.g. "unit_report"
    fields: tuple[FormField, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError(f"form {self.name!r}: the name must be a lower-case identifier")
        if not self.fields:
            raise ValueError(f"form {self.name!r} has no fields")
        earlier: dict[str, FormField] = {}
        for item in self.fields:
            where = f"form {self.name!r}, field {item.key!r}"
            if item.key in earlier:
                raise ValueError(f"{where}: the key is used twice")
            for attribute in ("at_most", "asked_if_positive"):
                other = getattr(item, attribute)
                if other is None:
                    continue
                if other not in earlier:
                    raise ValueError(f"{where}: {attribute} {other!r} is not an earlier field")
                if earlier[other].kind is not FieldKind.COUNT:
                    raise ValueError(f"{where}: {attribute} {other!r} is not a count")
            earlier[item.key] = item

    def index(self, key: str) -> int:
        for position, item in enumerate(self.fields):
            if item.key == key:
                return position
        raise ValueError(f"form {self.name!r} has no field {key!r}")


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an answer was not accepted: a message key and its parameters."""

    key: str
    params: Mapping[str, Value] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))


@dataclass(frozen=True, slots=True)
class Draft:
    """A form being filled in. Immutable; `to_data` / `from_data` go through JSON storage."""

    form: str
    answers: Mapping[str, Value] = field(hash=False)  # answered or derived so far
    position: int  # index of the current question; len(spec.fields) is the summary
    returning: bool = False  # editing one field from the summary

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", _frozen(self.answers))

    def to_data(self) -> dict[str, object]:
        return {
            "form": self.form,
            "answers": dict(self.answers),
            "position": self.position,
            "returning": self.returning,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> Draft:
        """The draft stored by `to_data`; ValueError when the data is not one."""
        if not isinstance(data, Mapping) or set(data) != _DRAFT_KEYS:
            raise ValueError("stored draft: not a draft")
        form, answers = data["form"], data["answers"]
        position, returning = data["position"], data["returning"]
        if not isinstance(form, str) or not _NAME.fullmatch(form):
            raise ValueError("stored draft: bad form name")
        if not isinstance(answers, Mapping):
            raise ValueError("stored draft: answers are not a mapping")
        for key, value in answers.items():
            if not isinstance(key, str) or not _NAME.fullmatch(key):
                raise ValueError("stored draft: bad answer key")
            if not _is_value(value):
                raise ValueError(f"stored draft: bad value for {key!r}")
        if type(position) is not int or position < 0:
            raise ValueError("stored draft: bad position")
        if not isinstance(returning, bool):
            raise ValueError("stored draft: bad returning flag")
        return cls(form, answers, position, returning)


@dataclass(frozen=True, slots=True)
class Outcome:
    draft: Draft
    refusal: Refusal | None = None  # set: the same question is asked again with the reason


def _is_value(value: object) -> bool:
    return value is None or isinstance(value, str) or type(value) is int


def _is_count(value: object) -> TypeGuard[int]:
    return type(value) is int  # not a bool


def _positive(value: Value) -> bool:
    return _is_count(value) and value > 0


def _derived(item: FormField) -> Value:
    return 0 if item.kind is FieldKind.COUNT else None


class _State(Enum):
    ASKED = "asked"
    HIDDEN = "hidden"  # not asked: its condition is not met; holds the derived value
    UNDECIDED = "undecided"  # its condition is not answered yet


def _state(item: FormField, states: Mapping[str, _State], answers: Mapping[str, Value]) -> _State:
    condition = item.asked_if_positive
    if condition is None:
        return _State.ASKED
    if states[condition] is not _State.ASKED:
        return states[condition]
    if condition not in answers:
        return _State.UNDECIDED
    return _State.ASKED if _positive(answers[condition]) else _State.HIDDEN


def _states(spec: FormSpec, answers: Mapping[str, Value]) -> dict[str, _State]:
    states: dict[str, _State] = {}
    for item in spec.fields:
        states[item.key] = _state(item, states, answers)
    return states


def _settle(
    spec: FormSpec, before: Mapping[str, Value], after: Mapping[str, Value]
) -> dict[str, Value]:
    """`after` with conditions applied: hidden fields derived, newly asked ones unanswered."""
    was = _states(spec, before)
    result = dict(after)
    states: dict[str, _State] = {}
    for item in spec.fields:
        state = states[item.key] = _state(item, states, result)
        if state is _State.HIDDEN:
            result[item.key] = _derived(item)
        elif state is _State.UNDECIDED or was[item.key] is not _State.ASKED:
            result.pop(item.key, None)
    return result


def visible(spec: FormSpec, answers: Mapping[str, Value]) -> tuple[FormField, ...]:
    """The fields asked given these answers (the summary shows them)."""
    states = _states(spec, answers)
    return tuple(item for item in spec.fields if states[item.key] is _State.ASKED)


def check_draft(spec: FormSpec, draft: Draft) -> None:
    """ValueError unless the draft belongs to this spec (e.g. the spec changed since it was
    stored). Every step checks it; values themselves are judged by `problems`."""
    if draft.form != spec.name:
        raise ValueError(f"draft of form {draft.form!r}, not {spec.name!r}")
    if not 0 <= draft.position <= len(spec.fields):
        raise ValueError(f"draft of form {spec.name!r}: position {draft.position} out of range")
    kinds = {item.key: item.kind for item in spec.fields}
    for key, value in draft.answers.items():
        if key not in kinds:
            raise ValueError(f"draft of form {spec.name!r}: unknown field {key!r}")
        if not _is_value(value) or (
            value is not None and _is_count(value) != (kinds[key] is FieldKind.COUNT)
        ):
            raise ValueError(f"draft of form {spec.name!r}: wrong type for {key!r}")
    if draft.position < len(spec.fields):
        key = spec.fields[draft.position].key
        if _states(spec, draft.answers)[key] is not _State.ASKED:
            raise ValueError(f"draft of form {spec.name!r}: field {key!r} is not asked")
    elif draft.returning:
        raise ValueError(f"draft of form {spec.name!r}: returning from the summary")


def start(spec: FormSpec) -> Draft:
    # The first field cannot depend on an earlier one, so it is always asked.
    return Draft(spec.name, {}, 0)


def current(spec: FormSpec, draft: Draft) -> FormField | None:
    """The field being asked; None at the summary."""
    check_draft(spec, draft)
    return spec.fields[draft.position] if draft.position < len(spec.fields) else None


def _asking(spec: FormSpec, draft: Draft) -> FormField:
    item = current(spec, draft)
    if item is None:
        raise ValueError(f"form {spec.name!r}: at the summary, no question is being asked")
    return item


def _parse_count(item: FormField, text: str) -> int | Refusal:
    text = text.strip().translate(_COUNT_CHARS)
    if _NEGATIVE.fullmatch(text):
        return Refusal("form-negative")
    if not _COUNT.fullmatch(text):
        return Refusal("form-not-a-number")
    digits = text.lstrip("0") or "0"
    # Compare lengths first: int() of thousands of digits is slow or refused outright.
    if len(digits) > len(str(item.max_value)) or int(digits) > item.max_value:
        return Refusal("form-too-large", {"limit": item.max_value})
    return int(digits)


def _accept(spec: FormSpec, draft: Draft, item: FormField, value: Value) -> Outcome:
    answers = dict(draft.answers)
    answers[item.key] = value
    if item.at_most is not None and _is_count(value):
        total = answers.get(item.at_most)
        if _is_count(total) and value > total:
            return Outcome(draft, Refusal("form-exceeds", {"other": item.at_most, "limit": total}))
    answers = _settle(spec, draft.answers, answers)
    if _is_count(value):
        for part in spec.fields:
            held = answers.get(part.key)
            if part.at_most != item.key or not _is_count(held) or held <= value:
                continue
            if draft.returning:
                return Outcome(
                    draft, Refusal("form-below-part", {"other": part.key, "value": held})
                )
            answers = _settle(spec, answers, {k: v for k, v in answers.items() if k != part.key})
    states = _states(spec, answers)
    asked = [index for index, f in enumerate(spec.fields) if states[f.key] is _State.ASKED]
    if draft.returning:
        following = [index for index in asked if spec.fields[index].key not in answers]
    else:
        following = [index for index in asked if index > draft.position]
    position = following[0] if following else len(spec.fields)
    returning = draft.returning and position < len(spec.fields)
    return Outcome(Draft(spec.name, answers, position, returning))


def answer(spec: FormSpec, draft: Draft, text: str) -> Outcome:
    """A typed answer to the current question. ValueError at the summary (nothing is asked)."""
    item = _asking(spec, draft)
    if not text.strip():
        if item.optional:
            return _accept(spec, draft, item, None)
        return Outcome(draft, Refusal("form-empty"))
    if item.kind is FieldKind.COUNT:
        parsed = _parse_count(item, text)
        if isinstance(parsed, Refusal):
            return Outcome(draft, parsed)
        return _accept(spec, draft, item, parsed)
    if item.kind is FieldKind.CHOICE:
        return choose(spec, draft, text.strip())
    stripped = text.strip()
    if len(stripped) > item.max_length:
        return Outcome(
            draft, Refusal("form-too-long", {"limit": item.max_length, "length": len(stripped)})
        )
    return _accept(spec, draft, item, stripped)


def choose(spec: FormSpec, draft: Draft, value: str) -> Outcome:
    """A button press (or typed text) for a CHOICE question; the value is checked, not trusted.
    A press meant for another kind of question is refused too; ValueError at the summary."""
    item = _asking(spec, draft)
    if item.kind is not FieldKind.CHOICE or value not in item.choices:
        return Outcome(draft, Refusal("form-not-a-choice"))
    return _accept(spec, draft, item, value)


def skip(spec: FormSpec, draft: Draft) -> Outcome:
    """Leave an optional question unanswered (None). ValueError at the summary."""
    item = _asking(spec, draft)
    if not item.optional:
        return Outcome(draft, Refusal("form-not-optional"))
    return _accept(spec, draft, item, None)


def back(spec: FormSpec, draft: Draft) -> Draft:
    """The previous asked question (from the summary: the last one); the first stays put."""
    check_draft(spec, draft)
    states = _states(spec, draft.answers)
    for index in range(draft.position - 1, -1, -1):
        if states[spec.fields[index].key] is _State.ASKED:
            return Draft(spec.name, draft.answers, index, draft.returning)
    return draft


def edit(spec: FormSpec, draft: Draft, key: str) -> Draft:
    """From the summary, ask one field again; a valid answer returns to the summary.
    ValueError when not at the summary or the field is unknown or not asked."""
    check_draft(spec, draft)
    if draft.position != len(spec.fields):
        raise ValueError(f"form {spec.name!r}: edit only from the summary")
    index = spec.index(key)
    if _states(spec, draft.answers)[key] is not _State.ASKED:
        raise ValueError(f"form {spec.name!r}: field {key!r} is not asked")
    return Draft(spec.name, draft.answers, index, returning=True)


def _problem(item: FormField, value: Value, answers: Mapping[str, Value]) -> Refusal | None:
    if value is None:
        return None if item.optional else Refusal("form-empty")
    if item.kind is FieldKind.COUNT:
        if not _is_count(value):
            return Refusal("form-not-a-number")
        if value < 0:
            return Refusal("form-negative")
        if value > item.max_value:
            return Refusal("form-too-large", {"limit": item.max_value})
        total = answers.get(item.at_most) if item.at_most is not None else None
        if _is_count(total) and value > total:
            return Refusal("form-exceeds", {"other": item.at_most, "limit": total})
        return None
    if not isinstance(value, str):
        return Refusal("form-invalid")
    if item.kind is FieldKind.CHOICE:
        return None if value in item.choices else Refusal("form-not-a-choice")
    if not value.strip():
        return None if item.optional else Refusal("form-empty")
    if len(value.strip()) > item.max_length:
        return Refusal("form-too-long", {"limit": item.max_length, "length": len(value.strip())})
    return None


def problems(spec: FormSpec, answers: Mapping[str, Value]) -> list[tuple[str, Refusal]]:
    """Everything wrong with these answers as a submission, in field order, then unknown keys.

    Every field must be present: asked ones answered (None only when optional), the others
    with their derived value ("form-invalid" otherwise, as for an unknown key or a text that
    is not one). Empty means the answers can be stored as they are.
    """
    found: list[tuple[str, Refusal]] = []
    states = _states(spec, answers)
    for item in spec.fields:
        if item.key not in answers:
            found.append((item.key, Refusal("form-empty")))
        elif states[item.key] is not _State.ASKED:
            value = answers[item.key]
            if value != _derived(item) or type(value) is not type(_derived(item)):
                found.append((item.key, Refusal("form-invalid")))
        elif (refusal := _problem(item, answers[item.key], answers)) is not None:
            found.append((item.key, refusal))
    known = {item.key for item in spec.fields}
    found.extend((key, Refusal("form-invalid")) for key in answers if key not in known)
    return found


def is_complete(spec: FormSpec, draft: Draft) -> bool:
    """At the summary with nothing wrong: ready to submit."""
    check_draft(spec, draft)
    return draft.position == len(spec.fields) and not problems(spec, draft.answers)


def zero_answers(spec: FormSpec) -> dict[str, Value]:
    """What a zero report attests: every count 0, every text and choice None."""
    return {item.key: _derived(item) for item in spec.fields}
