"""What recipients do with a notice: confirm ("已阅并落实"), undo within five minutes, ask a
question (which the author answers from the bot), and, for a unit's liaison, forward it to the
unit's residents group in one tap.

Every function checks the presser against the stored recipient (callback data is never
trusted) and works in the caller's transaction; messages and keyboard edits go through the
outbox, so the person is told of success only after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain import notices as rules
from domain.escalation import schedule
from domain.notices import Notice, NoticeRecipient, RecipientKind, Refusal
from domain.obligations import reopen
from domain.org import GroupPurpose
from domain.outbox import OutboxMessage, Priority, keyboard_edit
from services import obligations as owed
from services.notices.sending import (
    PREFIX,
    NoticeConfig,
    language_of,
    obligation_key,
    post_to_group,
)
from storage import Repositories


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to tell the presser: a message key (`ntc-...`) and its values, or a refusal."""

    key: str
    refused: bool = False
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def refuse(cls, refusal: Refusal, **values: object) -> Outcome:
        return cls(f"ntc-refused-{refusal.value}", True, tuple(values.items()))


UNKNOWN = Outcome("ntc-refused-unknown", True)


async def _own(
    repos: Repositories, recipient_id: int, presser: int
) -> tuple[NoticeRecipient, Notice] | Outcome:
    recipient = await repos.notices.recipient(recipient_id, lock=True)
    if recipient is None:
        return UNKNOWN
    if recipient.person_id != presser:
        return Outcome.refuse(Refusal.NOT_YOURS)
    notice = await repos.notices.get(recipient.notice_id)
    if notice is None:
        return UNKNOWN
    return recipient, notice


async def _keyboard(
    repos: Repositories,
    config: NoticeConfig,
    notice: Notice,
    recipient: NoticeRecipient,
    message_id: int | None,
    *,
    acknowledged: bool,
    now: datetime,
) -> None:
    """Swap the pressed message's buttons (received ↔ undo), through the outbox."""
    if message_id is None or recipient.person_id is None:
        return
    person = await repos.people.get(recipient.person_id)
    groups = await repos.groups.of_unit(recipient.unit_code, GroupPurpose.RESIDENTS)
    _, markup = config.texts.recipient(
        language_of(person, config.default_language),
        notice.content,
        unit_name="",
        author_name="",
        ack_by=notice.ack_by,
        urgent=notice.urgent,
        ack_required=notice.ack_required,
        recipient_id=recipient.id,
        can_forward=recipient.kind is RecipientKind.LIAISON and bool(groups),
        acknowledged=acknowledged,
    )
    key = f"{PREFIX}{notice.id}:kb:{recipient.id}:{message_id}:{now.isoformat()}"
    await repos.outbox.enqueue(
        keyboard_edit(
            key,
            recipient.person_id,
            message_id,
            not_before=now,
            reply_markup=markup,
            recipient_id=recipient.person_id,
        ),
        now=now,
    )


async def acknowledge(
    repos: Repositories,
    config: NoticeConfig,
    recipient_id: int,
    *,
    presser: int,
    message_id: int | None,
    now: datetime,
) -> Outcome:
    """Confirm; a liaison confirms for the whole unit, and its escalation stops at once."""
    found = await _own(repos, recipient_id, presser)
    if isinstance(found, Outcome):
        return found
    recipient, notice = found
    refusal = rules.can_acknowledge(recipient, notice)
    if refusal is not None:
        return Outcome.refuse(refusal)
    if not notice.ack_required:
        return Outcome.refuse(Refusal.NO_ACK)
    await repos.notices.acknowledge(recipient, by=presser, at=now)
    await owed.meet(repos, obligation_key(notice.id, recipient), at=now, by=presser)
    await _keyboard(repos, config, notice, recipient, message_id, acknowledged=True, now=now)
    return Outcome("ntc-acked")


async def undo(
    repos: Repositories,
    config: NoticeConfig,
    recipient_id: int,
    *,
    presser: int,
    message_id: int | None,
    now: datetime,
) -> Outcome:
    """Take back one's own confirmation within five minutes: the obligation opens again
    where its escalation stood."""
    found = await _own(repos, recipient_id, presser)
    if isinstance(found, Outcome):
        return found
    recipient, notice = found
    refusal = rules.can_undo(recipient, now)
    if refusal is None and recipient.acknowledged_by != presser:
        refusal = Refusal.NOT_ACKNOWLEDGED  # another liaison confirmed for the unit
    if refusal is not None:
        return Outcome.refuse(refusal)
    await repos.notices.undo(recipient)
    obligation = await repos.obligations.get(obligation_key(notice.id, recipient), lock=True)
    transition = reopen(obligation) if obligation is not None else None
    if transition is not None and transition.changed:
        reopened = transition.obligation
        chain = config.policy.chains.of(reopened)
        if chain is not None:
            reopened = schedule(reopened, chain, config.policy.calendar)
        await repos.obligations.reopen(reopened, now=now)
    await _keyboard(repos, config, notice, recipient, message_id, acknowledged=False, now=now)
    return Outcome("ntc-undone")


async def may_ask(repos: Repositories, recipient_id: int, *, presser: int) -> Outcome | None:
    """None when the presser may ask about this notice (the handler then waits for the text)."""
    found = await _own(repos, recipient_id, presser)
    return found if isinstance(found, Outcome) else None


async def ask(
    repos: Repositories,
    config: NoticeConfig,
    recipient_id: int,
    question: str,
    *,
    presser: int,
    now: datetime,
) -> Outcome:
    """The question goes to the author with an "answer" button."""
    if not question.strip():
        return Outcome("ntc-ask-empty", True)
    found = await _own(repos, recipient_id, presser)
    if isinstance(found, Outcome):
        return found
    recipient, notice = found
    text = question.strip()
    await repos.notices.ask(recipient_id, text, at=now)
    tree = await repos.org.load_tree()
    people = await repos.people.many([presser, notice.author_id])
    asker = people.get(presser)
    language = language_of(people.get(notice.author_id), config.default_language)
    unit = (
        tree.get(recipient.unit_code).name if recipient.unit_code in tree else recipient.unit_code
    )
    body = config.texts.message(
        language,
        "ntc-question-to-author",
        id=notice.id,
        unit=unit,
        name=asker.name if asker is not None else str(presser),
        question=text,
    )
    markup = config.texts.answer_markup(language, recipient_id)
    await repos.outbox.enqueue(
        OutboxMessage.private(
            f"{PREFIX}{notice.id}:q:{recipient_id}:{now.isoformat()}",
            notice.author_id,
            body,
            now,
            Priority.ALERT,
            markup,
        ),
        now=now,
    )
    return Outcome("ntc-asked")


async def may_answer(
    repos: Repositories, recipient_id: int, *, presser: int
) -> tuple[Outcome | None, str]:
    """(None, the asker's name) when the presser, the notice's author, may answer."""
    recipient = await repos.notices.recipient(recipient_id)
    if recipient is None:
        return UNKNOWN, ""
    notice = await repos.notices.get(recipient.notice_id)
    if notice is None or notice.author_id != presser:
        return Outcome.refuse(Refusal.NOT_YOURS), ""
    person = await repos.people.get(recipient.person_id) if recipient.person_id else None
    return None, person.name if person is not None else ""


async def answer(
    repos: Repositories,
    config: NoticeConfig,
    recipient_id: int,
    text: str,
    *,
    presser: int,
    now: datetime,
) -> Outcome:
    if not text.strip():
        return Outcome("ntc-answer-empty", True)
    refusal, _ = await may_answer(repos, recipient_id, presser=presser)
    if refusal is not None:
        return refusal
    recipient = await repos.notices.recipient(recipient_id)
    if recipient is None or recipient.person_id is None:
        return UNKNOWN
    question, _ = await repos.notices.question_of(recipient_id)
    await repos.notices.answer(recipient_id, text.strip(), at=now)
    person = await repos.people.get(recipient.person_id)
    body = config.texts.message(
        language_of(person, config.default_language),
        "ntc-answer-to-recipient",
        id=recipient.notice_id,
        question=question or "",
        answer=text.strip(),
    )
    await repos.outbox.enqueue(
        OutboxMessage.private(
            f"{PREFIX}{recipient.notice_id}:a:{recipient_id}:{now.isoformat()}",
            recipient.person_id,
            body,
            now,
            Priority.ALERT,
        ),
        now=now,
    )
    return Outcome("ntc-answered")


async def forward(
    repos: Repositories,
    config: NoticeConfig,
    recipient_id: int,
    *,
    presser: int,
    now: datetime,
) -> Outcome:
    """A liaison's one tap: the notice into the unit's residents groups, tracked there."""
    found = await _own(repos, recipient_id, presser)
    if isinstance(found, Outcome):
        return found
    recipient, notice = found
    if recipient.kind is not RecipientKind.LIAISON:
        return Outcome.refuse(Refusal.NOT_YOURS)
    if notice.state is rules.NoticeState.CANCELLED:
        return Outcome.refuse(Refusal.CANCELLED)
    groups = await repos.groups.of_unit(recipient.unit_code, GroupPurpose.RESIDENTS)
    if not groups:
        return Outcome.refuse(Refusal.NO_GROUP)
    tree = await repos.org.load_tree()
    name = tree.get(recipient.unit_code).name if recipient.unit_code in tree else ""
    for group in groups:
        await post_to_group(
            repos,
            config,
            notice,
            recipient.unit_code,
            name,
            group.chat_id,
            forwarded_by=presser,
            now=now,
        )
    await repos.audit.record(
        at=now,
        actor_id=presser,
        action="notice.forward",
        target=f"notice:{notice.id}",
        allowed=True,
        detail=recipient.unit_code,
    )
    return Outcome("ntc-forwarded", values=(("unit", name),))
