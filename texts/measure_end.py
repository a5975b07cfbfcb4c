"""The messages about a measure's end: ended early by staff (to the resident) and ended by
date (to the resident and to the unit's liaisons)."""

from __future__ import annotations

from typing import Any

from domain.org import Language
from services.measure_end import EndNotice
from texts.case_keyboards import CaseAct, CaseAction
from texts.declarations import category_text
from texts.i18n import Translator


class MeasureEndTexts:
    """services.measure_end.MeasureTexts with the bot's catalogs."""

    def released(self, notice: EndNotice, language: Language) -> str:
        return self._say("measure-released", notice, language)

    def ended(self, notice: EndNotice, language: Language) -> str:
        return self._say("measure-ended", notice, language)

    def ended_staff(self, notice: EndNotice, language: Language) -> str:
        return self._say("measure-ended-staff", notice, language)

    def case_markup(self, notice: EndNotice, language: Language) -> dict[str, Any]:
        view = CaseAct(declaration=notice.declaration_id, action=CaseAction.VIEW).pack()
        label = Translator(language)("case-button-view")
        return {"inline_keyboard": [[{"text": label, "callback_data": view}]]}

    @staticmethod
    def _say(key: str, notice: EndNotice, language: Language) -> str:
        tr = Translator(language)
        return tr(
            key,
            id=notice.declaration_id,
            name=notice.resident_name or "-",
            unit=notice.unit_name,
            category=category_text(tr, notice.category),
            day=notice.last_day.isoformat(),
            reason=notice.reason or "",
        )


MEASURE_TEXTS = MeasureEndTexts()
