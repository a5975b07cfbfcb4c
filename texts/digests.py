"""The text of an escalation digest (scheduler.digests): several units' missing reports in one
message to one supervisor, with a button per unit to excuse it, as under a single escalation."""

from __future__ import annotations

from typing import Any

from domain.escalation import Target
from scheduler.digests import DigestLine, DigestMessage
from scheduler.engine import Rendered
from texts.i18n import Html, Translator
from texts.keyboards import ExcuseObligation
from texts.obligations import due_text, kind_name

# Telegram takes 4096 characters and 100 buttons; a county of 300 villages must still fit.
MAX_LINES = 60
MAX_BUTTONS = 40
BUTTONS_PER_ROW = 2


class EscalationDigestTexts:
    def digest(self, message: DigestMessage) -> Rendered:
        tr = Translator(message.language)
        lines = _unique(message.lines)
        # Steps addressed to the office say so, as the single unit's message does.
        office = all(Target.OFFICE in line.step.targets for line in lines)
        title = "obligation-digest-title-office" if office else "obligation-digest-title"
        text = [tr(title, count=len(lines), kind=kind_name(tr, message.kind))]
        text += [
            tr(
                "obligation-digest-line",
                unit=line.unit_name,  # the Translator escapes it
                due=due_text(line.zone_due),
            )
            for line in lines[:MAX_LINES]
        ]
        if len(lines) > MAX_LINES:
            text.append(tr("obligation-digest-more", count=len(lines) - MAX_LINES))
        text.append(tr("obligation-digest-footer"))
        return Rendered("\n".join(text), _markup(tr, lines[:MAX_BUTTONS]))


def _unique(lines: tuple[DigestLine, ...]) -> list[DigestLine]:
    """One line per unit's obligation: two steps of it (a catch-up) are one missing report."""
    seen: dict[int, DigestLine] = {}
    for line in lines:
        seen.setdefault(line.obligation_id, line)
    return list(seen.values())


def _markup(tr: Translator, lines: list[DigestLine]) -> dict[str, Any]:
    # Only an id, as under a single escalation: the press is checked (handlers.excuse).
    buttons = [
        {
            # A button is not HTML: the name is shown as it is, never escaped.
            "text": tr("obligation-digest-button", unit=Html(line.unit_name)),
            "callback_data": ExcuseObligation(obligation_id=line.obligation_id).pack(),
        }
        for line in lines
    ]
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return {"inline_keyboard": rows}
