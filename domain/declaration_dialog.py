"""The declaration dialog (返乡报备) as a step machine over a JSON-serialisable draft.

The handler keeps `Draft.to_data()` in FSM storage and feeds each typed answer to `answer`
and each button press to `press`; both return an `Outcome`: the new draft, or the same draft
and a refusal key (`answer-...` from domain/answers.py or `declare-...`, with its values in
`params`: a date's window names its first and last day). Nothing stored or
sent back by a button is trusted: `Draft.from_data` re-validates everything (DraftError when
the draft no longer fits, and the dialog restarts), a press for another step or with a value
not among the current options is refused as stale.

Moving on: after an answer the dialog asks the first question after it that applies and is
not answered yet, else shows the summary; so an edit from the summary comes back to it after
any question the change made necessary, and answers that no longer apply are dropped. Back
returns to the previously asked question (a stack).

"No symptoms" with a fever is asked about before moving on (FEVER_CHECK: confirm, or change
the temperature or the symptoms); the policy's threshold is an argument, like the look-back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Final

from domain import answers as parse
from domain import declaration_steps as steps
from domain import id_documents, regions
from domain.dates import refusal_params
from domain.declaration_steps import ATTEST, FEVER_CHECK, ORDER, REGION_MATCH, SUMMARY, Step
from domain.declarations import DeclarationStatus
from domain.place_match import match_place
from domain.policy import DEFAULT_FEVER_THRESHOLD, DEFAULT_LOOKBACK_DAYS

USE_BUTTONS: Final = "declare-use-buttons"
STALE: Final = "declare-stale"
MATCH_LIMIT: Final = 8
# "None of these" at a region match: a stay's place is picked level by level instead, an
# origin's level is chosen from its buttons.
KEEP_TYPED: Final = "typed"
# At SPICK (a stay's division picked level by level) besides the divisions of the level:
PICK_HERE: Final = "here"  # the division reached so far, as a whole
PICK_UP: Final = "up"  # back to the level above
UNLISTED: Final = "unlisted"  # in none of them: the place is flagged for a person to locate
# The choices at FEVER_CHECK: the answers are right, or ask the temperature or symptoms again.
FEVER_CHOICES: Final = ("confirm", Step.TEMP.value, Step.SYMPTOMS.value)


class Action(StrEnum):
    """What a button of the dialog does."""

    PICK = "pick"  # one of the step's options
    BACK = "back"
    SKIP = "skip"
    PAGE = "page"  # another page of a long list
    EDIT = "edit"  # the summary's button for an answer: ask it again
    CANCEL = "cancel"


class DraftError(ValueError):
    """A stored draft does not fit the dialog any more."""


@dataclass(frozen=True, slots=True)
class Draft:
    step: Step = ORDER[0]
    answers: dict[str, Any] = field(default_factory=dict)
    history: tuple[Step, ...] = ()
    page: int = 0  # page of a long button list
    pending: tuple[str, ...] = ()  # ticked items of a checklist not yet confirmed
    stays: tuple[dict[str, Any], ...] = ()  # stays added so far (confirmed at "done")
    stay: dict[str, Any] = field(default_factory=dict)  # the stay being added
    matches: tuple[str, ...] = ()  # region codes offered at a match step
    match_for: str = ""  # which region step the match belongs to

    def to_data(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "answers": dict(self.answers),
            "history": list(self.history),
            "page": self.page,
            "pending": list(self.pending),
            "stays": [dict(s) for s in self.stays],
            "stay": dict(self.stay),
            "matches": list(self.matches),
            "match_for": self.match_for,
        }

    @classmethod
    def from_data(cls, data: Any, *, today: date) -> Draft:
        """The draft as stored, read on `today`; DraftError when anything in it does not fit
        (a date too: see `declaration_steps.stored_date_window`)."""
        try:
            return _from_data(data, today)
        except (steps.StoredAnswerError, TypeError, KeyError, AttributeError) as error:
            raise DraftError(str(error)) from error


def _typed_id(step: str, answers: dict[str, Any]) -> dict[str, Any]:
    """A draft saved before ID types were asked: its number (given, skipped or being asked
    for) was a resident ID's."""
    if Step.IDTYPE in answers or (Step.IDNO not in answers and step != Step.IDNO):
        return answers
    if Step.IDNO in answers and answers[Step.IDNO] is None:
        rest = {k: v for k, v in answers.items() if k != Step.IDNO}
        return {**rest, Step.IDTYPE: None}
    return {**answers, Step.IDTYPE: id_documents.UNTYPED.value}


def _from_data(data: Any, today: date) -> Draft:
    if not isinstance(data, dict) or set(data) != set(Draft().to_data()):
        raise DraftError("not a draft")
    step, answers, history = data["step"], data["answers"], data["history"]
    if step not in steps.ALL_STEPS or not isinstance(answers, dict):
        raise DraftError("unknown step")
    answers = _typed_id(step, answers)
    for key, value in answers.items():
        if key == "attested":
            if value is not True:
                raise DraftError("attested")
            continue
        if key not in ORDER and key != Step.TEMPOK:
            raise DraftError(f"unknown answer {key!r}")
        steps.check_answer(Step(key), value, today=today)
    steps.check_id_number(answers)
    for key in answers:
        if key in ORDER and not steps.applies(Step(key), answers):
            raise DraftError(f"{key} does not apply")
    if not isinstance(history, list) or len(history) > 60:
        raise DraftError("history")
    if any(h not in steps.ALL_STEPS for h in history):
        raise DraftError("history")
    page, pending, stays = data["page"], data["pending"], data["stays"]
    if type(page) is not int or page < 0:
        raise DraftError("page")
    multi = steps.CHOICES.get(step, ()) if step in steps.MULTI else ()
    if not isinstance(pending, list) or any(p not in multi for p in pending):
        raise DraftError("pending")
    if not isinstance(stays, list) or len(stays) > steps.MAX_STAYS:
        raise DraftError("stays")
    for stay in stays:
        steps.check_stay(stay, today=today)
    stay = data["stay"]
    if not isinstance(stay, dict):
        raise DraftError("stay")
    if stay:
        picking = stay.get("pick")
        if "pick" in stay and (
            not isinstance(picking, str) or regions.get(picking) is None or step != Step.SPICK
        ):
            raise DraftError("stay.pick")
        listed = {k: v for k, v in stay.items() if k != "pick"}
        steps.check_stay({"place": "x", **listed} if "place" not in stay else listed, today=today)
    if step == Step.SPICK and not stay.get("place"):
        raise DraftError("a pick step without a place")
    matches, match_for = data["matches"], data["match_for"]
    if not isinstance(matches, list) or any(regions.get(m) is None for m in matches):
        raise DraftError("matches")
    if match_for not in ("", *steps.REGION_STEPS, Step.SPLACE):
        raise DraftError("match_for")
    if step in (REGION_MATCH, Step.SMATCH) and not matches:
        raise DraftError("a match step without matches")
    if step == FEVER_CHECK and Step.TEMP not in answers:
        raise DraftError("a fever check without a temperature")
    draft = Draft(
        Step(step),
        dict(answers),
        tuple(Step(h) for h in history),
        page,
        tuple(pending),
        tuple(stays),
        dict(stay),
        tuple(matches),
        match_for,
    )
    if step in ORDER and not steps.applies(step, answers):
        raise DraftError(f"{step} does not apply")
    return draft


@dataclass(frozen=True, slots=True)
class Outcome:
    draft: Draft
    refusal: str | None = None
    submit: bool = False  # the attestation was given: file the declaration
    params: Mapping[str, str] = field(default_factory=dict)  # the refusal's values


def options(draft: Draft) -> tuple[str, ...]:
    """The values a button of the current step may carry."""
    step = draft.step
    if step == REGION_MATCH:
        return (*draft.matches, KEEP_TYPED)
    if step == Step.SMATCH:
        return (*draft.matches, KEEP_TYPED)
    if step == Step.SPICK:
        return (*pick_divisions(draft), *pick_extras(draft))
    if step == Step.STAYS:
        can_add = len(draft.stays) < steps.MAX_STAYS
        more = ("done", "clear") if draft.stays else ("none",)
        return (("add",) if can_add else ()) + more
    if step == SUMMARY:
        return ("confirm",)
    if step == ATTEST:
        return ("agree",)
    if step == FEVER_CHECK:
        return FEVER_CHOICES
    if step in steps.MULTI:
        return (*steps.CHOICES[step], steps.NONE, "done")
    return steps.choices(step, draft.answers)


def pick_divisions(draft: Draft) -> tuple[str, ...]:
    """The divisions offered at SPICK: the provinces, then those of the one picked."""
    at = draft.stay.get("pick")
    found = regions.children(at) if at else regions.provinces()
    return tuple(region.code for region in found)


def pick_extras(draft: Draft) -> tuple[str, ...]:
    """SPICK's other buttons: the division reached as a whole and up a level (once one is
    picked), and "not in the list"."""
    return (PICK_HERE, PICK_UP, UNLISTED) if draft.stay.get("pick") else (UNLISTED,)


def can_skip(draft: Draft) -> bool:
    return draft.step in steps.OPTIONAL


def can_back(draft: Draft) -> bool:
    return bool(draft.history)


def editable(draft: Draft) -> tuple[Step, ...]:
    """The questions the summary offers to edit: every one asked (skipped ones too)."""
    return tuple(s for s in ORDER if s in draft.answers and steps.applies(s, draft.answers))


# --- moving between steps --------------------------------------------------------------------


def _prune(answers: dict[str, Any]) -> dict[str, Any]:
    """Drop answers whose questions no longer apply (until nothing changes)."""
    pruned = dict(answers)
    while True:
        gone = [k for k in pruned if k in ORDER and not steps.applies(Step(k), pruned)]
        if not gone:
            return pruned
        for key in gone:
            del pruned[key]


def _next_after(answers: dict[str, Any], after: Step) -> Step:
    start = ORDER.index(after) + 1 if after in ORDER else 0
    for step in ORDER[start:]:
        if step not in answers and steps.applies(step, answers):
            return step
    for step in ORDER:  # an earlier one made necessary by an edit
        if step not in answers and steps.applies(step, answers):
            return step
    return SUMMARY


def _enter(draft: Draft, step: Step, *, push: bool = True) -> Draft:
    """Go to `step`, remembering the current one for back (unless it goes nowhere)."""
    history = (*draft.history, draft.step) if push and draft.step != step else draft.history
    pending: tuple[str, ...] = ()
    if step in steps.MULTI and isinstance(draft.answers.get(step), list):
        pending = tuple(draft.answers[step])
    stays = draft.stays
    if step == Step.STAYS and draft.step not in steps.STAY_STEPS:
        stays = tuple(draft.answers.get(Step.STAYS) or ())
    return replace(draft, step=step, history=history[-60:], page=0, pending=pending, stays=stays)


def _answered(
    draft: Draft,
    step: Step,
    value: Any,
    after: Step | None = None,
    *,
    fever_threshold: float | None = None,
) -> Outcome:
    """Record an answer and ask what comes next; with `fever_threshold` (an answer to the
    symptoms or the temperature) a contradiction between them is asked about first."""
    answers = _prune({**draft.answers, step: value})
    if fever_threshold is not None and steps.fever_unconfirmed(answers, fever_threshold):
        return Outcome(_enter(replace(draft, answers=answers), FEVER_CHECK))
    nxt = _next_after(answers, after or step)
    return Outcome(_enter(replace(draft, answers=answers), nxt))


def back(draft: Draft) -> Outcome:
    if not draft.history:
        return Outcome(draft, STALE)
    previous = draft.history[-1]
    # The matches of a region question stay in the draft, so back can show them again.
    stale_match = (previous == REGION_MATCH and draft.match_for not in steps.REGION_STEPS) or (
        previous == Step.SMATCH and draft.match_for != Step.SPLACE
    )
    # The fever check is no answer of the person's: back goes to the answers it was about
    # (and past the temperature asked again from it, which is where back starts).
    passed = previous in (FEVER_CHECK, draft.step)
    if (previous in ORDER and not steps.applies(previous, draft.answers)) or stale_match or passed:
        # A question an edit made moot, or a match list since replaced by another: drop it
        # from the stack and go further back.
        return back(replace(draft, history=draft.history[:-1]))
    target = _enter(replace(draft, history=draft.history[:-1]), previous, push=False)
    return Outcome(target)


def skip(draft: Draft) -> Outcome:
    if not can_skip(draft):
        return Outcome(draft, STALE)
    if draft.step in steps.STAY_STEPS:
        return _stay_step(draft, None)
    if draft.step == Step.IDNO:  # no number after all: no document (its type is dropped)
        return _answered(draft, Step.IDTYPE, None, after=Step.IDNO)
    return _answered(draft, draft.step, None)


def edit(draft: Draft, step: str) -> Outcome:
    """The summary's button for an answer (`step` comes from the client: checked here)."""
    if draft.step != SUMMARY or step not in editable(draft):
        return Outcome(draft, STALE)
    return Outcome(_enter(draft, Step(step)))


def press(
    draft: Draft,
    step: Step,
    action: Action,
    value: str,
    *,
    today: date,
    fever_threshold: float = DEFAULT_FEVER_THRESHOLD,
) -> Outcome:
    """A button: refused unless it belongs to the current step and carries a current value.
    A temperature at or above `fever_threshold` is a fever (see FEVER_CHECK)."""
    if step != draft.step:
        return Outcome(draft, STALE)
    if action == Action.BACK:
        return back(draft)
    if action == Action.SKIP:
        return skip(draft)
    if action == Action.EDIT:
        return edit(draft, value)
    if action == Action.PAGE:
        if not value.isascii() or not value.isdigit() or len(value) > 3:
            return Outcome(draft, STALE)
        return Outcome(replace(draft, page=int(value)))
    if action != Action.PICK or value not in options(draft):
        return Outcome(draft, STALE)
    return _pick(draft, value, fever_threshold)


def _pick(draft: Draft, value: str, fever_threshold: float) -> Outcome:
    step = draft.step
    if step == FEVER_CHECK:
        if value == "confirm":  # kept as given; TEMPOK records which temperature was meant
            answers = {**draft.answers, Step.TEMPOK: draft.answers[Step.TEMP]}
            nxt = _next_after(answers, Step.TEMP)
            return Outcome(_enter(replace(draft, answers=answers), nxt))
        return Outcome(_enter(draft, Step(value)))
    if step == Step.IDTYPE and value != draft.answers.get(Step.IDTYPE):
        # Another document: the number given for the one before is asked again.
        answers = {k: v for k, v in draft.answers.items() if k != Step.IDNO}
        return _answered(replace(draft, answers=answers), step, value)
    if step == Step.STATUS and Step.STATUS in draft.answers:
        leaving = value == DeclarationStatus.PLANNING_LEAVE.value
        if leaving and not steps.leaving(draft.answers):
            # Where one came from is not where one will go: asked again, never carried over
            # silently. (Back from a planned trip, the destination is where one came from.)
            answers = {k: v for k, v in draft.answers.items() if k not in _WHERE_STEPS}
            return _answered(replace(draft, answers=answers), step, value)
    if step == SUMMARY:
        return Outcome(_enter(draft, ATTEST))
    if step == ATTEST:
        return Outcome(replace(draft, answers={**draft.answers, "attested": True}), submit=True)
    if step in steps.MULTI:
        fever = fever_threshold if step == Step.SYMPTOMS else None
        if value == steps.NONE:
            return _answered(draft, step, [], fever_threshold=fever)
        if value == "done":
            if not draft.pending:
                return Outcome(draft, "declare-tick-or-none")
            ticked = [v for v in steps.CHOICES[step] if v in draft.pending]
            return _answered(draft, step, ticked, fever_threshold=fever)
        pending = set(draft.pending) ^ {value}
        ordered = tuple(v for v in steps.CHOICES[step] if v in pending)
        return Outcome(replace(draft, pending=ordered))
    if step == Step.STAYS:
        if value == "add":
            return Outcome(_enter(replace(draft, stay={}), Step.SPLACE))
        if value == "clear":  # start the list again (a place added by mistake)
            return Outcome(replace(draft, stays=()))
        return _answered(draft, Step.STAYS, [dict(s) for s in draft.stays])
    if step in steps.STAY_STEPS:
        return _stay_step(draft, value)
    if step == REGION_MATCH and value == KEEP_TYPED:  # none of these: the level's buttons
        return Outcome(_enter(draft, Step(draft.match_for)))
    if step in (*steps.REGION_STEPS, REGION_MATCH):
        return _region_chosen(draft, value)
    return _answered(draft, step, value)


def _region_chosen(draft: Draft, code: str) -> Outcome:
    """A region picked from buttons or matches: set it and the levels above, drop below."""
    chain = [region.code for region in regions.path(code)]
    answers = {k: v for k, v in draft.answers.items() if k not in (Step.PROV, Step.CITY, Step.DIST)}
    if draft.answers.get(Step.DIST) not in chain:  # another district: ask the street again
        answers.pop(Step.STREET, None)
    for level, region_code in zip(steps.REGION_STEPS, chain, strict=False):
        answers[level] = region_code
    answers = _prune(answers)
    last = steps.REGION_STEPS[min(len(chain), 3) - 1]
    nxt = _next_after(answers, last)
    return Outcome(_enter(replace(draft, answers=answers), nxt))


def _stay_step(draft: Draft, value: Any) -> Outcome:
    """The stay sub-dialog: place (matched to a region when possible), start, end, transit."""
    stay, step = dict(draft.stay), draft.step
    if step == Step.SMATCH:
        if value == KEEP_TYPED:  # none of these: find it level by level, or say it is not listed
            return Outcome(_enter(replace(draft, stay=stay), Step.SPICK))
        stay["codes"] = [r.code for r in regions.path(str(value))]
        return Outcome(_enter(replace(draft, stay=stay), Step.SSTART))
    if step == Step.SPICK:
        return _division_picked(draft, str(value))
    if step == Step.SSTART:
        stay["start"] = value
        return Outcome(_enter(replace(draft, stay=stay), Step.SEND))
    if step == Step.SEND:
        stay["end"] = value
        return Outcome(_enter(replace(draft, stay=stay), Step.STRANSIT))
    if step == Step.STRANSIT:
        stay["transit"] = value == steps.YES
        done = {k: v for k, v in stay.items() if v is not None}
        stays = (*draft.stays, done)
        # Back from the list goes to what came before it, not into the finished stay.
        history = draft.history
        if Step.STAYS in history:
            history = history[: len(history) - 1 - history[::-1].index(Step.STAYS)]
        return Outcome(
            _enter(replace(draft, stays=stays, stay={}, history=history), Step.STAYS, push=False)
        )
    return Outcome(draft, STALE)


# The origin (or, planning to leave, the destination) and how one came from it.
_WHERE_STEPS: Final = frozenset(
    (*ORDER[ORDER.index(Step.ORIGIN) : ORDER.index(Step.STAYS)], Step.TRANSPORT, Step.TNUM)
)


def _division_picked(draft: Draft, value: str) -> Outcome:
    """A press at SPICK: down a level, up a level, or the stay's division settled (a
    division, or none: the place then stays flagged until a person locates it)."""
    stay = dict(draft.stay)
    at = stay.pop("pick", None)
    if value == PICK_UP:
        above = regions.get(at) if at else None
        parent = above.parent if above else None
        moved = {**stay, "pick": parent} if parent else stay
        return Outcome(replace(draft, stay=moved, page=0))
    if value != UNLISTED and value != PICK_HERE and regions.children(value):
        return Outcome(replace(draft, stay={**stay, "pick": value}, page=0))
    settled = at if value == PICK_HERE else (None if value == UNLISTED else value)
    stay["codes"] = [r.code for r in regions.path(settled)] if settled else []
    return Outcome(_enter(replace(draft, stay=stay), Step.SSTART))


# --- typed answers ---------------------------------------------------------------------------


_TYPED_STEPS: Final = frozenset(
    {Step.PHONE, Step.IDNO, Step.TNUM, Step.TEMP, Step.ARRTIME, Step.COMPANIONS}
)


def not_text_refusal(draft: Draft) -> str:
    """Why a photo, sticker or file is no answer here: the question takes typing, or only
    its buttons."""
    step = draft.step
    typed = (
        step in steps.MAX_LENGTH
        or step == Step.SPICK
        or step in steps.REGION_STEPS
        or step in steps.DATE_STEPS
        or step in _TYPED_STEPS
    )
    return "declare-text-only" if typed else USE_BUTTONS


def answer(
    draft: Draft,
    text: str,
    *,
    today: date,
    lookback_days: int = DEFAULT_LOOKBACK_DAYS,
    fever_threshold: float = DEFAULT_FEVER_THRESHOLD,
) -> Outcome:
    """A typed answer to the current step: the next draft, or a refusal key. The arrival
    date must lie within the policy's look-back window of `lookback_days`; a temperature at
    or above `fever_threshold` is a fever (see FEVER_CHECK)."""
    step = draft.step
    if step == Step.SPICK:  # the place typed again, in another way
        step = Step.SPLACE
    if step in steps.MAX_LENGTH:
        cleaned = (
            steps.valid_name(text)
            if step == Step.NAME
            else steps.clean_text(text, steps.MAX_LENGTH[step])
        )
        if cleaned is None:
            return Outcome(draft, f"declare-invalid-{step}")
        if step == Step.SPLACE:
            return _place_typed(draft, cleaned)
        return _answered(draft, step, cleaned)
    if step in steps.REGION_STEPS:
        return _region_typed(draft, text)
    parsed: parse.Parsed[Any]
    if step == Step.PHONE:
        parsed = parse.parse_phone(text)
    elif step == Step.IDNO:
        kind = id_documents.IdType(draft.answers[Step.IDTYPE])
        parsed = id_documents.parse_number(kind, text, today=today)
    elif step == Step.TNUM:
        parsed = parse.parse_train_or_flight(text)
    elif step == Step.TEMP:
        parsed = parse.parse_temperature(text)
    elif step == Step.ARRTIME:
        found = parse.parse_time(text)
        parsed = found if found.value is None else parse.Parsed(found.value.isoformat("minutes"))
    elif step == Step.COMPANIONS:
        count = steps.parse_count(text, steps.MAX_COMPANIONS)
        parsed = (
            parse.Parsed(refusal="declare-invalid-companions")
            if count is None
            else (parse.Parsed(value=count))
        )
    elif step in steps.DATE_STEPS:
        return _date_typed(draft, text, today, lookback_days)
    else:
        return Outcome(draft, USE_BUTTONS)
    if parsed.value is None:
        return Outcome(draft, parsed.refusal)
    fever = fever_threshold if step == Step.TEMP else None
    return _answered(draft, step, parsed.value, fever_threshold=fever)


def _date_typed(draft: Draft, text: str, today: date, lookback_days: int) -> Outcome:
    step = draft.step
    found = steps.parse_typed_date(step, text, today, lookback_days)
    if found.value is None:
        window = steps.date_window(step, today, lookback_days)
        return Outcome(draft, found.refusal, params=refusal_params(found.refusal, window))
    day = found.value
    if step == Step.SEND and draft.stay.get("start") and day.isoformat() < draft.stay["start"]:
        return Outcome(draft, "declare-end-before-start")
    departure = draft.answers.get(Step.DEPART)
    if step == Step.PLANNED and isinstance(departure, str) and day.isoformat() < departure:
        return Outcome(draft, "declare-return-before-departure")
    if step in (Step.SSTART, Step.SEND):
        return _stay_step(draft, day.isoformat())
    return _answered(draft, step, day.isoformat())


def _region_typed(draft: Draft, text: str) -> Outcome:
    step = draft.step
    found = [r.code for r in match_place(text[:200], MATCH_LIMIT * 4)]
    if step != Step.PROV:
        parent = draft.answers.get(Step.PROV if step == Step.CITY else Step.CITY)
        found = [c for c in found if isinstance(parent, str) and regions.within(c, parent)]
        found = [c for c in found if c != parent]
    found = found[:MATCH_LIMIT]
    if not found:
        return Outcome(draft, "declare-region-unknown")
    moved = _enter(replace(draft, matches=tuple(found), match_for=step), REGION_MATCH)
    return Outcome(moved)


def _place_typed(draft: Draft, place: str) -> Outcome:
    """A place matched to a division when possible: one or more to choose from, else the
    divisions to pick level by level. Never kept silently without one (see SPICK)."""
    stay = {"place": place, "codes": []}
    found = tuple(r.code for r in match_place(place, MATCH_LIMIT))
    if not found:  # no matches kept: SPICK's question says none was found
        return Outcome(_enter(replace(draft, stay=stay, matches=(), match_for=""), Step.SPICK))
    moved = replace(draft, stay=stay, matches=found, match_for=Step.SPLACE)
    return Outcome(_enter(moved, Step.SMATCH))


def complete(draft: Draft) -> bool:
    """Every question that applies is answered and the attestation given."""
    return (
        draft.answers.get("attested") is True and _next_after(draft.answers, ORDER[-1]) == SUMMARY
    )
