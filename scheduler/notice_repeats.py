"""Repeated notices from the calendar: every minute (the built-in job `fire_notice_repeats`),
each active repeat whose time has come makes its repetition, a notice of its own in the
ledger, through the sending service.

A repetition is keyed by its repeat and its firing time (the notices table's unique
(repeat_id, occurrence)), so two instances or a run repeated after a crash never send it
twice. After downtime only the latest missed firing of each repeat is sent: a notice saying
today's words once beats a backlog of stale ones."""

from __future__ import annotations

import logging

from domain.notice_compose import firings
from scheduler.context import JobContext, Summary, action
from services.notices.sending import create_notice
from storage import Repositories

logger = logging.getLogger(__name__)


@action("fire_notice_repeats")
async def fire_notice_repeats(context: JobContext) -> Summary:
    config = context.notices
    if config is None:  # nothing to send with (a tool that runs the jobs without the bot)
        return {"skipped": 1}
    fired = 0
    async with context.database.transaction() as session:
        repos = Repositories(session)
        for rule in await repos.notices.active_repeats():
            since = rule.last_fired_at or rule.created_at
            due = firings(rule.repeat, since, context.now, context.zone)
            if not due:
                continue
            occurrence = due[-1]
            request = await repos.notices.repeat_request(rule.id, fired_at=occurrence)
            if request is not None:
                made = await create_notice(
                    repos,
                    config,
                    request,
                    now=context.now,
                    repeat_id=rule.id,
                    occurrence=occurrence,
                )
                fired += made is not None
            await repos.notices.repeat_fired(rule.id, occurrence)
    if fired:
        logger.info("notice repeats: %d repetitions sent", fired)
    return {"fired": fired}
