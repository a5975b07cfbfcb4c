"""Where a notice stands, for its author and its groups: the live status card (edited in
place, at most once per interval, however fast confirmations arrive), the postings in
residents groups showing their unit's state, the list of who has not confirmed, re-reminding
only those (at most every five minutes), the delivery outcome of each message (403 →
unreachable → someone near them is asked to reach them), and the rows of the export.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain import notices as rules
from domain.notices import (
    Notice,
    NoticeRecipient,
    RecipientKind,
    RecipientState,
    Refusal,
    Tally,
    tally,
    unconfirmed,
)
from domain.org import GroupPurpose, OrgTree, Role
from domain.outbox import OutboxMessage, OutboxState, Priority, text_edit
from services.notices.responses import UNKNOWN, Outcome
from services.notices.sending import (
    PREFIX,
    NoticeConfig,
    language_of,
    recipient_messages,
)
from storage import Repositories
from storage.repos.notices import card_key

# The author's card in a private chat: Telegram allows about one message a second per chat.
CARD_INTERVAL = timedelta(seconds=3)
# A posting in a group: Telegram allows 20 messages a minute per group.
POSTING_INTERVAL = timedelta(seconds=10)
REFRESH_BATCH = 100


async def counts(repos: Repositories, notice_id: int) -> Tally:
    recipients = await repos.notices.recipients(notice_id)
    postings = await repos.notices.posting_counts([notice_id])
    return tally(recipients, postings.get(notice_id, 0))


async def card(
    repos: Repositories, config: NoticeConfig, notice_id: int, language: object = None
) -> tuple[str, dict[str, object] | None] | None:
    """The card as it stands now (for the ledger's "open"); None for an unknown notice."""
    notice = await repos.notices.get(notice_id)
    if notice is None:
        return None
    author = await repos.people.get(notice.author_id)
    lang = language_of(author, config.default_language)
    return config.texts.card(lang, notice, await counts(repos, notice_id))


def may_manage(notice: Notice, presser: int, supervised: set[str], *, admin: bool) -> bool:
    """The author, an admin, or a supervisor over every unit of the notice's scope."""
    return presser == notice.author_id or admin or set(notice.unit_codes) <= supervised


async def pending_names(
    repos: Repositories, notice_id: int, within: Collection[str] | None = None
) -> list[tuple[str, str]]:
    """(unit name, person's name or "") of every unconfirmed unit or person, unit by unit;
    `within`: of these units only. Names only: nothing else about them is shown."""
    recipients = await repos.notices.recipients(notice_id)
    if within is not None:
        recipients = [r for r in recipients if r.unit_code in within]
    tree = await repos.org.load_tree()
    left = unconfirmed(recipients)
    people = await repos.people.many({r.person_id for r in left if r.person_id is not None})
    names: list[tuple[str, str]] = []
    for r in left:
        unit = tree.get(r.unit_code).name if r.unit_code in tree else r.unit_code
        person = people.get(r.person_id) if r.person_id is not None else None
        names.append((unit, person.name if person is not None else ""))
    return names


async def remind(
    repos: Repositories, config: NoticeConfig, notice_id: int, *, presser: int, now: datetime
) -> Outcome:
    """再次提醒未确认: the notice again, to the unconfirmed only (not the unreachable: they
    cannot get it), refused sooner than five minutes after the last."""
    notice = await repos.notices.get(notice_id, lock=True)
    if notice is None:
        return UNKNOWN
    recipients = await repos.notices.recipients(notice_id)
    left = [
        r
        for r in unconfirmed(recipients)
        if r.person_id is not None and r.state is not RecipientState.UNREACHABLE
    ]
    refusal = rules.can_remind(notice, len(left), now)
    if refusal is Refusal.REMIND_TOO_SOON:
        at = rules.next_remind_at(notice)
        assert at is not None
        return Outcome.refuse(refusal, at=at.astimezone(config.zone).strftime("%H:%M:%S"))
    if refusal is not None:
        return Outcome.refuse(refusal)
    tree = await repos.org.load_tree()
    people = await repos.people.many(
        {r.person_id for r in left if r.person_id} | {notice.author_id}
    )
    author = people.get(notice.author_id)
    residents = {g.unit_code for g in await repos.groups.with_purpose(GroupPurpose.RESIDENTS)}
    number = notice.reminders + 1
    messages: list[OutboxMessage] = []
    for r in left:
        person = people.get(r.person_id) if r.person_id is not None else None
        language = language_of(person, config.default_language)
        messages += recipient_messages(
            config,
            notice,
            r,
            person,
            key=f"{PREFIX}{notice.id}:remind{number}:{r.id}",
            unit_name=tree.get(r.unit_code).name if r.unit_code in tree else r.unit_code,
            author_name=author.name if author is not None else "",
            can_forward=r.kind is RecipientKind.LIAISON and r.unit_code in residents,
            # The author asked for it now: quiet hours still hold it unless urgent.
            not_before=now if notice.urgent else config.policy.calendar.quiet_hours_end(now),
            prefix=config.texts.message(language, "ntc-remind-prefix"),
        )
    await repos.outbox.enqueue_many(messages, now=now)
    await repos.notices.mark_reminded(notice_id, now)
    await repos.notices.mark_recipients_reminded([r.id for r in left], now)
    await repos.notices.mark_dirty(notice_id)
    await repos.audit.record(
        at=now,
        actor_id=presser,
        action="notice.remind",
        target=f"notice:{notice_id}",
        allowed=True,
        detail=f"{len(left)} recipients",
    )
    return Outcome("ntc-reminded", values=(("n", len(left)),))


# --- delivery outcomes -------------------------------------------------------------------------


def reach_people(
    tree: OrgTree, holders: dict[tuple[str, Role], list[int]], r: NoticeRecipient
) -> list[int]:
    """Who is asked to reach a recipient Telegram refuses: the unit's liaisons (for anyone
    else), deputies and trackers; with nobody there, the liaisons of the level above (a
    village liaison's liaison-of-record is the township's)."""
    me = r.person_id
    for role in (Role.LIAISON, Role.DEPUTY, Role.TRACKER):
        found = [p for p in holders.get((r.unit_code, role), []) if p != me]
        if found:
            return found
    for unit in reversed(tree.ancestors(r.unit_code)) if r.unit_code in tree else []:
        found = [p for p in holders.get((unit.code, Role.LIAISON), []) if p != me]
        if found:
            return found
    return []


async def sync_delivery(repos: Repositories, config: NoticeConfig, *, now: datetime) -> int:
    """Carry outbox outcomes onto recipients; for each newly unreachable one, ask the people
    nearest them to reach them another way. The number made unreachable."""
    unreachable = await repos.notices.sync_delivery()
    if not unreachable:
        return 0
    tree = await repos.org.load_tree()
    holders: dict[tuple[str, Role], list[int]] = {}
    for a in await repos.roles.all_holding((Role.LIAISON, Role.DEPUTY, Role.TRACKER)):
        holders.setdefault((a.unit_code, a.role), []).append(a.telegram_id)
    ids = {r.person_id for r in unreachable if r.person_id is not None}
    told = {p for r in unreachable for p in reach_people(tree, holders, r)}
    people = await repos.people.many(ids | told)
    messages = []
    for r in unreachable:
        if r.person_id is None:
            continue
        who = people.get(r.person_id)
        unit = tree.get(r.unit_code).name if r.unit_code in tree else r.unit_code
        for helper in reach_people(tree, holders, r):
            text = config.texts.message(
                language_of(people.get(helper), config.default_language),
                "ntc-unreachable-tell",
                name=who.name if who is not None else str(r.person_id),
                unit=unit,
                id=r.notice_id,
            )
            messages.append(
                OutboxMessage.private(
                    f"{PREFIX}{r.notice_id}:reach:{r.id}:{helper}",
                    helper,
                    text,
                    now,
                    Priority.ALERT,
                )
            )
    await repos.outbox.enqueue_many(messages, now=now)
    return len(unreachable)


# --- the card and the postings -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refreshed:
    edits: int = 0  # card and posting edits written
    unreachable: int = 0
    to_pin: tuple[tuple[int, int, int], ...] = ()  # (posting id, chat id, message id)


async def refresh(repos: Repositories, config: NoticeConfig, *, now: datetime) -> Refreshed:
    """One pass: learn sent message ids, carry delivery outcomes, edit dirty cards and
    postings whose interval has passed. Pinning is the caller's, after the commit."""
    await repos.notices.learn_message_ids()
    for notice_id in await repos.notices.due_scheduled(now):
        await repos.notices.set_state(
            notice_id, rules.NoticeState.SENT, only_from=rules.NoticeState.SCHEDULED
        )
    unreachable = await sync_delivery(repos, config, now=now)
    edits: list[OutboxMessage] = []
    for entry in await repos.notices.dirty_cards(limit=REFRESH_BATCH):
        if entry.message_id is None or not rules.Interval(CARD_INTERVAL).due(entry.edited_at, now):
            continue
        notice = await repos.notices.get(entry.notice_id)
        if notice is None:
            continue
        author = await repos.people.get(notice.author_id)
        text, markup = config.texts.card(
            language_of(author, config.default_language), notice, await counts(repos, notice.id)
        )
        if await _unchanged(repos, card_key(notice.id), text, markup):
            # Telegram refuses an edit that changes nothing ("message is not modified").
            await repos.notices.card_edited(
                notice.id, revision=entry.revision, at=entry.edited_at or now
            )
            continue
        revision = entry.revision + 1
        edits.append(
            text_edit(
                f"{card_key(notice.id)}:e{revision}",
                notice.author_id,
                entry.message_id,
                text,
                not_before=now,
                reply_markup=markup,
            )
        )
        await repos.notices.card_edited(notice.id, revision=revision, at=now)
    to_pin: list[tuple[int, int, int]] = []
    tree: OrgTree | None = None
    for posting in await repos.notices.postings_to_refresh(limit=REFRESH_BATCH):
        assert posting.message_id is not None
        if not posting.pinned and posting.forwarded_by is None:
            to_pin.append((posting.id, posting.chat_id, posting.message_id))
        elif not posting.pinned:
            await repos.notices.posting_pinned(posting.id)  # a forward is not pinned
        if not posting.dirty or not rules.Interval(POSTING_INTERVAL).due(posting.edited_at, now):
            continue
        notice = await repos.notices.get(posting.notice_id)
        if notice is None:
            continue
        tree = tree or await repos.org.load_tree()
        confirmed_at = _unit_confirmed_at(
            await repos.notices.recipients(notice.id), posting.unit_code
        )
        text = config.texts.posting(
            config.default_language,
            notice.content,
            unit_name=tree.get(posting.unit_code).name if posting.unit_code in tree else "",
            confirmed_at=confirmed_at,
            ack_required=notice.ack_required,
            ack_by=notice.ack_by,
        )
        if await _unchanged(repos, posting.message_key, text, None):
            await repos.notices.posting_edited(
                posting.id, revision=posting.revision, at=posting.edited_at or now
            )
            continue
        revision = posting.revision + 1
        edits.append(
            text_edit(
                f"{posting.message_key}:e{revision}",
                posting.chat_id,
                posting.message_id,
                text,
                not_before=now,
            )
        )
        await repos.notices.posting_edited(posting.id, revision=revision, at=now)
    await repos.outbox.enqueue_many(edits, now=now)
    return Refreshed(len(edits), unreachable, tuple(to_pin))


async def _unchanged(
    repos: Repositories, key: str, text: str, markup: dict[str, Any] | None
) -> bool:
    """Whether the message's last write (its post, or latest edit `key:eN`) that went out or
    is about to already says `text` with `markup`; a failed last write is written again."""
    written = [
        found
        for found in await repos.outbox.with_prefix(key)
        if found.message.dedupe_key == key
        or found.message.dedupe_key.removeprefix(key + ":e").isdigit()
    ]
    if not written or written[-1].state not in (OutboxState.PENDING, OutboxState.SENT):
        return False
    last = written[-1].message
    return last.text == text and last.reply_markup == markup


def _unit_confirmed_at(recipients: Sequence[NoticeRecipient], unit_code: str) -> datetime | None:
    """When the unit confirmed: its liaisons' confirmation, else all its members'."""
    mine = [r for r in recipients if r.unit_code == unit_code]
    liaison = [
        r.acknowledged_at for r in mine if r.kind is RecipientKind.LIAISON and r.acknowledged_at
    ]
    if liaison:
        return min(liaison)
    members = [r for r in mine if r.kind is RecipientKind.MEMBER]
    if members and all(r.acknowledged_at for r in members):
        return max(r.acknowledged_at for r in members if r.acknowledged_at)
    return None


async def next_refresh_at(repos: Repositories, *, now: datetime) -> datetime | None:
    """When a dirty card or posting may next be edited; None when none is dirty."""
    times = [
        (c.edited_at + CARD_INTERVAL) if c.edited_at else now
        for c in await repos.notices.dirty_cards(limit=REFRESH_BATCH)
        if c.message_id is not None
    ]
    return min(times, default=None)
