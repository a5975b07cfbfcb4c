"""The messages that told staff of a case (all its versions'), read back from their outbox
keys, and what marks them once the case is worked.

The keys: `declaration:<id>:` then `alert:<person>` (submitted), `v<n>:alert:<person>` (a
re-screen's) or `places:<person>` (unlocated places); `checkin-alert:<obligation>:<person>` (a
fever at a check-in); `test-alert:<obligation>:<person>` (a positive result);
`obligation:<obligation>#<step>.<repeat>:<chat>` (an escalation of the case's handling).

Once someone records that the person was reached or the case handled, every such alert
Telegram has taken is edited to say so (who, when) below its text, so that the others it went
to do not call again or wonder: the edit starts from the alert as sent, so a later record
replaces the line rather than adding one. A call recorded after the case was handled marks
only the alerts sent since (a new fever, say): the earlier ones keep saying it was handled.
Queued in the recording's transaction; sent after the commit under Telegram's limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol

from domain.cases import CaseStep
from domain.followup import subject
from domain.obligations import ObligationKind
from domain.org import Language
from domain.outbox import OutboxEntry, OutboxState, text_edit
from domain.personal_outbox import CHECKIN_ALERT_PREFIX, OBLIGATION_PREFIX
from services.result_recording import TEST_ALERT_PREFIX
from storage import Repositories

# An edit's key names the case's current declaration, so that an erasure or the retention
# purge clears it with the alerts it copies (domain/personal_outbox.py): then the alert's
# id, the step and the time.
MARK: Final = "declaration:{declaration}:mark:{alert}:{step}:{stamp}"
# The alerts a record marks: those that ask someone to act on the person (not a place to
# locate, which is settled on its own).
MARKED: Final = frozenset({"declared", "rescreen", "fever", "positive", "escalation"})

_OBLIGATION_ALERTS: Final = {
    ObligationKind.HEALTH_CHECKIN: (CHECKIN_ALERT_PREFIX + "{id}:", "fever"),
    ObligationKind.TEST_DUE: (TEST_ALERT_PREFIX + "{id}:", "positive"),
    ObligationKind.CASE_HANDLING: (OBLIGATION_PREFIX + "{id}#", "escalation"),
}


@dataclass(frozen=True, slots=True)
class CaseAlert:
    kind: str  # declared / rescreen / places / fever / positive / escalation
    occasion: str  # the key without its recipient: one occasion's messages share it
    entry: OutboxEntry


def _declaration_occasion(rest: str) -> str | None:
    occasion = rest.rsplit(":", 1)[0]
    if occasion == "alert":
        return "declared"
    if occasion.startswith("v") and occasion.endswith(":alert"):
        return "rescreen"
    return "places" if occasion == "places" else None


async def case_alerts(repos: Repositories, ids: list[int]) -> list[CaseAlert]:
    """The messages to staff about the declarations `ids` (a case's versions), oldest first:
    one read of the obligations, one of the outbox."""
    prefixes = {f"declaration:{declaration_id}:": "" for declaration_id in ids}
    for obligation in await repos.obligations.of_subjects({subject(i) for i in ids}):
        alerting = _OBLIGATION_ALERTS.get(obligation.kind)
        if alerting is not None and obligation.id is not None:
            prefixes[alerting[0].format(id=obligation.id)] = alerting[1]
    found: list[CaseAlert] = []
    for entry in await repos.outbox.with_prefixes(list(prefixes)):
        key = entry.message.dedupe_key
        prefix = next(p for p in prefixes if key.startswith(p))
        kind = prefixes[prefix] or _declaration_occasion(key.removeprefix(prefix))
        if kind is not None:  # else a message to the resident (an update's receipt, say)
            found.append(CaseAlert(kind, key.rsplit(":", 1)[0], entry))
    return found


class MarkTexts(Protocol):
    def mark(self, step: CaseStep, name: str, at: datetime, language: Language) -> str: ...


async def mark(
    repos: Repositories,
    ids: list[int],
    step: CaseStep,
    *,
    by: int,
    texts: MarkTexts,
    default_language: Language,
    now: datetime,
    handled_at: datetime | None = None,
) -> int:
    """Edit the case's alerts Telegram has taken to say `step` was recorded by `by` at
    `now` (`ids`: the current version's first; `handled_at`: when the case was last
    recorded handled before); the number of edits queued."""
    since = handled_at if step is CaseStep.CALLED else None
    sent = [
        alert.entry
        for alert in await case_alerts(repos, ids)
        if alert.kind in MARKED
        and alert.entry.state is OutboxState.SENT
        and alert.entry.sent_message_id is not None
        and (since is None or alert.entry.created_at > since)
    ]
    if not sent:
        return 0
    people = await repos.people.many({by, *(entry.chat_id for entry in sent)})
    name = people[by].name if by in people else str(by)
    stamp = int(now.timestamp())
    edits = []
    for entry in sent:
        reader = people.get(entry.chat_id)
        language = reader.language if reader is not None else default_language
        line = texts.mark(step, name, now, language)
        assert entry.sent_message_id is not None
        edits.append(
            text_edit(
                MARK.format(declaration=ids[0], alert=entry.id, step=step.value, stamp=stamp),
                entry.chat_id,
                entry.sent_message_id,
                f"{entry.message.text}\n\n{line}",
                not_before=now,
                reply_markup=entry.message.reply_markup,
            )
        )
    return await repos.outbox.enqueue_many(edits, now=now)
