"""The /notice compose dialog's draft: its steps, what each accepts, and the scope it resolves
to. Pure: the handler stores the draft (`to_dict`) in FSM storage, so it survives restarts,
and reads it back with `from_dict`, which refuses a stored draft that no longer fits.

Nothing here trusts its input: a typed time in the past, a unit outside the author's subtree
or a value no step offers comes back as a refusal key, and the draft is kept as it was."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from domain.notices import (
    MAX_TEXT_CHARS,
    Attachment,
    AttachmentKind,
    Audience,
    NoticeContent,
    NoticeRequest,
    Repeat,
    RepeatKind,
    occurrences,
)
from domain.org import OrgTree, UnitKind

MAX_TEXT = MAX_TEXT_CHARS
MAX_CAPTION = 1000  # a photo's or file's caption: 1024 in Telegram, with the same room
MAX_TIMES = 4  # a repeat's times a day
MAX_REPEAT_DAYS = 366  # a repeat ends within a year


class Step(StrEnum):
    TEXT = "text"
    ATTACH = "att"
    SCOPE = "scope"
    UNITS = "units"
    KINDS = "kinds"
    AUDIENCE = "aud"
    WHEN = "when"
    AT = "at"
    WEEKDAYS = "wd"
    TIMES = "times"
    UNTIL = "until"
    ACK = "ack"
    ACK_BY = "ackby"
    PREVIEW = "prev"


TYPED_STEPS = frozenset({Step.TEXT, Step.ATTACH, Step.AT, Step.TIMES, Step.UNTIL, Step.ACK_BY})


class ScopeMode(StrEnum):
    ALL = "all"  # the author's whole subtree
    UNITS = "units"  # chosen units, each with the units below it
    KINDS = "kinds"  # the subtree's units of chosen kinds


class When(StrEnum):
    NOW = "now"
    AT = "at"
    DAILY = "daily"
    WEEKLY = "weekly"


AUDIENCES = tuple(audience.value for audience in Audience)


@dataclass(frozen=True, slots=True)
class Draft:
    step: Step = Step.TEXT
    text: str = ""
    template: str | None = None
    attachment: Attachment | None = None
    scope: ScopeMode | None = None
    units: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    when: When | None = None
    send_at: datetime | None = None
    weekdays: tuple[int, ...] = ()  # 0 (Monday) to 6, as domain.notices.Repeat
    times: tuple[time, ...] = ()
    until: date | None = None
    ack: bool | None = None
    ack_by: datetime | None = None  # a one-off notice's deadline
    ack_time: time | None = None  # a repeat's deadline on each repetition's day
    urgent: bool = False
    browsing: str = ""  # the tree level shown while choosing units ("" the top)

    @property
    def repeats(self) -> bool:
        return self.when in (When.DAILY, When.WEEKLY)


@dataclass(frozen=True, slots=True)
class Outcome:
    draft: Draft
    refusal: str | None = None  # a message key; the draft is unchanged when set
    params: Mapping[str, Any] = field(default_factory=dict)


def refused(draft: Draft, key: str, **params: Any) -> Outcome:
    return Outcome(draft, key, params)


# --- typed answers -------------------------------------------------------------------------

_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")
_MOMENT = re.compile(r"^(?:(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})\s+)?(\S+)$")
_DAY = re.compile(r"^(?:(\d{4})[-/.])?(\d{1,2})[-/.](\d{1,2})$")


def parse_clock(text: str) -> time | None:
    match = _CLOCK.match(text.strip())
    return time(int(match[1]), int(match[2])) if match else None


def parse_moment(text: str, now: datetime, zone: tzinfo) -> datetime | None:
    """ "18:00" (today), "11-24 18:00" or "2026-11-24 18:00", local time in `zone`."""
    match = _MOMENT.match(" ".join(text.split()))
    if match is None:
        return None
    clock = parse_clock(match[4])
    if clock is None:
        return None
    local = now.astimezone(zone)
    try:
        day = (
            date(int(match[1] or local.year), int(match[2]), int(match[3]))
            if match[2]
            else local.date()
        )
    except ValueError:
        return None
    return datetime.combine(day, clock, tzinfo=zone)


def parse_day(text: str, today: date) -> date | None:
    match = _DAY.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1] or today.year), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_times(text: str) -> tuple[time, ...] | None:
    parts = [part for part in re.split(r"[,，、\s]+", text.strip()) if part]
    times = [parse_clock(part) for part in parts]
    if not parts or any(t is None for t in times):
        return None
    return tuple(sorted({t for t in times if t is not None}))


def give_text(draft: Draft, text: str) -> Outcome:
    text = text.strip()
    if not text:
        return refused(draft, "ncp-text-empty")
    if len(text) > MAX_TEXT:
        return refused(draft, "ncp-text-long", most=MAX_TEXT, given=len(text))
    return Outcome(replace(draft, text=text, template=None, step=Step.ATTACH))


def give_attachment(draft: Draft, attachment: Attachment, caption: str | None) -> Outcome:
    """A photo or file: on the text step its caption is the text; on the attachment step
    a caption replaces the text typed before."""
    if attachment.too_large():
        most = 10 if attachment.kind is AttachmentKind.PHOTO else 50
        return refused(draft, "ncp-file-large", most=most)
    caption = (caption or "").strip()
    if len(caption) > MAX_CAPTION:
        return refused(draft, "ncp-caption-long", most=MAX_CAPTION)
    if draft.step is Step.TEXT and not caption:
        return refused(draft, "ncp-text-empty")
    text = caption or draft.text
    if draft.attachment is None and len(text) > MAX_CAPTION:
        # The text goes as the file's caption, which Telegram keeps short.
        return refused(draft, "ncp-caption-long", most=MAX_CAPTION)
    template = None if caption else draft.template
    return Outcome(
        replace(draft, text=text, template=template, attachment=attachment, step=Step.SCOPE)
    )


def give_moment(draft: Draft, text: str, now: datetime, zone: tzinfo) -> Outcome:
    """The send time (AT) or a one-off notice's acknowledgement deadline (ACK_BY)."""
    if draft.step is Step.ACK_BY and draft.repeats:
        clock = parse_clock(text)
        if clock is None:
            return refused(draft, "ncp-time-bad")
        return Outcome(replace(draft, ack_time=clock, step=Step.PREVIEW))
    moment = parse_moment(text, now, zone)
    if moment is None:
        return refused(draft, "ncp-moment-bad")
    if draft.step is Step.AT:
        if moment <= now:
            return refused(draft, "ncp-past")
        if moment > now + timedelta(days=MAX_REPEAT_DAYS):
            return refused(draft, "ncp-too-far")
        return Outcome(replace(draft, send_at=moment, step=_after_when(draft, moment)))
    sent = draft.send_at if draft.when is When.AT and draft.send_at else now
    if moment <= sent:
        return refused(draft, "ncp-ack-before-send")
    return Outcome(replace(draft, ack_by=moment, step=Step.PREVIEW))


def _after_when(draft: Draft, send_at: datetime | None) -> Step:
    """After the sending time: the acknowledgement question, or straight back to the
    preview when it was answered already and still fits (a time asked again because it had
    passed by the time the author pressed send)."""
    if draft.ack is None:
        return Step.ACK
    if draft.ack and not draft.repeats:
        fits = draft.ack_by is not None and (send_at is None or draft.ack_by > send_at)
        return Step.PREVIEW if fits else Step.ACK_BY
    if draft.ack and draft.ack_time is None:
        return Step.ACK_BY
    return Step.PREVIEW


def give_times(draft: Draft, text: str) -> Outcome:
    times = parse_times(text)
    if times is None:
        return refused(draft, "ncp-times-bad")
    if len(times) > MAX_TIMES:
        return refused(draft, "ncp-times-many", most=MAX_TIMES)
    return Outcome(replace(draft, times=times, step=Step.UNTIL))


def give_until(draft: Draft, text: str, today: date) -> Outcome:
    day = parse_day(text, today)
    if day is None:
        return refused(draft, "ncp-day-bad")
    if day < today:
        return refused(draft, "ncp-past")
    if day > today + timedelta(days=MAX_REPEAT_DAYS):
        return refused(draft, "ncp-too-far")
    return Outcome(replace(draft, until=day, step=_after_when(draft, None)))


# --- scope ---------------------------------------------------------------------------------


def kinds_in(tree: OrgTree, allowed: Iterable[str]) -> list[str]:
    """The unit kinds among `allowed`, in the order UnitKind declares them."""
    present = {tree.get(code).kind for code in allowed if code in tree}
    return [kind.value for kind in UnitKind if kind in present]


def scope_units(tree: OrgTree, allowed: Sequence[str], draft: Draft) -> list[str]:
    """The unit codes the notice goes to, within `allowed` (the author's subtree, checked
    again at each step and at sending), in tree order."""
    permitted = [code for code in allowed if code in tree]
    if draft.scope is ScopeMode.ALL:
        chosen = set(permitted)
    elif draft.scope is ScopeMode.UNITS:
        # A chosen unit brings the units below it; one no longer allowed brings nothing.
        chosen = {
            unit.code for code in draft.units if code in permitted for unit in tree.subtree(code)
        } & set(permitted)
    elif draft.scope is ScopeMode.KINDS:
        chosen = {code for code in permitted if tree.get(code).kind.value in draft.kinds}
    else:
        chosen = set()
    return sorted(chosen, key=tree.path)


def toggle(values: tuple[Any, ...], value: Any) -> tuple[Any, ...]:
    return tuple(v for v in values if v != value) if value in values else (*values, value)


# --- stored form ---------------------------------------------------------------------------


def to_dict(draft: Draft) -> dict[str, Any]:
    attachment = draft.attachment
    return {
        "step": draft.step.value,
        "text": draft.text,
        "template": draft.template,
        "attachment": None
        if attachment is None
        else {
            "file_id": attachment.file_id,
            "kind": attachment.kind.value,
            "name": attachment.file_name,
            "size": attachment.size,
        },
        "scope": draft.scope.value if draft.scope else None,
        "units": list(draft.units),
        "kinds": list(draft.kinds),
        "audiences": list(draft.audiences),
        "when": draft.when.value if draft.when else None,
        "send_at": draft.send_at.isoformat() if draft.send_at else None,
        "weekdays": list(draft.weekdays),
        "times": [t.strftime("%H:%M") for t in draft.times],
        "until": draft.until.isoformat() if draft.until else None,
        "ack": draft.ack,
        "ack_by": draft.ack_by.isoformat() if draft.ack_by else None,
        "ack_time": draft.ack_time.strftime("%H:%M") if draft.ack_time else None,
        "urgent": draft.urgent,
        "browsing": draft.browsing,
    }


def from_dict(data: Any) -> Draft:
    """Raises ValueError (or TypeError/KeyError, also caught by the caller) for a stored
    draft that does not fit this version."""
    if not isinstance(data, dict):
        raise ValueError("not a draft")
    raw = data.get("attachment")
    attachment = (
        None
        if raw is None
        else Attachment(
            str(raw["file_id"]), AttachmentKind(raw["kind"]), raw.get("name"), raw.get("size")
        )
    )

    def strings(key: str) -> tuple[str, ...]:
        values = data.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(key)
        return tuple(values)

    def maybe(key: str, read: Any) -> Any:
        value = data.get(key)
        return None if value is None else read(value)

    weekdays = tuple(int(day) for day in data.get("weekdays") or [])
    if any(not 0 <= day <= 6 for day in weekdays):
        raise ValueError("weekdays")
    audiences = strings("audiences")
    if set(audiences) - set(AUDIENCES):
        raise ValueError("audiences")
    ack = data.get("ack")
    if ack is not None and not isinstance(ack, bool):
        raise ValueError("ack")
    return Draft(
        step=Step(data["step"]),
        text=str(data.get("text") or ""),
        template=maybe("template", str),
        attachment=attachment,
        scope=maybe("scope", ScopeMode),
        units=strings("units"),
        kinds=strings("kinds"),
        audiences=audiences,
        when=maybe("when", When),
        send_at=maybe("send_at", datetime.fromisoformat),
        weekdays=weekdays,
        times=tuple(time.fromisoformat(t) for t in strings("times")),
        until=maybe("until", date.fromisoformat),
        ack=ack,
        ack_by=maybe("ack_by", datetime.fromisoformat),
        ack_time=maybe("ack_time", time.fromisoformat),
        urgent=bool(data.get("urgent", False)),
        browsing=str(data.get("browsing") or ""),
    )


# --- the request handed to the sending service ----------------------------------------------


def firings(repeat: Repeat, after: datetime, upto: datetime, zone: tzinfo) -> list[datetime]:
    """The repeat's firings in (`after`, `upto`], local times in `zone`, oldest first."""
    day = after.astimezone(zone).date()
    last = min(upto.astimezone(zone).date(), repeat.until)
    found = []
    while day <= last:
        for clock in occurrences(repeat, day):
            moment = datetime.combine(day, clock, tzinfo=zone)
            if after < moment <= upto:
                found.append(moment)
        day += timedelta(days=1)
    return found


def first_occurrence(repeat: Repeat, after: datetime, zone: tzinfo) -> datetime | None:
    """The repeat's first firing strictly after `after` (within its end), or None."""
    upto = datetime.combine(repeat.until, time.max, tzinfo=zone)
    # A weekly repeat fires within 8 days of any day, unless it has ended.
    found = firings(repeat, after, min(upto, after + timedelta(days=8)), zone)
    return found[0] if found else None


def _repeat(draft: Draft) -> Repeat | None:
    if not draft.repeats or draft.until is None or not draft.times:
        return None
    kind = RepeatKind.DAILY if draft.when is When.DAILY else RepeatKind.WEEKLY
    return Repeat(
        kind, draft.times, draft.until, draft.weekdays if kind is RepeatKind.WEEKLY else ()
    )


def build_request(
    draft: Draft, author_id: int, unit_codes: Sequence[str], now: datetime, zone: tzinfo
) -> NoticeRequest | Outcome:
    """The request for a finished draft, or a refusal with the step to ask again (a time
    that has passed while the author looked at the preview)."""
    if not unit_codes:
        return refused(replace(draft, step=Step.SCOPE), "ncp-scope-empty")
    repeat = _repeat(draft)
    send_at: datetime | None = None
    if draft.when is When.AT:
        if draft.send_at is None or draft.send_at <= now:
            return refused(replace(draft, step=Step.AT), "ncp-past")
        send_at = draft.send_at
    elif repeat is not None:
        send_at = first_occurrence(repeat, now, zone)
        if send_at is None:
            return refused(replace(draft, step=Step.UNTIL), "ncp-repeat-none")
    ack_by: datetime | None = None
    if draft.ack and repeat is not None and send_at is not None and draft.ack_time is not None:
        # Kept by the repeat as a delay after each firing: that day's time, or the next day's.
        ack_by = datetime.combine(send_at.astimezone(zone).date(), draft.ack_time, tzinfo=zone)
        if ack_by <= send_at:
            ack_by += timedelta(days=1)
    elif draft.ack:
        if draft.ack_by is None or draft.ack_by <= (send_at or now):
            return refused(replace(draft, step=Step.ACK_BY), "ncp-ack-before-send")
        ack_by = draft.ack_by
    content = NoticeContent(
        text=draft.text, template_key=draft.template, attachment=draft.attachment
    )
    return NoticeRequest(
        author_id=author_id,
        content=content,
        unit_codes=tuple(unit_codes),
        audiences=frozenset(Audience(a) for a in draft.audiences),
        ack_required=bool(draft.ack),
        ack_by=ack_by,
        urgent=draft.urgent,
        send_at=send_at,
        repeat=repeat,
    )
