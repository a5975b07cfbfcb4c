"""The notices ledger (/notices): who may see which notice, the confirmation rate of each, the
author's repeats, and the confirmations of one notice as rows for the .xlsx export.

A notice is seen by its author, an admin, and a supervisor whose subtree holds any of its
units (the ledger of "their subtree's notices"): a township head sees the county's notice to
every village, counted, listed and exported for his township's units only (`part`). A repeat
is stopped by its author or an admin; the export is audited (who, which notice, rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.notices import (
    Notice,
    NoticeRecipient,
    NoticeState,
    RecipientKind,
    RecipientState,
    RepeatRule,
    Tally,
    tally,
)
from domain.obligations import ObligationKind
from domain.org import OrgTree
from domain.permissions import Actor, manageable_units
from services import obligations
from services.notices.sending import PREFIX, period
from storage import Repositories
from storage.repos.notices import card_key

PAGE = 8  # notices per ledger page


def subtree(actor: Actor, tree: OrgTree) -> set[str]:
    return {unit.code for unit in manageable_units(actor, tree)}


def part(actor: Actor, tree: OrgTree, notice: Notice) -> frozenset[str] | None:
    """The notice's units the reader sees: None for all of them (its author, an admin, a
    supervisor over every one), else those within the reader's subtree (empty: none)."""
    if actor.is_admin or notice.author_id == actor.telegram_id:
        return None
    allowed = subtree(actor, tree)
    units = set(notice.unit_codes)
    return None if allowed and units <= allowed else frozenset(units & allowed)


def may_see(actor: Actor, tree: OrgTree, notice: Notice) -> bool:
    seen = part(actor, tree, notice)
    return seen is None or bool(seen)


def within(recipients: list[NoticeRecipient], seen: frozenset[str] | None) -> list[NoticeRecipient]:
    """The recipients of the reader's part (`part`)."""
    return recipients if seen is None else [r for r in recipients if r.unit_code in seen]


def may_cancel(actor: Actor, rule: RepeatRule) -> bool:
    """Its author, or an admin: a township head does not stop the county's repeat to the
    villages, though he sees its notices."""
    return actor.is_admin or rule.author_id == actor.telegram_id


def may_cancel_notice(actor: Actor, notice: Notice) -> bool:
    """A scheduled notice not sent yet: its author or an admin, as for a repeat."""
    return notice.state is NoticeState.SCHEDULED and (
        actor.is_admin or notice.author_id == actor.telegram_id
    )


async def cancel_scheduled(
    repos: Repositories, actor: Actor, notice_id: int, now: datetime
) -> bool:
    """Cancel a scheduled notice before its time: its queued messages are withdrawn (the
    author's card stays), its confirmations owed are excused. False when it may not (any
    more) be cancelled: sent meanwhile, cancelled already, or not the caller's."""
    notice = await repos.notices.get(notice_id, lock=True)
    if notice is None or not may_cancel_notice(actor, notice) or notice.send_at <= now:
        return False  # its time has come: its messages may be going out already
    await repos.notices.set_state(notice_id, NoticeState.CANCELLED)
    withdrawn = await repos.outbox.withdraw_pending(
        f"{PREFIX}{notice_id}:", keep=card_key(notice_id), now=now
    )
    for owed in await repos.obligations.for_period(ObligationKind.NOTICE_ACK, period(notice_id)):
        if owed.id is not None and not owed.state.closed:
            await obligations.excuse(
                repos, owed.id, "notice cancelled", by=actor.telegram_id, at=now
            )
    await repos.notices.mark_dirty(notice_id)
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action="notice.cancel",
        target=f"notice:{notice_id}",
        allowed=True,
        detail=f"{withdrawn} messages withdrawn",
    )
    return True


@dataclass(frozen=True, slots=True)
class LedgerLine:
    notice: Notice
    counts: Tally
    partial: bool = False  # counted for the reader's units only (`part`)


@dataclass(frozen=True, slots=True)
class LedgerPage:
    lines: list[LedgerLine]
    more: bool  # an older page exists
    repeats: list[RepeatRule]  # the author's active repeats (on the first page)
    cancellable: frozenset[int] = frozenset()  # scheduled notices the reader may cancel


async def ledger_page(repos: Repositories, actor: Actor, tree: OrgTree, offset: int) -> LedgerPage:
    codes = set(tree.units) if actor.is_admin else subtree(actor, tree)
    found = await repos.notices.listing(
        author_id=actor.telegram_id, unit_codes=codes, limit=PAGE + 1, offset=offset
    )
    shown = found[:PAGE]
    recipients = await repos.notices.counts([n.id for n in shown])
    lines = []
    for notice in shown:
        seen = part(actor, tree, notice)
        postings = await repos.notices.posting_counts([notice.id], within=seen)
        counts = tally(within(recipients[notice.id], seen), postings.get(notice.id, 0))
        lines.append(LedgerLine(notice, counts, partial=seen is not None))
    repeats: list[RepeatRule] = []
    if offset == 0:
        repeats = [r for r in await repos.notices.repeats_of(actor.telegram_id) if r.active]
    cancellable = frozenset(n.id for n in shown if may_cancel_notice(actor, n))
    return LedgerPage(lines, len(found) > PAGE, repeats, cancellable)


@dataclass(frozen=True, slots=True)
class ConfirmationRow:
    who: str
    unit: str
    kind: RecipientKind
    state: RecipientState
    sent_at: datetime | None
    confirmed_at: datetime | None
    question: str | None
    answer: str | None


async def card_counts(repos: Repositories, notice: Notice, seen: frozenset[str] | None) -> Tally:
    """The notice's tally over the reader's part (`part`; None: all of it)."""
    postings = await repos.notices.posting_counts([notice.id], within=seen)
    recipients = await repos.notices.recipients(notice.id)
    return tally(within(recipients, seen), postings.get(notice.id, 0))


async def confirmation_rows(
    repos: Repositories, tree: OrgTree, notice: Notice, seen: frozenset[str] | None = None
) -> list[ConfirmationRow]:
    """One row per recipient (of the reader's part, `part`), in the order they were resolved.
    `sent_at` is when Telegram accepted the recipient's message; the notice's sending time for
    one that confirmed before that was carried over; none for a queued or unreachable one."""
    recipients = within(await repos.notices.recipients(notice.id), seen)
    people = await repos.people.many({r.person_id for r in recipients if r.person_id})
    rows = []
    for r in recipients:
        person = people.get(r.person_id) if r.person_id is not None else None
        question, answer = (
            await repos.notices.question_of(r.id) if r.question is not None else (None, None)
        )
        reached = r.state not in (RecipientState.QUEUED, RecipientState.UNREACHABLE)
        unit = tree.get(r.unit_code).name if r.unit_code in tree else r.unit_code
        rows.append(
            ConfirmationRow(
                who=person.name if person is not None else "—",
                unit=unit,
                kind=r.kind,
                state=r.state,
                sent_at=(r.sent_at or notice.send_at) if reached else None,
                confirmed_at=r.acknowledged_at,
                question=question,
                answer=answer,
            )
        )
    return rows


async def record_export(
    repos: Repositories, actor: Actor, notice: Notice, rows: int, now: datetime
) -> None:
    await repos.audit.record(
        at=now,
        actor_id=actor.telegram_id,
        action="notice.export",
        target=f"notice:{notice.id}",
        allowed=True,
        detail=f"{rows} rows",
    )
