"""Reading the access log: `/audit` for admins (by person and period, a page at a time) and
`python -m bot audit` for the office. Also where views of residents' records are written, so
that every list and card that shows them records the same way.

Refusals are audited like every other refusal; an admin's first page of `/audit` and every
export of the command line are themselves entries (who read the log is part of the log)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.permissions import Actor
from services import mydata
from services.onboarding import log_refusal
from services.refusal import Refused
from storage import Repositories
from storage.records import AuditEntry
from storage.repos.audit import AuditFilter

VIEW = "audit.view"
EXPORT = "audit.export"
NOT_ADMIN = "audit-not-admin"
PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class Period:
    """Local days, both included; None: open on that side."""

    since: date | None = None
    until: date | None = None

    def bounds(self, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """The UTC-aware instants the days span: from the first's midnight to the midnight
        after the last."""
        start = None if self.since is None else datetime.combine(self.since, time(), zone)
        end = (
            None
            if self.until is None
            else datetime.combine(self.until + timedelta(days=1), time(), zone)
        )
        return start, end


@dataclass(frozen=True, slots=True)
class LogLine:
    entry: AuditEntry
    who: str  # the actor's name, their id if unknown, "" for the system


@dataclass(frozen=True, slots=True)
class LogPage:
    person: int | None
    person_name: str | None
    period: Period
    lines: tuple[LogLine, ...]
    page: int  # from 0
    pages: int
    total: int


async def record_views(
    repos: Repositories,
    actor: Actor,
    action: str,
    targets: Iterable[str],
    now: datetime,
    detail: str | None = None,
) -> None:
    """One entry per record shown to `actor` (a list shows several): the log answers "who
    saw this record" by its target alone."""
    for target in targets:
        await repos.audit.record(
            at=now,
            actor_id=actor.telegram_id,
            action=action,
            target=target,
            allowed=True,
            detail=detail,
        )


async def check_admin(repos: Repositories, actor: Actor, now: datetime) -> None:
    """Refused (audited) unless the actor is an admin (settings.admins)."""
    if not actor.is_admin:
        await log_refusal(repos, actor, VIEW, "audit log", NOT_ADMIN, now)
        raise Refused(NOT_ADMIN)


async def people_named(
    repos: Repositories, actor: Actor, name: str, now: datetime
) -> dict[int, str]:
    """Whom a name given to /audit may mean, by id; only for admins."""
    await check_admin(repos, actor, now)
    return await repos.audit.people_named(name)


async def about_people(repos: Repositories, wanted: AuditFilter) -> AuditFilter:
    """A filter by person widened to the entries about their records too (their
    declarations, test records, correction requests, themselves), whoever acted."""
    if wanted.actor_ids is None or wanted.about is not None:
        return wanted
    about: set[str] = set()
    for person in wanted.actor_ids:
        about |= await mydata.targets_about(repos, person)
    return replace(wanted, about=about)


def _describe(person: int | None, period: Period) -> str:
    """The filter, for the entry that records a reading: ids and dates, nothing else."""
    parts = [f"person {person}" if person is not None else "everyone"]
    if period.since is not None or period.until is not None:
        parts.append(f"{period.since or '…'} to {period.until or '…'}")
    return ", ".join(parts)


async def _names(repos: Repositories, entries: Iterable[AuditEntry]) -> dict[int, str]:
    ids = {e.actor_id for e in entries if e.actor_id is not None}
    return {person: p.name for person, p in (await repos.people.many(ids)).items()}


def _who(entry: AuditEntry, names: dict[int, str]) -> str:
    if entry.actor_id is None:
        return ""
    return names.get(entry.actor_id, str(entry.actor_id))


async def log_page(
    repos: Repositories,
    actor: Actor,
    *,
    person: int | None,
    period: Period,
    page: int,
    zone: ZoneInfo,
    now: datetime,
    first: bool = False,
) -> LogPage:
    """A page of the log, newest first. Checked on every call: a page button may be pressed
    by someone else, or after the presser stopped being an admin. `first`: the reading
    begins here, and is itself recorded (page turns are not, so that the pages stay put)."""
    await check_admin(repos, actor, now)
    if first:
        await repos.audit.record(
            at=now,
            actor_id=actor.telegram_id,
            action=VIEW,
            target="audit log",
            allowed=True,
            detail=_describe(person, period),
        )
    since, until = period.bounds(zone)
    wanted = await about_people(
        repos, AuditFilter(None if person is None else [person], since, until)
    )
    total = await repos.audit.count(wanted)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    entries = await repos.audit.search(wanted, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    names = await _names(repos, entries)
    named = None
    if person is not None:
        found = await repos.people.get(person)
        named = found.name if found is not None else None
    lines = tuple(LogLine(e, _who(e, names)) for e in entries)
    return LogPage(person, named, period, lines, page, pages, total)


async def export(repos: Repositories, wanted: AuditFilter, *, now: datetime) -> list[LogLine]:
    """Every entry `wanted` picks, newest first, for the office's command line; the export
    is recorded first (no actor: whoever runs the command on the server)."""
    detail = ", ".join(
        part
        for part in (
            f"person {', '.join(map(str, wanted.actor_ids))}" if wanted.actor_ids else "",
            f"from {wanted.since.isoformat()}" if wanted.since else "",
            f"until {wanted.until.isoformat()}" if wanted.until else "",
            f"action {wanted.action_prefix}*" if wanted.action_prefix else "",
        )
        if part
    )
    entries = await repos.audit.search(await about_people(repos, wanted))
    await repos.audit.record(
        at=now, actor_id=None, action=EXPORT, target="command line", allowed=True, detail=detail
    )
    names = await _names(repos, entries)
    return [LogLine(e, _who(e, names)) for e in entries]
