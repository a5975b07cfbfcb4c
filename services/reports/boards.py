"""The report board in the groups: posted with the first reminder, edited as reports arrive
(coalesced), closed at the deadline with the roll-up (domain.boards).

Every bound work group and supervisors group whose unit's subtree owes reports that day gets
one board. A filing only marks the boards over it stale (`mark_changed`, one UPDATE in the
filing's transaction); `refresh` renders stale boards at most once per `edit_interval` each
and writes the edits to the outbox, so a burst of filings before the deadline costs a group one
edit every few seconds rather than one per filing, well inside Telegram's 20 messages a minute
per group, and a county's thousand filings never render a thousand boards.

The post's message id is known only once the sender has sent it: until then a board stays
stale, and the first refresh after the post learns the id from the outbox row. A render equal
to the text last written to the message writes no edit; a group whose board was never posted
(the posting job missed) gets it at the deadline. The roll-up in a supervisors group quotes
no free text of a report (texts: `BoardTexts.rollup`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.boards import (
    BOARD_PURPOSES,
    Board,
    BoardMark,
    BoardSettings,
    ReportBoard,
    board,
)
from domain.forms import FormSpec
from domain.obligations import Obligation, ObligationKind
from domain.org import ChatGroup, GroupPurpose, Language, OrgTree, Person, Role, Unit
from domain.outbox import OutboxMessage, OutboxState, Priority, text_edit
from domain.reports import FiledReport, ReportPolicy, Rollup
from services.reports.rollups import day_rollups
from storage import Repositories

BOARD_PREFIX = "board:"  # outbox dedupe keys
# Stale boards rendered per refresh transaction; the refresher loops while it finds more.
REFRESH_BATCH = 50
# How many days back a board's post is looked for in the outbox (a board of two days ago
# whose post never went out is not worth editing any more).
LOOK_BACK_DAYS = 2


class BoardTexts(Protocol):
    """Renders boards and what goes with them; the presentation layer implements it."""

    def board(self, board: Board, language: Language, zone: ZoneInfo) -> str:
        """One message (HTML, within Telegram's limit: an edit cannot be split)."""
        ...

    def rollup(self, rollup: Rollup, language: Language, form: FormSpec) -> list[str]:
        """The roll-up a supervisors group reads: nothing of a report's free text (abnormal
        situations, a zero report's reason), which may name a resident's health or phone."""
        ...

    def missing_mention(
        self, missing: Sequence[tuple[Unit, Sequence[Person]]], language: Language
    ) -> str: ...


def post_key(chat_id: int, day: date) -> str:
    return f"{BOARD_PREFIX}{chat_id}:{day.isoformat()}:post"


def _key(entry: ReportBoard, suffix: str) -> str:
    return f"{BOARD_PREFIX}{entry.chat_id}:{entry.day.isoformat()}:{suffix}"


@dataclass(frozen=True, slots=True)
class _Day:
    """What every board of a day is rendered from: read once per pass."""

    tree: OrgTree
    owed: list[Obligation]
    versions: list[FiledReport]  # first versions, without their answers

    def board(self, root_code: str, day: date, now: datetime, closed: bool) -> Board:
        subtree = {unit.code for unit in self.tree.subtree(root_code)}
        owed = [ob for ob in self.owed if ob.unit_code in subtree]
        return board(self.tree, root_code, day, owed, self.versions, now=now, closed=closed)


async def _read_day(repos: Repositories, day: date) -> _Day:
    tree = await repos.org.load_tree()
    owed = [
        ob
        for ob in await repos.obligations.for_period(ObligationKind.UNIT_REPORT, day.isoformat())
        if ob.unit_code in tree
    ]
    versions = await repos.reports.first_filings(day) if owed else []
    return _Day(tree, owed, versions)


async def _board_groups(repos: Repositories, tree: OrgTree) -> list[ChatGroup]:
    groups: list[ChatGroup] = []
    for purpose in BOARD_PURPOSES:
        groups += [g for g in await repos.groups.with_purpose(purpose) if g.unit_code in tree]
    return groups


async def post_boards(
    repos: Repositories,
    texts: BoardTexts,
    day: date,
    *,
    now: datetime,
    language: Language,
    zone: ZoneInfo,
) -> int:
    """Post the day's board in every bound work and supervisors group whose subtree owes
    reports that day; the number posted. Idempotent (the post's dedupe key): a second run,
    or a group that has its board, posts nothing again."""
    known = await _read_day(repos, day)
    owing = {ob.unit_code for ob in known.owed}
    if not owing:
        return 0
    groups = [
        group
        for group in await _board_groups(repos, known.tree)
        if any(unit.code in owing for unit in known.tree.subtree(group.unit_code))
    ]
    await repos.boards.create(groups, day, now=now)
    boards = [b for b in await repos.boards.for_day(day) if b.message_id is None]
    already = await repos.outbox.existing_keys(post_key(b.chat_id, day) for b in boards)
    messages = []
    for entry in boards:
        key = post_key(entry.chat_id, day)
        if key in already or entry.unit_code not in known.tree:
            continue
        shown = known.board(entry.unit_code, day, now, entry.closed)
        messages.append(
            OutboxMessage(
                key, entry.chat_id, texts.board(shown, language, zone), now, Priority.NOTICE
            )
        )
    return await repos.outbox.enqueue_many(messages, now=now)


async def mark_changed(repos: Repositories, unit_code: str, day: date) -> int:
    """The state of `unit_code`'s report for `day` changed (filed, excused): the boards over
    it are stale."""
    tree = await repos.org.load_tree()
    if unit_code not in tree:
        return 0
    codes = [unit_code, *(unit.code for unit in tree.ancestors(unit_code))]
    return await repos.boards.mark_dirty(day, codes)


async def learn_posts(repos: Repositories, today: date) -> int:
    """Boards whose post the sender has sent learn its message id; the number learnt."""
    waiting = await repos.boards.unposted(today - timedelta(days=LOOK_BACK_DAYS))
    return await repos.boards.learn_message_ids({b.id: post_key(b.chat_id, b.day) for b in waiting})


async def _edit(
    repos: Repositories,
    texts: BoardTexts,
    claimed: Iterable[ReportBoard],
    *,
    now: datetime,
    language: Language,
    zone: ZoneInfo,
    days: dict[date, _Day] | None = None,
) -> int:
    """Render each claimed board (its revision already counted) as it stands and write the
    edit of its message; the number written. `days`: the days already read."""
    days = {} if days is None else days
    messages = []
    for entry in claimed:
        if entry.message_id is None or entry.dirty:
            continue  # closed before its post went out: edited once it has
        known = days.get(entry.day)
        if known is None:
            known = days[entry.day] = await _read_day(repos, entry.day)
        if entry.unit_code not in known.tree:
            continue
        shown = known.board(entry.unit_code, entry.day, now, entry.closed)
        text = texts.board(shown, language, zone)
        if text == await _last_text(repos, entry):
            continue  # nothing the group would see changed (Telegram refuses such an edit)
        messages.append(
            text_edit(
                _key(entry, f"edit:{entry.revision}"),
                entry.chat_id,
                entry.message_id,
                text,
                not_before=now,
            )
        )
    return await repos.outbox.enqueue_many(messages, now=now)


async def _last_text(repos: Repositories, entry: ReportBoard) -> str | None:
    """The text last written to the board's message (its post or latest edit) that went out
    or is about to; None when that one failed, so the board is written again."""
    stem = _key(entry, "")
    written = [
        found
        for found in await repos.outbox.with_prefix(stem)
        if found.message.dedupe_key == stem + "post"
        or found.message.dedupe_key.startswith(stem + "edit:")
    ]
    if not written or written[-1].state not in (OutboxState.PENDING, OutboxState.SENT):
        return None
    return written[-1].message.text


async def refresh(
    repos: Repositories,
    texts: BoardTexts,
    settings: BoardSettings,
    *,
    now: datetime,
    language: Language,
    zone: ZoneInfo,
    limit: int = REFRESH_BATCH,
) -> int:
    """Edit the stale boards whose last edit is `edit_interval` old or more (at most `limit`);
    the number of edits written. The boards are claimed before the day is read (see
    `ReportBoardRepository.claim_edits`)."""
    await learn_posts(repos, now.astimezone(zone).date())
    claimed = await repos.boards.claim_edits(now, settings.edit_interval, limit)
    return await _edit(repos, texts, claimed, now=now, language=language, zone=zone)


async def next_refresh_at(
    repos: Repositories, settings: BoardSettings, *, now: datetime, zone: ZoneInfo
) -> datetime | None:
    """When `refresh` has something to do next, as far as the boards tell: a stale board's
    interval ends, or, while a stale board waits for its post to go out, an interval on."""
    at = await repos.boards.next_edit_at(settings.edit_interval)
    since = now.astimezone(zone).date() - timedelta(days=LOOK_BACK_DAYS)
    if await repos.boards.stale_unposted(since):
        soon = now + settings.edit_interval
        at = soon if at is None else min(at, soon)
    return at


@dataclass(frozen=True, slots=True)
class Closed:
    boards: int = 0  # closed now
    edits: int = 0  # closing edits written (a board not posted yet gets its own later)
    messages: int = 0  # roll-ups in supervisors groups and mentions in work groups


async def close_boards(
    repos: Repositories,
    texts: BoardTexts,
    policy: ReportPolicy,
    settings: BoardSettings,
    day: date,
    *,
    now: datetime,
    language: Language,
    zone: ZoneInfo,
) -> Closed:
    """Close the day's boards whose every unit's deadline has passed: the closing edit (at
    once, whatever the edit interval), the roll-up of its unit in a supervisors group, and,
    when configured, a mention of the missing units' liaisons in a work group. Idempotent: a
    closed board is not closed again, and every message has its dedupe key."""
    # A group whose board was never posted (the posting job missed: the bot down at its time
    # and not restarted that day) gets it now; it is closed below and edited once it is out.
    await post_boards(repos, texts, day, now=now, language=language, zone=zone)
    await learn_posts(repos, now.astimezone(zone).date())
    # Which boards close depends only on the deadlines; what they show is read again after
    # they are claimed, so a report filed meanwhile is on the closing edit.
    planned = await _read_day(repos, day)
    closing = []
    for entry in await repos.boards.for_day(day):
        if entry.closed or entry.unit_code not in planned.tree:
            continue
        due_at = planned.board(entry.unit_code, day, now, True).due_at
        if due_at is None or due_at <= now:  # else a unit below reports by a later deadline
            closing.append(entry.id)
    closed = await repos.boards.close(closing, now=now)
    if not closed:
        return Closed()
    known = await _read_day(repos, day)
    edits = await _edit(
        repos, texts, closed, now=now, language=language, zone=zone, days={day: known}
    )
    boards = {b.id: known.board(b.unit_code, day, now, True) for b in closed}
    messages: list[OutboxMessage] = []
    supervised = [b for b in closed if b.purpose is GroupPurpose.SUPERVISORS]
    if supervised:
        rollups = await day_rollups(repos, policy, sorted({b.unit_code for b in supervised}), day)
        for entry in supervised:
            summary = rollups.get(entry.unit_code)
            if summary is None:  # pragma: no cover - the unit was just found in the tree
                continue
            for number, text in enumerate(texts.rollup(summary, language, summary.form), 1):
                messages.append(
                    OutboxMessage(_key(entry, f"rollup:{number}"), entry.chat_id, text, now)
                )
    if settings.mention_missing:
        messages += await _mentions(repos, texts, closed, boards, now=now, language=language)
    added = await repos.outbox.enqueue_many(messages, now=now)
    return Closed(len(closed), edits, added)


async def _mentions(
    repos: Repositories,
    texts: BoardTexts,
    closed: Sequence[ReportBoard],
    boards: dict[int, Board],
    *,
    now: datetime,
    language: Language,
) -> list[OutboxMessage]:
    """In each closed work group's board with units missing: one message naming their
    liaisons (a Telegram mention each), so the group sees who still owes the report."""
    work = [b for b in closed if b.purpose is GroupPurpose.WORK]
    missing = {
        b.id: [line.unit for line in boards[b.id].lines if line.mark is BoardMark.MISSING]
        for b in work
    }
    wanted = {unit.code for units in missing.values() for unit in units}
    if not wanted:
        return []
    liaisons: dict[str, list[int]] = {}
    for assignment in await repos.roles.all_holding([Role.LIAISON]):
        if assignment.unit_code in wanted:
            liaisons.setdefault(assignment.unit_code, []).append(assignment.telegram_id)
    people = await repos.people.many({i for ids in liaisons.values() for i in ids})
    messages = []
    for entry in work:
        named = [
            (unit, [people[i] for i in sorted(liaisons.get(unit.code, [])) if i in people])
            for unit in missing[entry.id]
        ]
        if named:
            text = texts.missing_mention(named, language)
            messages.append(OutboxMessage(_key(entry, "mention"), entry.chat_id, text, now))
    return messages
