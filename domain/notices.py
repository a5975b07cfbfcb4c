"""Prevention notices (防控提示/通知): what the author asks for, who must confirm, and the rules
of confirming, undoing and re-reminding.

Telegram tells a bot nothing about who read a message, so acknowledgement is a button press.
A notice goes to one or more audiences over the units in its scope:

- LIAISONS: each unit's liaisons; the *unit* confirms once (any of its liaisons may press), so
  the author's count is "32/40 单位已确认";
- MEMBERS: every person holding a role in the units; each person confirms for themselves;
- GROUPS: the units' bound residents groups, where it is posted and pinned. A group cannot
  press a button; its posting shows its unit's confirmation state instead.

Everything here is pure: services/notices/ stores and sends, texts/notice_render.py renders.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

# A recipient may take back "received" this long after pressing it (a slip of the thumb).
UNDO_WINDOW = timedelta(minutes=5)
# "再次提醒未确认" at most this often per notice (DingTalk's DING rule).
REMIND_INTERVAL = timedelta(minutes=5)
# Telegram's limits on what a bot may send (Bot API sendDocument / sendPhoto).
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# A message text (4096) less room for the header and the acknowledgement line.
MAX_TEXT_CHARS = 3500


class Audience(StrEnum):
    LIAISONS = "liaisons"  # each unit's liaisons; one confirmation per unit
    MEMBERS = "members"  # every member of the units; one confirmation per person
    GROUPS = "groups"  # the units' bound residents groups: posted and pinned


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file Telegram already holds: the bot re-sends it by `file_id`, never downloads it."""

    file_id: str
    kind: AttachmentKind
    file_name: str | None = None
    size: int | None = None  # bytes, as Telegram reported it

    def too_large(self) -> bool:
        limit = MAX_PHOTO_BYTES if self.kind is AttachmentKind.PHOTO else MAX_DOCUMENT_BYTES
        return self.size is not None and self.size > limit


@dataclass(frozen=True, slots=True)
class NoticeContent:
    """The notice as its author wrote it. `text` is plain text (escaped when rendered, so it
    is sent exactly as typed); a template notice keeps its key so each recipient can get it in
    their own language (`{unit}` filled with the recipient's unit)."""

    text: str
    template_key: str | None = None
    attachment: Attachment | None = None


class RepeatKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True)
class Repeat:
    """Send again at these local times, every day or on these weekdays (0 = Monday), through
    `until` (a local date, included)."""

    kind: RepeatKind
    times: tuple[time, ...]
    until: date
    weekdays: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.times:
            raise ValueError("a repeat needs at least one time")
        if self.kind is RepeatKind.WEEKLY and not self.weekdays:
            raise ValueError("a weekly repeat needs weekdays")
        if any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) to 6")


@dataclass(frozen=True, slots=True)
class NoticeRequest:
    """What the compose dialog hands over once everything is checked: the scope is already
    resolved to unit codes inside the author's subtree."""

    author_id: int
    content: NoticeContent
    unit_codes: tuple[str, ...]
    audiences: frozenset[Audience]
    ack_required: bool = True
    ack_by: datetime | None = None  # required when ack_required
    urgent: bool = False  # sent in quiet hours too
    send_at: datetime | None = None  # None: now
    repeat: Repeat | None = None

    def __post_init__(self) -> None:
        if not self.unit_codes:
            raise ValueError("a notice needs at least one unit")
        if not self.audiences:
            raise ValueError("a notice needs an audience")
        if self.ack_by is not None and self.ack_by.tzinfo is None:
            raise ValueError("ack_by must be timezone-aware")
        if self.send_at is not None and self.send_at.tzinfo is None:
            raise ValueError("send_at must be timezone-aware")
        if self.ack_required and self.ack_by is None:
            raise ValueError("acknowledgement needs a deadline")


class RecipientKind(StrEnum):
    LIAISON = "liaison"  # confirms for the unit
    MEMBER = "member"  # confirms for themselves


class RecipientState(StrEnum):
    QUEUED = "queued"  # in the outbox
    SENT = "sent"  # Telegram accepted it
    UNREACHABLE = "unreachable"  # 403: never started the bot or blocked it (or no liaison)
    ACKNOWLEDGED = "acknowledged"
    QUESTION = "question"  # asked a question instead (still unconfirmed)

    @property
    def confirmed(self) -> bool:
        return self is RecipientState.ACKNOWLEDGED


@dataclass(frozen=True, slots=True)
class NoticeRecipient:
    id: int
    notice_id: int
    kind: RecipientKind
    unit_code: str
    person_id: int | None  # None: a unit without a liaison, nobody to send to
    state: RecipientState
    outbox_key: str | None
    acknowledged_at: datetime | None = None
    acknowledged_by: int | None = None
    question: str | None = None
    question_at: datetime | None = None
    reminded_at: datetime | None = None
    sent_at: datetime | None = None  # when Telegram accepted the message, once carried over

    @property
    def confirmed(self) -> bool:
        return self.state.confirmed

    @property
    def confirms_for(self) -> str:
        """What one confirmation counts for: the unit, or the person."""
        if self.kind is RecipientKind.LIAISON:
            return f"unit:{self.unit_code}"
        return f"person:{self.person_id}"


class NoticeState(StrEnum):
    SCHEDULED = "scheduled"  # its messages wait for send_at in the outbox
    SENT = "sent"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Notice:
    id: int
    author_id: int
    content: NoticeContent
    unit_codes: tuple[str, ...]
    audiences: frozenset[Audience]
    ack_required: bool
    ack_by: datetime | None
    urgent: bool
    send_at: datetime
    created_at: datetime
    state: NoticeState = NoticeState.SENT
    repeat_id: int | None = None
    last_reminded_at: datetime | None = None
    reminders: int = 0  # re-reminds sent so far (dedupe keys)


@dataclass(frozen=True, slots=True)
class Tally:
    """The author's count: confirmations per unit (liaisons) and per person (members)."""

    units_total: int = 0
    units_confirmed: int = 0
    people_total: int = 0
    people_confirmed: int = 0
    unreachable: int = 0
    questions: int = 0
    postings: int = 0  # group postings (audience and forwards)

    @property
    def total(self) -> int:
        return self.units_total + self.people_total

    @property
    def confirmed(self) -> int:
        return self.units_confirmed + self.people_confirmed

    @property
    def rate(self) -> float:
        return self.confirmed / self.total if self.total else 1.0


def tally(recipients: Iterable[NoticeRecipient], postings: int = 0) -> Tally:
    """Count confirmations: a unit is confirmed when any of its liaison rows is."""
    units: dict[str, bool] = {}
    people: dict[int, bool] = {}
    unreachable = questions = 0
    for r in recipients:
        if r.kind is RecipientKind.LIAISON:
            units[r.unit_code] = units.get(r.unit_code, False) or r.confirmed
        elif r.person_id is not None:
            people[r.person_id] = people.get(r.person_id, False) or r.confirmed
        unreachable += r.state is RecipientState.UNREACHABLE
        questions += r.question is not None
    return Tally(
        units_total=len(units),
        units_confirmed=sum(units.values()),
        people_total=len(people),
        people_confirmed=sum(people.values()),
        unreachable=unreachable,
        questions=questions,
        postings=postings,
    )


def unconfirmed(recipients: Sequence[NoticeRecipient]) -> list[NoticeRecipient]:
    """Recipients whose unit (liaisons) or self (members) has not confirmed, in order."""
    done = {r.confirms_for for r in recipients if r.confirmed}
    return [r for r in recipients if r.confirms_for not in done]


# --- the rules of pressing buttons -----------------------------------------------------------


class Refusal(StrEnum):
    """Why a press or request is refused; each is a message key `ntc-refused-<value>`."""

    NOT_YOURS = "not-yours"
    CANCELLED = "cancelled"
    ALREADY = "already"  # confirmed already (by them or, for a unit, by another liaison)
    NOT_ACKNOWLEDGED = "not-acknowledged"  # nothing to undo
    UNDO_EXPIRED = "undo-expired"
    REMIND_TOO_SOON = "remind-too-soon"
    NOTHING_TO_REMIND = "nothing-to-remind"
    NO_ACK = "no-ack"  # acknowledgement was not asked for
    EMPTY = "empty"  # an empty question or answer
    NO_GROUP = "no-group"  # the unit has no residents group bound


def can_acknowledge(recipient: NoticeRecipient, notice: Notice) -> Refusal | None:
    if notice.state is NoticeState.CANCELLED:
        return Refusal.CANCELLED
    if recipient.confirmed:
        return Refusal.ALREADY
    return None


def can_undo(recipient: NoticeRecipient, now: datetime) -> Refusal | None:
    """Only the recipient's own confirmation, and only within UNDO_WINDOW of it."""
    if not recipient.confirmed or recipient.acknowledged_at is None:
        return Refusal.NOT_ACKNOWLEDGED
    if now - recipient.acknowledged_at > UNDO_WINDOW:
        return Refusal.UNDO_EXPIRED
    return None


def can_remind(notice: Notice, pending: int, now: datetime) -> Refusal | None:
    """A re-remind goes to the unconfirmed only, at most every REMIND_INTERVAL."""
    if notice.state is NoticeState.CANCELLED:
        return Refusal.CANCELLED
    if not notice.ack_required:
        return Refusal.NO_ACK
    if notice.last_reminded_at is not None and now - notice.last_reminded_at < REMIND_INTERVAL:
        return Refusal.REMIND_TOO_SOON
    if pending == 0:
        return Refusal.NOTHING_TO_REMIND
    return None


def next_remind_at(notice: Notice) -> datetime | None:
    if notice.last_reminded_at is None:
        return None
    return notice.last_reminded_at + REMIND_INTERVAL


@dataclass(frozen=True, slots=True)
class StatusCard:
    """The author's live card: one row per notice, edited in place, coalesced."""

    notice_id: int
    message_key: str  # the dedupe key of its first post
    message_id: int | None
    dirty: bool
    revision: int
    edited_at: datetime | None


@dataclass(frozen=True, slots=True)
class Posting:
    """The notice in a unit's residents group: posted for the GROUPS audience or forwarded by
    the unit's liaison; it shows the unit's confirmation state, edited as it changes."""

    id: int
    notice_id: int
    unit_code: str
    chat_id: int
    forwarded_by: int | None  # None: posted for the GROUPS audience
    message_key: str
    message_id: int | None
    pinned: bool
    dirty: bool
    revision: int
    edited_at: datetime | None
    posted_at: datetime


@dataclass(frozen=True, slots=True)
class RepeatRule:
    """A stored repeat: the rule and the request each repetition is created from."""

    id: int
    author_id: int
    repeat: Repeat
    request: NoticeRequest
    created_at: datetime
    cancelled_at: datetime | None = None
    last_fired_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


def occurrences(repeat: Repeat, day: date) -> list[time]:
    """The local times a repeat fires on `day` (none after `until`)."""
    if day > repeat.until:
        return []
    if repeat.kind is RepeatKind.WEEKLY and day.weekday() not in repeat.weekdays:
        return []
    return sorted(repeat.times)


@dataclass(frozen=True, slots=True)
class Interval:
    """A coalescing window (the card and postings are edited at most once in it)."""

    every: timedelta = field(default=timedelta(seconds=3))

    def due(self, edited_at: datetime | None, now: datetime) -> bool:
        return edited_at is None or now - edited_at >= self.every
