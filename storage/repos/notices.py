"""Prevention notices (domain.notices): the notices, their recipients' states, the author's
status card, the postings in residents groups, and repeated notices' rules.

Like every repository it flushes but never commits. Changes that a card or a posting must show
mark it dirty and wake the refresher (topic NOTICES) once the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Update, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.notices import (
    Attachment,
    AttachmentKind,
    Audience,
    Notice,
    NoticeContent,
    NoticeRecipient,
    NoticeRequest,
    NoticeState,
    Posting,
    RecipientKind,
    RecipientState,
    Repeat,
    RepeatKind,
    RepeatRule,
    StatusCard,
)
from domain.outbox import OutboxState
from storage.changes import note_change
from storage.models import (
    Base,
    NoticePostingRow,
    NoticeRecipientRow,
    NoticeRepeatRow,
    NoticeRow,
    OutboxRow,
)
from storage.repos._sql import rowcount, table_of, upsert

NOTICES = "notices"  # the change topic that wakes the notice refresher

# --- (de)serialising ---------------------------------------------------------------------------


def attachment_to_json(attachment: Attachment | None) -> dict[str, Any] | None:
    if attachment is None:
        return None
    return {
        "file_id": attachment.file_id,
        "kind": attachment.kind.value,
        "file_name": attachment.file_name,
        "size": attachment.size,
    }


def attachment_from_json(data: dict[str, Any] | None) -> Attachment | None:
    if not data:
        return None
    return Attachment(
        file_id=str(data["file_id"]),
        kind=AttachmentKind(data["kind"]),
        file_name=data.get("file_name"),
        size=data.get("size"),
    )


def repeat_to_json(repeat: Repeat) -> dict[str, Any]:
    return {
        "kind": repeat.kind.value,
        "times": [t.strftime("%H:%M") for t in repeat.times],
        "weekdays": list(repeat.weekdays),
        "until": repeat.until.isoformat(),
    }


def repeat_from_json(data: dict[str, Any]) -> Repeat:
    return Repeat(
        kind=RepeatKind(data["kind"]),
        times=tuple(time.fromisoformat(t) for t in data["times"]),
        weekdays=tuple(int(d) for d in data.get("weekdays", ())),
        until=date.fromisoformat(data["until"]),
    )


def request_to_json(request: NoticeRequest, *, now: datetime) -> dict[str, Any]:
    """The request a repeat re-creates: its times (send_at, ack_by) are per repetition, so
    ack_by is kept as minutes after the firing (after send_at, or `now` when sent now)."""
    ack_after = None
    if request.ack_by is not None:
        base = request.send_at or now
        ack_after = max(int((request.ack_by - base).total_seconds() // 60), 1)
    return {
        "author_id": request.author_id,
        "text": request.content.text,
        "template_key": request.content.template_key,
        "attachment": attachment_to_json(request.content.attachment),
        "unit_codes": list(request.unit_codes),
        "audiences": sorted(a.value for a in request.audiences),
        "ack_required": request.ack_required,
        "ack_after_minutes": ack_after,
        "urgent": request.urgent,
    }


def request_from_json(data: dict[str, Any], *, fired_at: datetime) -> NoticeRequest:
    """The request of one repetition firing at `fired_at` (sent now, not repeated again)."""
    ack_after = data.get("ack_after_minutes")
    ack_by = fired_at + timedelta(minutes=ack_after) if ack_after is not None else None
    return NoticeRequest(
        author_id=int(data["author_id"]),
        content=NoticeContent(
            text=data["text"],
            template_key=data.get("template_key"),
            attachment=attachment_from_json(data.get("attachment")),
        ),
        unit_codes=tuple(data["unit_codes"]),
        audiences=frozenset(Audience(a) for a in data["audiences"]),
        ack_required=bool(data["ack_required"]) and ack_by is not None,
        ack_by=ack_by,
        urgent=bool(data.get("urgent", False)),
    )


def _notice(row: NoticeRow) -> Notice:
    return Notice(
        id=row.id,
        author_id=row.author_id,
        content=NoticeContent(
            text=row.text,
            template_key=row.template_key,
            attachment=attachment_from_json(row.attachment),
        ),
        unit_codes=tuple(row.unit_codes),
        audiences=frozenset(Audience(a) for a in row.audiences),
        ack_required=row.ack_required,
        ack_by=row.ack_by,
        urgent=row.urgent,
        send_at=row.send_at,
        created_at=row.created_at,
        state=NoticeState(row.state),
        repeat_id=row.repeat_id,
        last_reminded_at=row.last_reminded_at,
        reminders=row.reminders,
    )


def _recipient(row: NoticeRecipientRow) -> NoticeRecipient:
    return NoticeRecipient(
        id=row.id,
        notice_id=row.notice_id,
        kind=RecipientKind(row.kind),
        unit_code=row.unit_code,
        person_id=row.person_id,
        state=RecipientState(row.state),
        outbox_key=row.outbox_key,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        question=row.question,
        question_at=row.question_at,
        reminded_at=row.reminded_at,
        sent_at=row.sent_at,
    )


def _posting(row: NoticePostingRow) -> Posting:
    return Posting(
        id=row.id,
        notice_id=row.notice_id,
        unit_code=row.unit_code,
        chat_id=row.chat_id,
        forwarded_by=row.forwarded_by,
        message_key=row.message_key,
        message_id=row.message_id,
        pinned=row.pinned,
        dirty=row.dirty,
        revision=row.revision,
        edited_at=row.edited_at,
        posted_at=row.posted_at,
    )


def _update(model: type[Base], *where: ColumnElement[bool], **values: Any) -> Update:
    """UPDATE `model` SET `values` WHERE all of `where`, as a bulk statement: rows the session
    has already loaded are not synchronised (the repository's updates never were)."""
    return update(model).where(*where).values(**values).execution_options(synchronize_session=False)


def card_key(notice_id: int) -> str:
    """The dedupe key of the author's status card's first post."""
    return f"notice:{notice_id}:card"


def _card(row: NoticeRow) -> StatusCard:
    return StatusCard(
        notice_id=row.id,
        message_key=card_key(row.id),
        message_id=row.card_message_id,
        dirty=row.card_dirty,
        revision=row.card_revision,
        edited_at=row.card_edited_at,
    )


class NoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- notices ---------------------------------------------------------------------------

    async def create(
        self,
        request: NoticeRequest,
        *,
        send_at: datetime,
        state: NoticeState,
        now: datetime,
        repeat_id: int | None = None,
        occurrence: datetime | None = None,
    ) -> int | None:
        """Store the notice; its id. None when the repeat already has this occurrence."""
        values = {
            "author_id": request.author_id,
            "text": request.content.text,
            "template_key": request.content.template_key,
            "attachment": attachment_to_json(request.content.attachment),
            "unit_codes": list(request.unit_codes),
            "audiences": sorted(a.value for a in request.audiences),
            "ack_required": request.ack_required,
            "ack_by": request.ack_by,
            "urgent": request.urgent,
            "send_at": send_at,
            "state": state.value,
            "repeat_id": repeat_id,
            "occurrence": occurrence,
            "last_reminded_at": None,
            "reminders": 0,
            "card_message_id": None,
            "card_dirty": False,
            "card_revision": 0,
            "card_edited_at": None,
            "created_at": now,
        }
        result = await self._session.execute(
            upsert(self._session, NoticeRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[NoticeRow.repeat_id, NoticeRow.occurrence])
            .returning(NoticeRow.id)
        )
        return result.scalar_one_or_none()

    async def get(self, notice_id: int, *, lock: bool = False) -> Notice | None:
        statement = select(NoticeRow).where(NoticeRow.id == notice_id)
        if lock:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).scalar_one_or_none()
        return None if row is None else _notice(row)

    async def listing(
        self,
        *,
        author_id: int | None = None,
        unit_codes: Iterable[str] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Notice]:
        """Newest first: the author's notices, or (with `unit_codes`) those of anyone that
        reached any of these units, or both (either matches)."""
        statement = select(NoticeRow).order_by(NoticeRow.send_at.desc(), NoticeRow.id.desc())
        if unit_codes is None:
            # The author's own only: filtered and paged by the database.
            if author_id is None:
                return []
            paged = statement.where(NoticeRow.author_id == author_id).limit(limit).offset(offset)
            return [_notice(row) for row in (await self._session.scalars(paged)).all()]
        # "Reached any of these units" tests a JSON list, which neither SQLite nor
        # PostgreSQL's JSON (not JSONB) answers portably: filtered here.
        rows = (await self._session.execute(statement)).scalars().all()
        codes = set(unit_codes)
        found = [
            _notice(row)
            for row in rows
            if (author_id is not None and row.author_id == author_id)
            or not codes.isdisjoint(row.unit_codes)
        ]
        return found[offset : offset + limit]

    async def mark_reminded(self, notice_id: int, at: datetime) -> None:
        await self._session.execute(
            _update(
                NoticeRow,
                NoticeRow.id == notice_id,
                last_reminded_at=at,
                reminders=NoticeRow.reminders + 1,
            )
        )

    async def set_state(
        self, notice_id: int, state: NoticeState, *, only_from: NoticeState | None = None
    ) -> None:
        """`only_from`: change it only from that state (a scheduled notice cancelled
        meanwhile stays cancelled)."""
        which = [NoticeRow.id == notice_id]
        if only_from is not None:
            which.append(NoticeRow.state == only_from.value)
        await self._session.execute(_update(NoticeRow, *which, state=state.value))

    async def due_scheduled(self, now: datetime) -> list[int]:
        """Scheduled notices whose send time has come (their messages wait in the outbox)."""
        result = await self._session.execute(
            select(NoticeRow.id).where(
                NoticeRow.state == NoticeState.SCHEDULED.value, NoticeRow.send_at <= now
            )
        )
        return list(result.scalars())

    # --- recipients ------------------------------------------------------------------------

    async def add_recipients(
        self, notice_id: int, rows: Sequence[tuple[RecipientKind, str, int | None, str | None]]
    ) -> int:
        """(kind, unit code, person id or None, outbox key) each, queued; the number added."""
        if not rows:
            return 0
        values = [
            {
                "notice_id": notice_id,
                "kind": kind.value,
                "unit_code": unit,
                "person_id": person,
                "state": (
                    RecipientState.QUEUED if person is not None else RecipientState.UNREACHABLE
                ).value,
                "outbox_key": key,
            }
            for kind, unit, person, key in rows
        ]
        await self._session.execute(table_of(NoticeRecipientRow).insert(), values)
        return len(values)

    async def recipients(self, notice_id: int) -> list[NoticeRecipient]:
        result = await self._session.execute(
            select(NoticeRecipientRow)
            .where(NoticeRecipientRow.notice_id == notice_id)
            .order_by(NoticeRecipientRow.id)
        )
        return [_recipient(row) for row in result.scalars()]

    async def recipient(self, recipient_id: int, *, lock: bool = False) -> NoticeRecipient | None:
        statement = select(NoticeRecipientRow).where(NoticeRecipientRow.id == recipient_id)
        if lock:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).scalar_one_or_none()
        return None if row is None else _recipient(row)

    async def question_of(self, recipient_id: int) -> tuple[str | None, str | None]:
        """The recipient's question and the author's answer, if any."""
        row = await self._session.get(NoticeRecipientRow, recipient_id)
        return (None, None) if row is None else (row.question, row.answer)

    async def acknowledge(
        self, recipient: NoticeRecipient, *, by: int, at: datetime
    ) -> list[NoticeRecipient]:
        """Confirm: a liaison confirms for the unit (every liaison row of it), a member for
        themselves. The rows confirmed now."""
        rows = await self._confirming(recipient)
        changed = [r for r in rows if not RecipientState(r.state).confirmed]
        for row in changed:
            row.state = RecipientState.ACKNOWLEDGED.value
            row.acknowledged_at = at
            row.acknowledged_by = by
        await self._session.flush()
        await self.mark_dirty(recipient.notice_id, [recipient.unit_code])
        return [_recipient(r) for r in changed]

    async def undo(self, recipient: NoticeRecipient) -> list[NoticeRecipient]:
        """Take back a confirmation: the rows it confirmed go back to sent."""
        rows = await self._confirming(recipient)
        changed = [
            r
            for r in rows
            if r.state == RecipientState.ACKNOWLEDGED.value
            and r.acknowledged_by == recipient.acknowledged_by
        ]
        for row in changed:
            row.state = (
                RecipientState.QUESTION if row.question is not None else RecipientState.SENT
            ).value
            row.acknowledged_at = None
            row.acknowledged_by = None
        await self._session.flush()
        await self.mark_dirty(recipient.notice_id, [recipient.unit_code])
        return [_recipient(r) for r in changed]

    async def _confirming(self, recipient: NoticeRecipient) -> list[NoticeRecipientRow]:
        statement = select(NoticeRecipientRow).where(
            NoticeRecipientRow.notice_id == recipient.notice_id,
            NoticeRecipientRow.kind == recipient.kind.value,
        )
        if recipient.kind is RecipientKind.LIAISON:
            statement = statement.where(NoticeRecipientRow.unit_code == recipient.unit_code)
        else:
            statement = statement.where(NoticeRecipientRow.id == recipient.id)
        return list((await self._session.execute(statement.with_for_update())).scalars())

    async def ask(self, recipient_id: int, question: str, *, at: datetime) -> None:
        row = await self._session.get(NoticeRecipientRow, recipient_id)
        if row is None:
            return
        row.question = question
        row.question_at = at
        row.answer = None
        row.answered_at = None
        if not RecipientState(row.state).confirmed:
            row.state = RecipientState.QUESTION.value
        await self._session.flush()
        await self.mark_dirty(row.notice_id, [row.unit_code])

    async def answer(self, recipient_id: int, answer: str, *, at: datetime) -> None:
        await self._session.execute(
            _update(
                NoticeRecipientRow,
                NoticeRecipientRow.id == recipient_id,
                answer=answer,
                answered_at=at,
            )
        )

    async def mark_recipients_reminded(self, ids: Sequence[int], at: datetime) -> None:
        if ids:
            await self._session.execute(
                _update(NoticeRecipientRow, NoticeRecipientRow.id.in_(list(ids)), reminded_at=at)
            )

    async def sync_delivery(self, *, limit: int = 2000) -> list[NoticeRecipient]:
        """Carry the outbox's outcome onto queued recipients: sent, or unreachable (403).
        The recipients made unreachable now (someone must reach them another way)."""
        result = await self._session.execute(
            select(NoticeRecipientRow, OutboxRow.state, OutboxRow.sent_at)
            .join(OutboxRow, OutboxRow.dedupe_key == NoticeRecipientRow.outbox_key)
            .where(
                NoticeRecipientRow.state == RecipientState.QUEUED.value,
                OutboxRow.state.in_([OutboxState.SENT.value, OutboxState.UNREACHABLE.value]),
            )
            .limit(limit)
        )
        unreachable: list[NoticeRecipient] = []
        touched: dict[int, set[str]] = {}
        for row, state, sent_at in result.all():
            if state == OutboxState.SENT.value:
                row.state = RecipientState.SENT.value
                row.sent_at = sent_at
            else:
                row.state = RecipientState.UNREACHABLE.value
                unreachable.append(_recipient(row))
            touched.setdefault(row.notice_id, set()).add(row.unit_code)
        await self._session.flush()
        for notice_id, units in touched.items():
            await self.mark_dirty(notice_id, units)
        return unreachable

    async def pending_for(self, person_id: int) -> list[NoticeRecipient]:
        """The person's notices still waiting for their confirmation, newest first."""
        result = await self._session.execute(
            select(NoticeRecipientRow)
            .where(
                NoticeRecipientRow.person_id == person_id,
                NoticeRecipientRow.state != RecipientState.ACKNOWLEDGED.value,
            )
            .order_by(NoticeRecipientRow.notice_id.desc())
        )
        return [_recipient(row) for row in result.scalars()]

    async def counts(self, notice_ids: Sequence[int]) -> dict[int, list[NoticeRecipient]]:
        """Every recipient of these notices, per notice (for the ledger's rates)."""
        found: dict[int, list[NoticeRecipient]] = {n: [] for n in notice_ids}
        if not notice_ids:
            return found
        result = await self._session.execute(
            select(NoticeRecipientRow).where(NoticeRecipientRow.notice_id.in_(list(notice_ids)))
        )
        for row in result.scalars():
            found[row.notice_id].append(_recipient(row))
        return found

    # --- the author's status card ----------------------------------------------------------

    async def mark_dirty(self, notice_id: int, unit_codes: Iterable[str] = ()) -> None:
        """The card (and the units' postings) need a fresh render; wakes the refresher."""
        await self._session.execute(_update(NoticeRow, NoticeRow.id == notice_id, card_dirty=True))
        codes = sorted(set(unit_codes))
        if codes:
            await self._session.execute(
                _update(
                    NoticePostingRow,
                    NoticePostingRow.notice_id == notice_id,
                    NoticePostingRow.unit_code.in_(codes),
                    dirty=True,
                )
            )
        note_change(self._session, NOTICES)

    async def card(self, notice_id: int) -> StatusCard | None:
        row = await self._session.get(NoticeRow, notice_id)
        return None if row is None else _card(row)

    async def dirty_cards(self, *, limit: int = 200) -> list[StatusCard]:
        result = await self._session.execute(
            select(NoticeRow).where(NoticeRow.card_dirty.is_(True)).limit(limit)
        )
        return [_card(row) for row in result.scalars()]

    async def unposted_cards(self, *, limit: int = 200) -> list[StatusCard]:
        result = await self._session.execute(
            select(NoticeRow).where(NoticeRow.card_message_id.is_(None)).limit(limit)
        )
        return [_card(row) for row in result.scalars()]

    async def card_edited(self, notice_id: int, *, revision: int, at: datetime) -> None:
        await self._session.execute(
            _update(
                NoticeRow,
                NoticeRow.id == notice_id,
                card_dirty=False,
                card_revision=revision,
                card_edited_at=at,
            )
        )

    async def learn_message_ids(self) -> int:
        """Store the message ids of cards and postings the sender has posted; the number."""
        learnt = 0
        cards = await self._session.execute(
            select(NoticeRow.id).where(NoticeRow.card_message_id.is_(None))
        )
        keys = {card_key(n): n for n in cards.scalars()}
        for key, message in await self._sent_ids(keys):
            learnt += rowcount(
                await self._session.execute(
                    _update(NoticeRow, NoticeRow.id == keys[key], card_message_id=message)
                )
            )
        postings = await self._session.execute(
            select(NoticePostingRow.id, NoticePostingRow.message_key).where(
                NoticePostingRow.message_id.is_(None)
            )
        )
        by_key = {key: posting for posting, key in postings.all()}
        for key, message in await self._sent_ids(by_key):
            learnt += rowcount(
                await self._session.execute(
                    _update(
                        NoticePostingRow, NoticePostingRow.id == by_key[key], message_id=message
                    )
                )
            )
        return learnt

    async def _sent_ids(self, keys: Iterable[str]) -> list[tuple[str, int]]:
        wanted = list(keys)
        if not wanted:
            return []
        result = await self._session.execute(
            select(OutboxRow.dedupe_key, OutboxRow.sent_message_id).where(
                OutboxRow.dedupe_key.in_(wanted), OutboxRow.sent_message_id.is_not(None)
            )
        )
        return [(key, message) for key, message in result.all() if message]

    # --- postings in residents groups ------------------------------------------------------

    async def add_posting(
        self,
        notice_id: int,
        unit_code: str,
        chat_id: int,
        message_key: str,
        *,
        forwarded_by: int | None,
        now: datetime,
    ) -> int | None:
        """Record a posting; None when the notice is already in that group."""
        result = await self._session.execute(
            upsert(self._session, NoticePostingRow)
            .values(
                notice_id=notice_id,
                unit_code=unit_code,
                chat_id=chat_id,
                forwarded_by=forwarded_by,
                message_key=message_key,
                message_id=None,
                pinned=False,
                dirty=False,
                revision=0,
                edited_at=None,
                posted_at=now,
            )
            .on_conflict_do_nothing(
                index_elements=[NoticePostingRow.notice_id, NoticePostingRow.chat_id]
            )
            .returning(NoticePostingRow.id)
        )
        return result.scalar_one_or_none()

    async def postings(self, notice_id: int) -> list[Posting]:
        result = await self._session.execute(
            select(NoticePostingRow)
            .where(NoticePostingRow.notice_id == notice_id)
            .order_by(NoticePostingRow.id)
        )
        return [_posting(row) for row in result.scalars()]

    async def posting_counts(
        self, notice_ids: Sequence[int], *, within: Collection[str] | None = None
    ) -> dict[int, int]:
        """Residents-group postings per notice; `within`: only those of these units."""
        if not notice_ids:
            return {}
        statement = select(NoticePostingRow.notice_id, func.count()).where(
            NoticePostingRow.notice_id.in_(list(notice_ids))
        )
        if within is not None:
            statement = statement.where(NoticePostingRow.unit_code.in_(sorted(within)))
        result = await self._session.execute(statement.group_by(NoticePostingRow.notice_id))
        return {notice: count for notice, count in result.all()}

    async def postings_to_refresh(self, *, limit: int = 200) -> list[Posting]:
        """Postings known to Telegram that are dirty or not yet pinned."""
        result = await self._session.execute(
            select(NoticePostingRow)
            .where(
                NoticePostingRow.message_id.is_not(None),
                (NoticePostingRow.dirty.is_(True)) | (NoticePostingRow.pinned.is_(False)),
            )
            .limit(limit)
        )
        return [_posting(row) for row in result.scalars()]

    async def posting_edited(self, posting_id: int, *, revision: int, at: datetime) -> None:
        await self._session.execute(
            _update(
                NoticePostingRow,
                NoticePostingRow.id == posting_id,
                dirty=False,
                revision=revision,
                edited_at=at,
            )
        )

    async def posting_pinned(self, posting_id: int) -> None:
        """Pinned, or pinning given up on (the bot may not pin there): tried once."""
        await self._session.execute(
            _update(NoticePostingRow, NoticePostingRow.id == posting_id, pinned=True)
        )

    # --- repeats ---------------------------------------------------------------------------

    async def create_repeat(self, request: NoticeRequest, repeat: Repeat, *, now: datetime) -> int:
        result = await self._session.execute(
            table_of(NoticeRepeatRow)
            .insert()
            .values(
                author_id=request.author_id,
                rule=repeat_to_json(repeat),
                request=request_to_json(request, now=now),
                created_at=now,
            )
            .returning(table_of(NoticeRepeatRow).c.id)
        )
        return int(result.scalar_one())

    async def repeat(self, repeat_id: int) -> RepeatRule | None:
        row = await self._session.get(NoticeRepeatRow, repeat_id)
        return None if row is None else _rule(row)

    async def repeat_request(self, repeat_id: int, *, fired_at: datetime) -> NoticeRequest | None:
        """The request of the repetition firing at `fired_at`: its ack_by as far after the
        firing as the author asked; None when the repeat is unknown."""
        row = await self._session.get(NoticeRepeatRow, repeat_id)
        return None if row is None else request_from_json(row.request, fired_at=fired_at)

    async def active_repeats(self) -> list[RepeatRule]:
        result = await self._session.execute(
            select(NoticeRepeatRow)
            .where(NoticeRepeatRow.cancelled_at.is_(None))
            .order_by(NoticeRepeatRow.id)
        )
        return [_rule(row) for row in result.scalars()]

    async def repeats_of(self, author_id: int) -> list[RepeatRule]:
        result = await self._session.execute(
            select(NoticeRepeatRow)
            .where(NoticeRepeatRow.author_id == author_id)
            .order_by(NoticeRepeatRow.id.desc())
        )
        return [_rule(row) for row in result.scalars()]

    async def cancel_repeat(self, repeat_id: int, *, by: int, at: datetime) -> bool:
        """Stop it; False when it was already stopped (or does not exist)."""
        result = await self._session.execute(
            _update(
                NoticeRepeatRow,
                NoticeRepeatRow.id == repeat_id,
                NoticeRepeatRow.cancelled_at.is_(None),
                cancelled_at=at,
                cancelled_by=by,
            )
        )
        return rowcount(result) == 1

    async def repeat_fired(self, repeat_id: int, at: datetime) -> None:
        await self._session.execute(
            _update(NoticeRepeatRow, NoticeRepeatRow.id == repeat_id, last_fired_at=at)
        )


def _rule(row: NoticeRepeatRow) -> RepeatRule:
    fired = row.last_fired_at or row.created_at
    return RepeatRule(
        id=row.id,
        author_id=row.author_id,
        repeat=repeat_from_json(row.rule),
        request=request_from_json(row.request, fired_at=fired),
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        last_fired_at=row.last_fired_at,
    )
