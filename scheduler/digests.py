"""Digests: escalations of unit reports that reach one person within a few minutes become one
message listing the units.

Without them a county office hears of every missing unit on its own at the same minute: five
"日报告逾期未报" messages for five units, 300 for a county of 300 villages. The clock hands the
steps that may be gathered (`digestible`) to `gather` instead of writing an outbox row each,
and `gather` decides, per recipient:

- nothing went to them in the last window: one message now (a single step keeps its ordinary
  text and buttons, several become a digest), so the first escalation is never held back;
- a digest is waiting for its window's end (not due within JOIN_MARGIN): the new steps join
  it, its text rebuilt from the escalation log, which names the message carrying each step
  (units filed or excused since are left out: they are no longer overdue);
- otherwise (one went out within the window): a new message at that one's time + window.

So a recipient hears at most one such message per window, and nothing is lost: every unit's
step is logged as before, with the key of the message that carried it. A digest is an outbox
row like any other (no migration), keyed digest:<chat>:<time it was opened>.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from domain.escalation import ChainBook, Step, Target
from domain.obligations import Obligation, ObligationKind
from domain.org import Language, OrgTree
from domain.outbox import OutboxMessage, OutboxState, Priority
from scheduler.messages import Rendered, StepMessage
from storage import Repositories
from storage.repos import EscalationRecord

DIGEST_PREFIX = "digest:"
# A digest due sooner than this may already be on its way to Telegram: rewriting it then
# could lose the new lines, so they open the next digest instead.
JOIN_MARGIN = timedelta(seconds=30)
# Steps to people who answer for many units; a unit's own liaisons hear of its report alone.
DIGEST_TARGETS = frozenset({Target.SUPERVISOR, Target.SUPERVISOR_UP, Target.OFFICE})
DIGEST_KINDS = frozenset({ObligationKind.UNIT_REPORT})


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One unit's step in a digest."""

    obligation_id: int
    unit_name: str
    zone_due: datetime  # the deadline in the configured time zone
    step: Step


@dataclass(frozen=True, slots=True)
class DigestMessage:
    kind: ObligationKind
    lines: tuple[DigestLine, ...]  # two or more, oldest first
    language: Language


class DigestTexts(Protocol):
    def digest(self, message: DigestMessage) -> Rendered: ...


def digestible(message: StepMessage) -> bool:
    """An escalation after the deadline of a unit report, to a supervisor in private."""
    return (
        message.obligation.kind in DIGEST_KINDS
        and message.obligation.id is not None
        and not message.recipient.group
        and message.recipient.target in DIGEST_TARGETS
        and message.step.offset >= timedelta(0)
    )


def digest_key(chat_id: int, opened: datetime) -> str:
    return f"{DIGEST_PREFIX}{chat_id}:{opened.isoformat()}"


@dataclass(frozen=True, slots=True)
class Digests:
    """What gathering needs besides the steps: the window and the renderers."""

    window: timedelta
    texts: DigestTexts
    chains: ChainBook
    zone: ZoneInfo


async def gather(
    repos: Repositories,
    steps: Sequence[StepMessage],
    digests: Digests,
    tree: OrgTree,
    *,
    single: Callable[[StepMessage], Rendered],
    now: datetime,
) -> tuple[list[OutboxMessage], list[EscalationRecord]]:
    """The outbox messages (new rows; joined rows are rewritten here) and the log lines of
    these digestible steps, in the caller's transaction."""
    by_chat: dict[int, list[StepMessage]] = {}
    for step in steps:
        by_chat.setdefault(step.recipient.chat_id, []).append(step)
    # A waiting digest was logged at most a window before it is due.
    latest = await repos.escalations.latest_outbox_keys(
        by_chat, prefix=DIGEST_PREFIX, since=now - 2 * digests.window
    )
    entries = await repos.outbox.by_keys(latest.values())
    messages: list[OutboxMessage] = []
    records: list[EscalationRecord] = []
    for chat_id, new in by_chat.items():
        entry = entries.get(latest.get(chat_id, ""))
        language = new[0].language
        if (
            entry is not None
            and entry.state is OutboxState.PENDING
            and entry.next_attempt_at > now + JOIN_MARGIN
        ):
            key = entry.message.dedupe_key
            earlier = await _logged_lines(repos, key, digests, tree)
            if not earlier and len(new) == 1:  # the units it named have all filed since
                rendered = single(new[0])
            else:
                lines = (*earlier, *map(_line, new))
                rendered = digests.texts.digest(
                    DigestMessage(new[0].obligation.kind, lines, language)
                )
            if await repos.outbox.rewrite_pending(key, rendered.text, rendered.reply_markup):
                records += (_record(step, key, now) for step in new)
                continue
        opens = now
        if entry is not None and entry.message.not_before + digests.window > now:
            opens = entry.message.not_before + digests.window
        key = digest_key(chat_id, opens)
        if len(new) == 1:
            rendered = single(new[0])
        else:
            lines = tuple(_line(step) for step in new)
            rendered = digests.texts.digest(DigestMessage(new[0].obligation.kind, lines, language))
        messages.append(
            OutboxMessage.private(
                key, chat_id, rendered.text, opens, Priority.ALERT, rendered.reply_markup
            )
        )
        records += (_record(step, key, now) for step in new)
    return messages, records


def _line(step: StepMessage) -> DigestLine:
    assert step.obligation.id is not None  # digestible() checked it
    return DigestLine(step.obligation.id, step.unit_name, step.zone_due, step.step)


def _record(step: StepMessage, key: str, now: datetime) -> EscalationRecord:
    assert step.obligation.id is not None
    return EscalationRecord(
        step.obligation.id,
        step.event.step,
        step.event.repeat,
        "sent",
        step.step.message,
        now,
        target=step.recipient.target.value,
        chat_id=step.recipient.chat_id,
        covering_for=step.recipient.covering_for,
        outbox_key=key,
    )


async def _logged_lines(
    repos: Repositories, key: str, digests: Digests, tree: OrgTree
) -> list[DigestLine]:
    """The lines of the steps a waiting digest already carries, from the escalation log."""
    lines: list[DigestLine] = []
    cache: dict[int, Obligation | None] = {}
    for record in await repos.escalations.for_outbox_key(key):
        if record.obligation_id not in cache:
            cache[record.obligation_id] = await repos.obligations.get_by_id(record.obligation_id)
        obligation = cache[record.obligation_id]
        chain = digests.chains.of(obligation) if obligation is not None else None
        if obligation is None or chain is None or record.step >= len(chain.steps):
            continue  # deleted, or the chain changed since: the log keeps the step anyway
        if obligation.state.closed:
            continue  # filed or excused since: no longer overdue (the log keeps the step)
        unit = tree.get(obligation.unit_code).name if obligation.unit_code in tree else ""
        lines.append(
            DigestLine(
                record.obligation_id,
                unit or obligation.unit_code,
                obligation.due_at.astimezone(digests.zone),
                chain.steps[record.step],
            )
        )
    return lines
