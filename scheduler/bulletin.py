"""The weekly bulletin (通报) job: [views.bulletin] (default Monday 09:00) sends last week's
bulletin of their subtree to every supervisor (services.bulletin.recipients), in their
language, as text and the week's trend chart (a photo), through the outbox; with
`post_to_supervisors_group` each bound supervisors group gets its unit's bulletin too, in the
default language: unit names and counts only, nothing personal.

The figures are read in one read-only session and the charts drawn after it, in a thread (they
block): no write transaction is held while matplotlib works. The messages are then written in
one transaction. Idempotent by dedupe key (bulletin:<week>:<unit>:<chat>:<part> and
...:chart); a bulletin whose first part is already written is skipped whole. A week in which a
subtree owed nothing (holidays only) sends that subtree nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from domain.bulletin import Bulletin, chart_filename, last_full_week, week_label
from domain.org import Language
from domain.outbox import Media, MediaKind, OutboxMessage, Priority, media_message
from scheduler.context import BulletinTexts, JobContext, Summary
from services import bulletin as bulletin_service
from storage import Repositories

BULLETIN_JOB: Final = "weekly_bulletin"
BULLETIN_PREFIX: Final = "bulletin:"  # outbox dedupe keys


@dataclass(frozen=True, slots=True)
class _Target:
    chat_id: int
    unit_code: str
    language: Language
    private: bool


def _stem(week: str, target: _Target) -> str:
    return f"{BULLETIN_PREFIX}{week}:{target.unit_code}:{target.chat_id}"


async def send_bulletins(context: JobContext) -> Summary:
    """Last full week's bulletins to every supervisor (and group, when configured)."""
    texts = context.bulletin_texts
    if texts is None:
        raise RuntimeError("bulletins need texts to render them (CalendarJobs(bulletin_texts=...))")
    week = last_full_week(context.today)
    label = week_label(week)
    async with context.database.session() as session:
        repos = Repositories(session)
        tree = await repos.org.load_tree()
        found = await bulletin_service.recipients(
            repos, tree, groups=context.config.bulletin.to_supervisors_groups
        )
        targets = [_Target(p.telegram_id, code, p.language, True) for p, code in found.people]
        language = context.config.default_language
        targets += [_Target(g.chat_id, g.unit_code, language, False) for g in found.groups]
        already = await repos.outbox.existing_keys(f"{_stem(label, t)}:1" for t in targets)
        targets = [t for t in targets if f"{_stem(label, t)}:1" not in already]
        bulletins: dict[str, Bulletin] = {}
        for code in sorted({t.unit_code for t in targets}):
            bulletins[code] = await bulletin_service.weekly(
                repos, code, week, now=context.now, zone=context.zone, tree=tree
            )
    messages = await _messages(context, texts, label, targets, bulletins)
    async with context.database.transaction() as session:
        added = await Repositories(session).outbox.enqueue_many(messages, now=context.now)
    sent = [t for t in targets if not bulletins[t.unit_code].empty]
    return {
        "supervisors": sum(1 for t in sent if t.private),
        "groups": sum(1 for t in sent if not t.private),
        "messages": added,
    }


async def _messages(
    context: JobContext,
    texts: BulletinTexts,
    label: str,
    targets: list[_Target],
    bulletins: dict[str, Bulletin],
) -> list[OutboxMessage]:
    charts: dict[tuple[str, Language], bytes] = {}
    messages: list[OutboxMessage] = []
    for target in targets:
        bulletin = bulletins[target.unit_code]
        if bulletin.empty:
            continue
        recipient = target.chat_id if target.private else None
        stem = _stem(label, target)
        for number, text in enumerate(texts.bulletin(bulletin, target.language), start=1):
            messages.append(
                OutboxMessage(
                    dedupe_key=f"{stem}:{number}",
                    chat_id=target.chat_id,
                    text=text,
                    not_before=context.now,
                    priority=Priority.NOTICE,
                    recipient_id=recipient,
                )
            )
        key = (target.unit_code, target.language)
        if key not in charts:
            # matplotlib blocks for a fraction of a second: never on the event loop.
            charts[key] = await asyncio.to_thread(texts.chart, bulletin, target.language)
        name = chart_filename(target.unit_code, bulletin.week)
        messages.append(
            media_message(
                f"{stem}:chart",
                target.chat_id,
                Media(MediaKind.PHOTO, name, data=charts[key]),
                not_before=context.now,
                caption=texts.caption(bulletin, target.language),
                recipient_id=recipient,
            )
        )
    return messages
