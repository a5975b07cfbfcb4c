"""The texts of test-result corrections: the menu, the list of recent results, and what the
people concerned are told (services.result_fixes.ResultTexts, in each reader's language)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from domain.declarations import TestResult
from domain.org import Person
from domain.result_fixes import Notice
from services.result_fixes import RECENT_DAYS, Corrected, Correction, Recent, ResultView
from texts.i18n import Translator
from texts.result_keyboards import fix_markup, result_name


class ResultTexts:
    def fix_markup(self, person: Person, record_id: int) -> dict[str, Any]:
        """Also services.checkins.FixMarkup: the button under a positive result's alert."""
        return fix_markup(Translator(person.language), record_id)

    def staff_notice(self, person: Person, correction: Correction) -> str:
        tr = Translator(person.language)
        key = "result-fix-alert" if correction.notice is Notice.ALERT else "result-fix-retract"
        return tr(key, **_values(tr, correction))

    def resident_notice(self, person: Person, correction: Correction) -> str:
        tr = Translator(person.language)
        lines = [tr("result-fix-resident", **_values(tr, correction))]
        if correction.result is TestResult.POSITIVE:
            lines.append(tr("result-fix-resident-positive"))
        return "\n".join(lines)


def _values(tr: Translator, correction: Correction) -> dict[str, str]:
    return {
        "name": correction.name,
        "unit": correction.unit_name,
        "day": correction.day.isoformat(),
        "was": result_name(tr, correction.was),
        "result": result_name(tr, correction.result),
        "by": correction.by,
    }


def fix_menu_text(tr: Translator, view: ResultView, zone: ZoneInfo) -> str:
    record = view.record
    return tr(
        "result-fix-menu",
        name=view.name,
        unit=view.unit_name,
        day=record.day.isoformat(),
        result=result_name(tr, record.result),
        by=view.recorded_by,
        at=record.recorded_at.astimezone(zone).strftime("%m-%d %H:%M"),
    )


def fixed_text(tr: Translator, corrected: Corrected) -> str:
    correction = corrected.correction
    return tr("result-fixed", **_values(tr, correction), n=corrected.told)


def recent_text(tr: Translator, recent: Recent) -> str:
    if not recent.views:
        return tr("result-recent-none", days=RECENT_DAYS)
    lines = [tr("result-recent", days=RECENT_DAYS)]
    if recent.more:
        lines.append(tr("result-recent-more", limit=len(recent.views)))
    return "\n".join(lines)
