"""Creating a notice: store it, resolve its recipients, write every message to the outbox and
open the acknowledgement obligations, all in the caller's transaction.

Recipients are resolved once, when the notice is created: who held the role then is who was
told, and the ledger and export say so even after roles change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from domain.escalation import schedule
from domain.notices import (
    Audience,
    Notice,
    NoticeContent,
    NoticeRecipient,
    NoticeRequest,
    NoticeState,
    Posting,
    RecipientKind,
    Tally,
    tally,
)
from domain.obligations import Obligation, ObligationKey, ObligationKind
from domain.org import GroupPurpose, Language, OrgTree, Person, Role
from domain.outbox import Media, MediaKind, OutboxMessage, Priority
from domain.permissions import STAFF_ROLES
from services.obligations import EscalationPolicy
from storage import Repositories
from storage.repos.notices import card_key

PREFIX = "notice:"  # outbox dedupe keys


class NoticeTexts(Protocol):
    """Renders what a notice's people see; the presentation layer implements it."""

    def recipient(
        self,
        language: Language,
        content: NoticeContent,
        *,
        unit_name: str,
        author_name: str,
        ack_by: datetime | None,
        urgent: bool,
        ack_required: bool,
        recipient_id: int,
        can_forward: bool,
        acknowledged: bool,
    ) -> tuple[str, dict[str, Any] | None]: ...

    def posting(
        self,
        language: Language,
        content: NoticeContent,
        *,
        unit_name: str,
        confirmed_at: datetime | None,
        ack_required: bool,
        ack_by: datetime | None,
    ) -> str: ...

    def card(
        self, language: Language, notice: Notice, counts: Tally
    ) -> tuple[str, dict[str, Any] | None]: ...

    def message(self, language: Language, key: str, /, **values: object) -> str: ...

    def answer_markup(self, language: Language, recipient_id: int) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class NoticeConfig:
    texts: NoticeTexts
    policy: EscalationPolicy  # the notice_ack chain, and the calendar's quiet hours
    default_language: Language

    @property
    def zone(self) -> ZoneInfo:
        return self.policy.calendar.zone


def recipient_key(notice_id: int, kind: RecipientKind, unit_code: str, person: int) -> str:
    return f"{PREFIX}{notice_id}:{kind.value}:{unit_code}:{person}"


def posting_key(notice_id: int, chat_id: int) -> str:
    return f"{PREFIX}{notice_id}:post:{chat_id}"


def obligation_key(notice_id: int, recipient: NoticeRecipient) -> ObligationKey:
    """A unit answers for a liaison notice, a person for a member notice."""
    subject = (
        recipient.unit_code if recipient.kind is RecipientKind.LIAISON else str(recipient.person_id)
    )
    return ObligationKey(ObligationKind.NOTICE_ACK, subject, period(notice_id))


def period(notice_id: int) -> str:
    return f"notice-{notice_id}"


def language_of(person: Person | None, default: Language) -> Language:
    return person.language if person is not None else default


@dataclass(frozen=True, slots=True)
class _Scope:
    tree: OrgTree
    units: list[str]  # in the request's order, known units only
    holders: Mapping[tuple[str, Role], list[int]]
    residents_groups: Mapping[str, list[int]]  # unit -> chat ids


async def _scope(repos: Repositories, unit_codes: Iterable[str]) -> _Scope:
    tree = await repos.org.load_tree()
    units = [code for code in dict.fromkeys(unit_codes) if code in tree]
    wanted = set(units)
    holders: dict[tuple[str, Role], list[int]] = {}
    for a in sorted(await repos.roles.all_holding(STAFF_ROLES), key=lambda a: a.telegram_id):
        if a.unit_code in wanted:
            holders.setdefault((a.unit_code, a.role), []).append(a.telegram_id)
    groups: dict[str, list[int]] = {}
    for group in await repos.groups.with_purpose(GroupPurpose.RESIDENTS):
        if group.unit_code in wanted:
            groups.setdefault(group.unit_code, []).append(group.chat_id)
    return _Scope(tree, units, holders, groups)


def _recipient_rows(
    notice_id: int, request: NoticeRequest, scope: _Scope
) -> list[tuple[RecipientKind, str, int | None, str | None]]:
    rows: list[tuple[RecipientKind, str, int | None, str | None]] = []
    if Audience.LIAISONS in request.audiences:
        in_scope = set(scope.units)
        for unit in scope.units:
            liaisons = scope.holders.get((unit, Role.LIAISON), [])
            if not liaisons and any(c.code in in_scope for c in scope.tree.children(unit)):
                # A level above units of the scope (the county office, a township, run by
                # supervisors): its units confirm for it; it has no liaison, and not counting
                # it keeps "N/M 单位已确认" reachable and its head out of the escalation.
                continue
            if not liaisons:
                # Nobody to tell: the unit still counts as unconfirmed, and escalates.
                rows.append((RecipientKind.LIAISON, unit, None, None))
            for person in liaisons:
                key = recipient_key(notice_id, RecipientKind.LIAISON, unit, person)
                rows.append((RecipientKind.LIAISON, unit, person, key))
    if Audience.MEMBERS in request.audiences:
        seen: set[int] = set()
        for unit in scope.units:
            for role in sorted(STAFF_ROLES):
                for person in scope.holders.get((unit, role), []):
                    if person in seen:
                        continue  # one confirmation per person, in their first unit
                    seen.add(person)
                    key = recipient_key(notice_id, RecipientKind.MEMBER, unit, person)
                    rows.append((RecipientKind.MEMBER, unit, person, key))
    return rows


async def reached_units(
    repos: Repositories, request: NoticeRequest
) -> dict[str, set[RecipientKind]]:
    """Before sending: unit -> the kinds of recipient someone there would get the notice as
    (a unit nobody there receives is absent), in the request's order. For the preview (a
    unit whose people receive it) and the summary ("8 units, 5 with a liaison")."""
    reached: dict[str, set[RecipientKind]] = {}
    for kind, unit, person, _ in _recipient_rows(
        0, request, await _scope(repos, request.unit_codes)
    ):
        if person is not None:
            reached.setdefault(unit, set()).add(kind)
    return reached


def deliver_at(config: NoticeConfig, at: datetime, *, urgent: bool) -> datetime:
    """Quiet hours hold a notice back unless it is urgent; holidays do not."""
    return at if urgent else config.policy.calendar.quiet_hours_end(at)


def _attachment_media(content: NoticeContent) -> Media | None:
    """The notice's attachment as the outbox sends it (a message of its own, before the text);
    None without one."""
    attachment = content.attachment
    if attachment is None:
        return None
    return Media(
        MediaKind(attachment.kind.value),
        attachment.file_name or attachment.kind.value,
        file_id=attachment.file_id,
    )


def recipient_messages(
    config: NoticeConfig,
    notice: Notice,
    recipient: NoticeRecipient,
    person: Person | None,
    *,
    key: str,
    unit_name: str,
    author_name: str,
    can_forward: bool,
    not_before: datetime,
    prefix: str = "",
) -> list[OutboxMessage]:
    """The messages one recipient gets: the attachment (if any), then the notice with its
    buttons (`prefix` before it: a re-remind's line)."""
    assert recipient.person_id is not None
    language = language_of(person, config.default_language)
    text, markup = config.texts.recipient(
        language,
        notice.content,
        unit_name=unit_name,
        author_name=author_name,
        ack_by=notice.ack_by,
        urgent=notice.urgent,
        ack_required=notice.ack_required,
        recipient_id=recipient.id,
        can_forward=can_forward,
        acknowledged=recipient.confirmed,
    )
    if prefix:
        text = f"{prefix}\n\n{text}"
    messages: list[OutboxMessage] = []
    media = _attachment_media(notice.content)
    if media is not None:
        messages.append(
            OutboxMessage(
                f"{key}:file",
                recipient.person_id,
                "",
                not_before,
                Priority.NOTICE,
                recipient_id=recipient.person_id,
                media=media,
            )
        )
    messages.append(
        OutboxMessage.private(key, recipient.person_id, text, not_before, Priority.NOTICE, markup)
    )
    return messages


async def create_notice(
    repos: Repositories,
    config: NoticeConfig,
    request: NoticeRequest,
    *,
    now: datetime,
    repeat_id: int | None = None,
    occurrence: datetime | None = None,
) -> int | None:
    """Store and send the notice; its id, or None when this repetition exists already."""
    send_at = max(request.send_at or now, now)
    state = NoticeState.SCHEDULED if send_at > now else NoticeState.SENT
    notice_id = await repos.notices.create(
        request, send_at=send_at, state=state, now=now, repeat_id=repeat_id, occurrence=occurrence
    )
    if notice_id is None:
        return None
    scope = await _scope(repos, request.unit_codes)
    await repos.notices.add_recipients(notice_id, _recipient_rows(notice_id, request, scope))
    notice = await repos.notices.get(notice_id)
    assert notice is not None
    recipients = await repos.notices.recipients(notice_id)
    people = await repos.people.many(
        {r.person_id for r in recipients if r.person_id is not None} | {request.author_id}
    )
    author = people.get(request.author_id)
    author_name = author.name if author is not None else str(request.author_id)
    not_before = deliver_at(config, send_at, urgent=request.urgent)
    messages: list[OutboxMessage] = []
    for r in recipients:
        if r.person_id is None or r.outbox_key is None:
            continue
        messages += recipient_messages(
            config,
            notice,
            r,
            people.get(r.person_id),
            key=r.outbox_key,
            unit_name=scope.tree.get(r.unit_code).name,
            author_name=author_name,
            can_forward=r.kind is RecipientKind.LIAISON
            and bool(scope.residents_groups.get(r.unit_code)),
            not_before=not_before,
        )
    if Audience.GROUPS in request.audiences:
        for unit in scope.units:
            for chat in scope.residents_groups.get(unit, []):
                messages += await _post(
                    repos,
                    config,
                    notice,
                    unit,
                    scope.tree.get(unit).name,
                    chat,
                    None,
                    not_before,
                    now,
                )
    # The author's card goes out at once, a scheduled notice's too: it is where they see it.
    postings = await repos.notices.posting_counts([notice_id])
    card_text, card_markup = config.texts.card(
        language_of(author, config.default_language),
        notice,
        tally(recipients, postings.get(notice_id, 0)),
    )
    messages.append(
        OutboxMessage.private(
            card_key(notice_id), request.author_id, card_text, now, Priority.NOTICE, card_markup
        )
    )
    await repos.outbox.enqueue_many(messages, now=now)
    if request.ack_required and request.ack_by is not None:
        await _open_obligations(repos, config, notice_id, recipients, request.ack_by, now)
    await repos.audit.record(
        at=now,
        actor_id=request.author_id,
        action="notice.create",
        target=f"notice:{notice_id}",
        allowed=True,
        detail=f"{len(scope.units)} units, {len(recipients)} recipients",
    )
    return notice_id


async def _post(
    repos: Repositories,
    config: NoticeConfig,
    notice: Notice,
    unit_code: str,
    unit_name: str,
    chat_id: int,
    forwarded_by: int | None,
    not_before: datetime,
    now: datetime,
) -> list[OutboxMessage]:
    """Record a posting in a residents group and its messages; none if it is posted there."""
    key = posting_key(notice.id, chat_id)
    if (
        await repos.notices.add_posting(
            notice.id, unit_code, chat_id, key, forwarded_by=forwarded_by, now=now
        )
        is None
    ):
        return []
    text = config.texts.posting(
        config.default_language,
        notice.content,
        unit_name=unit_name,
        confirmed_at=None,
        ack_required=notice.ack_required,
        ack_by=notice.ack_by,
    )
    messages: list[OutboxMessage] = []
    media = _attachment_media(notice.content)
    if media is not None:
        messages.append(
            OutboxMessage(f"{key}:file", chat_id, "", not_before, Priority.NOTICE, media=media)
        )
    messages.append(OutboxMessage(key, chat_id, text, not_before, Priority.NOTICE))
    await repos.notices.mark_dirty(notice.id)
    return messages


async def post_to_group(
    repos: Repositories,
    config: NoticeConfig,
    notice: Notice,
    unit_code: str,
    unit_name: str,
    chat_id: int,
    *,
    forwarded_by: int | None,
    now: datetime,
) -> bool:
    """Post the notice in a residents group now; False when it is there already."""
    messages = await _post(
        repos, config, notice, unit_code, unit_name, chat_id, forwarded_by, now, now
    )
    await repos.outbox.enqueue_many(messages, now=now)
    return bool(messages)


async def _open_obligations(
    repos: Repositories,
    config: NoticeConfig,
    notice_id: int,
    recipients: Sequence[NoticeRecipient],
    due_at: datetime,
    now: datetime,
) -> int:
    chain = config.policy.chains.by_kind.get(ObligationKind.NOTICE_ACK)
    if chain is None:
        return 0
    owed: dict[ObligationKey, Obligation] = {}
    # Every one has the same deadline and chain, so the same first action: computed once.
    first: datetime | None = None
    for r in recipients:
        key = obligation_key(notice_id, r)
        if key in owed:
            continue
        assignee: int | str = r.unit_code if r.kind is RecipientKind.LIAISON else int(key.subject)
        ob = Obligation(key.kind, key.subject, key.period, assignee, r.unit_code, due_at)
        if first is None:
            first = schedule(ob, chain, config.policy.calendar).next_action_at
        owed[key] = replace(ob, next_action_at=first)
    return await repos.obligations.open_many(list(owed.values()), now=now)


def unit_names(tree: OrgTree, codes: Iterable[str]) -> dict[str, str]:
    return {code: tree.get(code).name for code in codes if code in tree}


__all__ = [
    "NoticeConfig",
    "NoticeTexts",
    "Posting",
    "create_notice",
    "obligation_key",
    "post_to_group",
    "reached_units",
    "recipient_messages",
]
