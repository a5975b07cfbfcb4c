"""Table definitions. Only the storage package sees these; repositories hand out domain objects.

Enumerations (roles, unit kinds, languages, group purposes) are stored as plain strings and
validated by the domain's StrEnums when read, so adding a value never needs a schema change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.sealed import SealedBytes, SealedFloat, SealedJSON, SealedText

# Named constraints let later migrations drop or alter them by name on both databases
# (SQLite batch mode cannot find unnamed ones).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
AutoIncrementId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns timezone-aware UTC datetimes.

    SQLite has no timezone-aware type and hands back naive values, so UTC is stored there as
    naive text (which also keeps string comparison in WHERE clauses chronological).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive time is ambiguous; refusing it catches the bug where it is made.
            raise ValueError(f"naive datetime {value!r} given; pass a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UnitRow(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OrgVersionRow(Base):
    """One row: a token replaced whenever the unit tree changes (storage.repos.org), so that
    a process keeping the tree in memory knows when to read it again. A random token, not a
    counter: a change rolled back must never share its version with a later one."""

    __tablename__ = "org_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))


class PersonRow(Base):
    __tablename__ = "people"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(SealedText)  # sealed: storage/crypto.py
    # Telegram only lets a bot write privately to someone who has started it.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when Telegram refused a private message (403): blocked, or never started the bot.
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unreachable_reason: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoleAssignmentRow(Base):
    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("telegram_id", "unit_id", "role"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(ForeignKey("people.telegram_id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    granted_by: Mapped[int | None] = mapped_column(BigInteger)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatGroupRow(Base):
    __tablename__ = "chat_groups"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    join_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    bound_by: Mapped[int | None] = mapped_column(BigInteger)
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InviteRow(Base):
    __tablename__ = "invites"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedUpdateRow(Base):
    """Telegram redelivers updates after a crash or a slow webhook answer; these dedupe them."""

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuditLogRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(255))
    allowed: Mapped[bool] = mapped_column(Boolean)
    # Sealed: a detail may quote what a person typed.
    detail: Mapped[str | None] = mapped_column(SealedText)


class FsmStateRow(Base):
    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    # Sealed: a half-finished declaration holds the same answers as a filed one.
    data: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxRow(Base):
    """A message the bot sends on its own initiative, written with the change that caused it."""

    __tablename__ = "outbox"
    # The sender's claim: pending rows that are due, best priority first.
    __table_args__ = (Index("ix_outbox_due", "state", "priority", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    recipient_id: Mapped[int | None] = mapped_column(BigInteger)
    # Sealed: an alert to those who must call a resident carries the phone in full.
    text: Mapped[str] = mapped_column(SealedText)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(SealedJSON)
    priority: Mapped[int] = mapped_column(Integer)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sends that timed out or lost their connection after the request went out: Telegram may
    # have delivered them, so the message may have arrived more than once.
    uncertain_sends: Mapped[int] = mapped_column(Integer, server_default="0")
    # Set: the row edits the keyboard of this message sent to chat_id (domain.outbox.keyboard_edit).
    edit_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Set: a photo or document (domain.outbox.Media) with `text` as its caption. Its bytes and
    # name are sealed: a ledger sent as a document holds personal data.
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_name: Mapped[str | None] = mapped_column(SealedText)
    media_data: Mapped[bytes | None] = mapped_column(SealedBytes)
    media_file_id: Mapped[str | None] = mapped_column(String(255))


class ObligationRow(Base):
    """Something owed by a time; reminders and escalation are derived from it and its chain."""

    __tablename__ = "obligations"
    # Creating an obligation twice for the same thing must find the first one.
    __table_args__ = (UniqueConstraint("kind", "subject", "period"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(64))
    # Exactly one of the two: a person answers themselves, a unit through its liaisons.
    assignee_person: Mapped[int | None] = mapped_column(BigInteger)
    assignee_unit: Mapped[str | None] = mapped_column(String(40))
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16))
    step_reached: Mapped[int] = mapped_column(Integer)
    repeats_done: Mapped[int] = mapped_column(Integer)
    # NULL once closed or past its last step, so the clock's index holds only live rows' times.
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    excuse_reason: Mapped[str | None] = mapped_column(SealedText)  # may concern health
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chain: Mapped[str | None] = mapped_column(String(40))  # a named chain instead of the kind's


class EscalationLogRow(Base):
    """One row per recipient of every step taken (or skipped), for bulletins and accountability."""

    __tablename__ = "escalation_log"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    obligation_id: Mapped[int] = mapped_column(
        ForeignKey("obligations.id", ondelete="CASCADE"), index=True
    )
    step: Mapped[int] = mapped_column(Integer)
    repeat: Mapped[int] = mapped_column(Integer)
    # sent: queued to the recipient; superseded: skipped by catch-up; nobody: no one to tell.
    outcome: Mapped[str] = mapped_column(String(16))
    target: Mapped[str | None] = mapped_column(String(32))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    covering_for: Mapped[int | None] = mapped_column(BigInteger)
    message_key: Mapped[str] = mapped_column(String(64))
    outbox_key: Mapped[str | None] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AbsenceRow(Base):
    """`/away`: the person is away from `starts` through `until` (local dates, both included);
    their cover stands in. `starts` is NULL for an absence that began when it was set."""

    __tablename__ = "absences"

    telegram_id: Mapped[int] = mapped_column(
        ForeignKey("people.telegram_id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    starts: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportVersionRow(Base):
    """One filed version of a unit's daily report; a correction adds a version, never rewrites."""

    __tablename__ = "report_versions"
    __table_args__ = (UniqueConstraint("unit_code", "day", "version"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    day: Mapped[date] = mapped_column(Date, index=True)  # the reporting day, local
    version: Mapped[int] = mapped_column(Integer)  # 1 for the first filing
    zero: Mapped[bool] = mapped_column(Boolean)  # a one-tap zero report (零报告)
    answers: Mapped[dict[str, Any]] = mapped_column(SealedJSON)  # free-text notes included
    filed_by: Mapped[int] = mapped_column(BigInteger)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean)  # filed after that day's deadline


class DeclarationRow(Base):
    """A returnee's submitted declaration (返乡报备) and its current classification.

    `answers` is `domain.declaration_json.declaration_to_dict`; `places` repeats the region codes
    of the origin and the stays with their dates, so re-screening against a changed risk-area
    list reads one small column instead of every answer. A re-classification rewrites the
    classification columns and bumps `version`; an update by the resident is a new row that
    supersedes this one.
    """

    __tablename__ = "declarations"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(40), index=True)
    # The resident's Telegram id; NULL for a proxy declaration of someone without one.
    resident_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    filed_by: Mapped[int] = mapped_column(BigInteger)
    proxy: Mapped[bool] = mapped_column(Boolean)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The local day the measure's period starts (arrival, else planned return, else submission);
    # the look-back window of a re-screen ends on it.
    start_date: Mapped[date] = mapped_column(Date, index=True)
    # Sealed: name, phone, ID number, address, health answers, contacts (storage/crypto.py).
    answers: Mapped[dict[str, Any]] = mapped_column(SealedJSON)
    # The blind index (HMAC) of the declared phone: finds and de-duplicates by phone without
    # opening every declaration. NULL without a phone.
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    places: Mapped[list[Any]] = mapped_column(JSON)
    category: Mapped[str] = mapped_column(String(40))
    rule_name: Mapped[str] = mapped_column(String(64))
    measure: Mapped[dict[str, Any]] = mapped_column(JSON)
    immediate_report: Mapped[bool] = mapped_column(Boolean)
    risk_level: Mapped[str] = mapped_column(String(8))
    city_has_cases: Mapped[bool] = mapped_column(Boolean)
    matched: Mapped[list[Any]] = mapped_column(JSON)
    policy_version: Mapped[str] = mapped_column(String(64))
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)  # 1, then +1 per re-classification
    superseded_by: Mapped[int | None] = mapped_column(BigInteger)
    # The measure ended early by staff (解除): when, by whom and why; NULL while it runs (or
    # ended by date). The reason may concern the person's health: it is kept here, not audited.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by: Mapped[int | None] = mapped_column(BigInteger)
    release_reason: Mapped[str | None] = mapped_column(SealedText)
    # Stays no division matched that nobody has located yet (domain Stay.unlocated): kept
    # beside the answers so that /cases can list them without reading every declaration.
    unlocated_places: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Retention (services/retention.py): when the personal answers were erased; and an admin's
    # hold keeping a case under review from that (when, by whom, why).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by: Mapped[int | None] = mapped_column(BigInteger)
    hold_reason: Mapped[str | None] = mapped_column(SealedText)
    # The privacy notice the declaration was filed under (version, and when it was accepted;
    # for a proxy declaration, when the filer stated it was read to the person).
    notice_version: Mapped[str | None] = mapped_column(String(40))
    notice_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RiskAreaRow(Base):
    """One entry of the current high/mid-risk area list (中高风险地区)."""

    __tablename__ = "risk_areas"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(200))  # as the list gave it, for display
    level: Mapped[str] = mapped_column(String(8))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)  # inclusive; NULL: until lifted
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    loaded_by: Mapped[int | None] = mapped_column(BigInteger)  # NULL: loaded from the CLI


class CheckinRow(Base):
    """A monitored resident's daily health check-in (temperature and symptoms)."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("declaration_id", "day"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    # NULL once erased by the retention purge (`purged_at`); the row and day stay for counts.
    temperature: Mapped[float | None] = mapped_column(SealedFloat)
    symptoms: Mapped[list[Any]] = mapped_column(SealedJSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TestRecordRow(Base):
    """A test on a test day: done, then its result when known."""

    __test__ = False  # not a pytest class
    __tablename__ = "test_records"
    __table_args__ = (UniqueConstraint("declaration_id", "day"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    # negative / positive / pending; NULL once erased by the retention purge (`purged_at`):
    # the row says the test was done on its day, no longer what it found.
    result: Mapped[str | None] = mapped_column(SealedText)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[int] = mapped_column(BigInteger)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseActionRow(Base):
    """What staff did about a declaration's case: reached the person, or handled it."""

    __tablename__ = "case_actions"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    declaration_id: Mapped[int] = mapped_column(
        ForeignKey("declarations.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(SealedText)
    by: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class DraftLeaseRow(Base):
    """A half-finished dialog's expiry: the draft itself is in FSM storage (any backend); this
    row lets a job find expired drafts, clear them and tell the person."""

    __tablename__ = "draft_leases"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    dialog: Mapped[str] = mapped_column(String(32))  # e.g. "declaration"
    touched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class CorrectionRequestRow(Base):
    """A resident's request to correct what is held about them (/mydata), and the unit
    liaison's answer: pending, then accepted or refused with a reason."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigInteger, index=True)
    unit_code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(SealedText)  # what the resident says is wrong
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))  # pending / accepted / refused
    decided_by: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(SealedText)


class PrivacyNoticeAcceptanceRow(Base):
    """A person's acceptance of one version of the privacy notice shown before declaring: asked
    once per version, kept as the record of what they were told."""

    __tablename__ = "privacy_notice_acceptances"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReportBoardRow(Base):
    """The day's report board in a bound work or supervisors group: the message it lives in,
    so filings edit it in place, and whether a fresh render is owed (services.reports.boards).
    """

    __tablename__ = "report_boards"
    __table_args__ = (UniqueConstraint("chat_id", "day"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    unit_code: Mapped[str] = mapped_column(String(40))  # the group's unit: the board's subtree
    purpose: Mapped[str] = mapped_column(String(32))  # work / supervisors
    day: Mapped[date] = mapped_column(Date, index=True)  # the reporting day, local
    # Known once the sender has posted it; until then an edit would have nothing to edit.
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    dirty: Mapped[bool] = mapped_column(Boolean)  # a filing changed it since the last render
    closed: Mapped[bool] = mapped_column(Boolean)  # its last deadline has passed
    revision: Mapped[int] = mapped_column(Integer)  # edits written so far (dedupe keys)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last edit written
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeRepeatRow(Base):
    """A repeated notice (domain.notices.RepeatRule): its rule and the author's request, so the
    calendar creates each repetition as its own notice; cancelled by its author."""

    __tablename__ = "notice_repeats"

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger, index=True)
    rule: Mapped[dict[str, Any]] = mapped_column(JSON)  # kind, times, weekdays, until
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the NoticeRequest, without times
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(BigInteger)
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticeRow(Base):
    """A prevention notice (防控提示/通知) as sent, with its author's live status card."""

    __tablename__ = "notices"
    # One notice per repetition of a repeat: the calendar firing twice finds the first.
    __table_args__ = (UniqueConstraint("repeat_id", "occurrence"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    author_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)  # as the author wrote it (plain text)
    template_key: Mapped[str | None] = mapped_column(String(64))
    attachment: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # file_id, kind, name, size
    unit_codes: Mapped[list[Any]] = mapped_column(JSON)
    audiences: Mapped[list[Any]] = mapped_column(JSON)
    ack_required: Mapped[bool] = mapped_column(Boolean)
    ack_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urgent: Mapped[bool] = mapped_column(Boolean)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[str] = mapped_column(String(16))  # scheduled / sent / cancelled
    repeat_id: Mapped[int | None] = mapped_column(ForeignKey("notice_repeats.id"), index=True)
    occurrence: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the repeat's firing
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(Integer)
    # The author's status card: the message it lives in, edited in place when dirty.
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    card_dirty: Mapped[bool] = mapped_column(Boolean)
    card_revision: Mapped[int] = mapped_column(Integer)
    card_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeRecipientRow(Base):
    """One person a notice is sent to, and where they stand (domain.notices.RecipientState)."""

    __tablename__ = "notice_recipients"
    __table_args__ = (
        UniqueConstraint("notice_id", "kind", "unit_code", "person_id"),
        Index("ix_notice_recipients_person", "person_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # liaison / member
    unit_code: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(BigInteger)  # NULL: the unit has no liaison
    state: Mapped[str] = mapped_column(String(16))
    outbox_key: Mapped[str | None] = mapped_column(String(255))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by: Mapped[int | None] = mapped_column(BigInteger)
    question: Mapped[str | None] = mapped_column(SealedText)  # free text: may be personal
    question_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(SealedText)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NoticePostingRow(Base):
    """The notice in a unit's residents group (posted for the groups audience, or forwarded by
    the liaison in one tap), showing the unit's confirmation state as it changes."""

    __tablename__ = "notice_postings"
    __table_args__ = (UniqueConstraint("notice_id", "chat_id"),)

    id: Mapped[int] = mapped_column(AutoIncrementId, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(40))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    forwarded_by: Mapped[int | None] = mapped_column(BigInteger)  # NULL: the groups audience
    message_key: Mapped[str] = mapped_column(String(255))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    pinned: Mapped[bool] = mapped_column(Boolean)
    dirty: Mapped[bool] = mapped_column(Boolean)
    revision: Mapped[int] = mapped_column(Integer)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)
