"""The outbox: messages the bot sends on its own initiative, and what to do when one fails.

Everything here is pure. The sender (outbox/sender.py) classifies a Telegram error into a
`Failure`, asks `decide` what to do, and storage records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum
from typing import Any


class Priority(IntEnum):
    """Lower goes first: an escalation must not wait behind a thousand notices."""

    ALERT = 0  # alerts and escalations
    REMINDER = 1
    NOTICE = 2  # notices and summaries


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # Telegram refused the message itself, or retries ran out
    UNREACHABLE = "unreachable"  # the recipient blocked the bot or never started it
    # Taken back before it was sent: what it asked for was done another way (a return
    # declared before the planned day withdraws the reminder to declare it).
    WITHDRAWN = "withdrawn"


class MediaKind(StrEnum):
    PHOTO = "photo"  # sendPhoto: shown inline (a chart)
    DOCUMENT = "document"  # sendDocument: a file to save (a ledger)


@dataclass(frozen=True, slots=True)
class Media:
    """A photo or a document sent with a message: its bytes, or a Telegram file_id of a file
    sent before (which saves uploading it again). The message's `text` is its caption."""

    kind: MediaKind
    filename: str
    data: bytes | None = None
    file_id: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.file_id is None):
            raise ValueError("media needs either its bytes or a file_id")


# Telegram's limit for a photo's or a document's caption (a text message may hold 4096).
CAPTION_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message to send; `dedupe_key` makes writing it twice harmless."""

    dedupe_key: str
    chat_id: int
    text: str  # Telegram HTML
    not_before: datetime
    priority: Priority = Priority.NOTICE
    reply_markup: dict[str, Any] | None = None  # Bot API JSON, e.g. {"inline_keyboard": ...}
    recipient_id: int | None = None  # the person a private message is for
    # Set: no new message, but this message the bot sent to `chat_id` edited: with an empty
    # `text` only its keyboard is replaced by `reply_markup` (None takes it away), see
    # `keyboard_edit`; with a text, its text and keyboard both, see `text_edit`.
    edit_message_id: int | None = None
    # Set: a photo or document with `text` as its caption (see `media_message`).
    media: Media | None = None

    def __post_init__(self) -> None:
        if self.media is not None and self.edit_message_id is not None:
            raise ValueError("an edit cannot carry media")

    @property
    def is_edit(self) -> bool:
        return self.edit_message_id is not None

    @property
    def edits_text(self) -> bool:
        return self.edit_message_id is not None and self.text != ""

    @classmethod
    def private(
        cls,
        dedupe_key: str,
        telegram_id: int,
        text: str,
        not_before: datetime,
        priority: Priority = Priority.NOTICE,
        reply_markup: dict[str, Any] | None = None,
    ) -> OutboxMessage:
        """A message to one person: their Telegram id is their private chat's."""
        return cls(
            dedupe_key,
            telegram_id,
            text,
            not_before,
            priority,
            reply_markup,
            recipient_id=telegram_id,
        )


def media_message(
    dedupe_key: str,
    chat_id: int,
    media: Media,
    *,
    not_before: datetime,
    caption: str = "",
    priority: Priority = Priority.NOTICE,
    recipient_id: int | None = None,
) -> OutboxMessage:
    """A photo or document with an optional caption (Telegram HTML, at most `CAPTION_LIMIT`
    characters: a longer text goes in a message of its own, written before it)."""
    if len(caption) > CAPTION_LIMIT:
        raise ValueError(f"a caption holds at most {CAPTION_LIMIT} characters")
    return OutboxMessage(
        dedupe_key=dedupe_key,
        chat_id=chat_id,
        text=caption,
        not_before=not_before,
        priority=priority,
        recipient_id=recipient_id,
        media=media,
    )


def keyboard_edit(
    dedupe_key: str,
    chat_id: int,
    message_id: int,
    *,
    not_before: datetime,
    reply_markup: dict[str, Any] | None = None,
    recipient_id: int | None = None,
) -> OutboxMessage:
    """Replace (or, without `reply_markup`, take away) the keyboard of a message already sent:
    buttons that can only be refused any more. Written like a message, in the transaction that
    made them stale, and sent under the same limits, after it commits."""
    return OutboxMessage(
        dedupe_key=dedupe_key,
        chat_id=chat_id,
        text="",
        not_before=not_before,
        priority=Priority.NOTICE,
        reply_markup=reply_markup,
        recipient_id=recipient_id,
        edit_message_id=message_id,
    )


def text_edit(
    dedupe_key: str,
    chat_id: int,
    message_id: int,
    text: str,
    *,
    not_before: datetime,
    reply_markup: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Replace the text (and keyboard) of a message already sent, e.g. a group's report board
    as reports arrive. `text` must not be empty: an empty one would only edit the keyboard.
    Sent under the same limits as a message; its permanent failures alert nobody."""
    if not text:
        raise ValueError("a text edit needs a text")
    return OutboxMessage(
        dedupe_key=dedupe_key,
        chat_id=chat_id,
        text=text,
        not_before=not_before,
        priority=Priority.NOTICE,
        reply_markup=reply_markup,
        edit_message_id=message_id,
    )


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A stored outbox row."""

    id: int
    message: OutboxMessage
    state: OutboxState
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_message_id: int | None
    created_at: datetime
    sent_at: datetime | None
    uncertain_sends: int = 0  # sends that may have been delivered although not confirmed

    @property
    def chat_id(self) -> int:
        return self.message.chat_id


# --- Failures and the policy -----------------------------------------------------------------


class FailureKind(StrEnum):
    RETRY_AFTER = "retry_after"  # 429 flood control
    SERVER_ERROR = "server_error"  # 5xx
    NETWORK_ERROR = "network_error"  # the request never reached Telegram (no connection)
    # Timed out or cut off after the request went out: Telegram may have acted on it.
    UNKNOWN_OUTCOME = "unknown_outcome"
    FORBIDDEN = "forbidden"  # 403: blocked, never started, removed from the group
    BAD_REQUEST = "bad_request"  # 400: the message itself is wrong
    MIGRATED = "migrated"  # 400 with migrate_to_chat_id: the group became a supergroup
    UNAUTHORIZED = "unauthorized"  # 401: the bot's token was revoked or is wrong


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    description: str = ""
    retry_after: float | None = None
    new_chat_id: int | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for transient errors: base * 2**(attempt-1), at most max_delay, max_attempts."""

    base_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=10)
    max_attempts: int = 8

    def __post_init__(self) -> None:
        if self.base_delay <= timedelta(0) or self.max_delay < self.base_delay:
            raise ValueError("need 0 < base_delay <= max_delay")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, attempts: int) -> timedelta:
        # The exponent is capped so that a huge attempt count cannot overflow the float.
        factor = 1 << min(max(attempts - 1, 0), 40)
        return min(self.max_delay, self.base_delay * factor)


@dataclass(frozen=True, slots=True)
class Retry:
    at: datetime
    reason: str
    counts: bool = True  # False when Telegram asked us to wait: not the message's fault


@dataclass(frozen=True, slots=True)
class GiveUp:
    reason: str
    quiet: bool = False  # nobody needs to hear of it (see `decide_edit`)


@dataclass(frozen=True, slots=True)
class MarkUnreachable:
    reason: str


@dataclass(frozen=True, slots=True)
class MoveChat:
    new_chat_id: int


Decision = Retry | GiveUp | MarkUnreachable | MoveChat


# How long the sender waits after a 401 before trying again.
UNAUTHORIZED_PAUSE = timedelta(minutes=1)


def decide(failure: Failure, attempts: int, now: datetime, policy: RetryPolicy) -> Decision:
    """What to do after the `attempts`-th attempt (counting this one) failed with `failure`."""
    reason = f"{failure.kind.value}: {failure.description}".rstrip(": ")
    match failure.kind:
        case FailureKind.RETRY_AFTER:
            # Flood control says nothing about the message; waiting as told is always right,
            # and the sender paces itself so this stays rare.
            wait = max(failure.retry_after or 1.0, 0.0)
            return Retry(now + timedelta(seconds=wait), reason, counts=False)
        case FailureKind.SERVER_ERROR | FailureKind.NETWORK_ERROR | FailureKind.UNKNOWN_OUTCOME:
            # An unknown outcome is sent again, as after a crash: at least once. A message
            # that may be doubled beats an alert that may be lost; the sender counts these.
            if attempts >= policy.max_attempts:
                return GiveUp(f"{reason} (gave up after {attempts} attempts)")
            return Retry(now + policy.backoff(attempts), reason)
        case FailureKind.FORBIDDEN:
            return MarkUnreachable(reason)
        case FailureKind.MIGRATED:
            if failure.new_chat_id is None:
                return GiveUp(f"{reason} (no new chat id given)")
            return MoveChat(failure.new_chat_id)
        case FailureKind.BAD_REQUEST:
            # Sending the same malformed message again can only fail the same way.
            return GiveUp(reason)
        case FailureKind.UNAUTHORIZED:
            # Nothing is wrong with the message: every send fails until an operator fixes the
            # token. Waiting without counting keeps the messages for when that happens.
            return Retry(now + UNAUTHORIZED_PAUSE, reason, counts=False)
    raise AssertionError(failure.kind)  # pragma: no cover - the match is exhaustive


def decide_edit(failure: Failure, attempts: int, now: datetime, policy: RetryPolicy) -> Decision:
    """`decide` for a keyboard edit: transient failures are retried as for a message; any other
    ends it quietly. The message is gone or can no longer be edited, the person blocked the bot,
    the group moved (its message ids did not): the buttons left are refused when pressed, and
    whether a person can still be written to is for a real message to find out, not for a
    cosmetic edit to alert a human about."""
    decision = decide(failure, attempts, now, policy)
    match decision:
        case Retry():
            return decision
        case GiveUp(reason=reason) | MarkUnreachable(reason=reason):
            return GiveUp(reason, quiet=True)
    return GiveUp(f"{failure.kind.value}: {failure.description}".rstrip(": "), quiet=True)


def is_private_chat(chat_id: int) -> bool:
    """Telegram gives users positive ids and groups and channels negative ones."""
    return chat_id > 0
