"""The period picker's buttons and texts, shared by the supervisor views (/stats, /export).

Each feature brings its own callback data (`MakePeriodData`, like `texts.unit_keyboards`), so
a press lands in that feature's handler, which must check the presser's rights again and turn
the preset into dates with `domain.periods.preset` on the day of the press (a button pressed
tomorrow means tomorrow's last 7 days).

- `period_keyboard(tr, make)` — today / last 7 days / last 30 days / this month;
- `period_prompt(tr, today, max_days)` — the question, with how to type dates instead;
- `period_refusal(tr, refusal, today, max_days)` — a refusal of `domain.periods`, with an
  example of what to type;
- `period_label(tr, period)` — "2026-11-01 – 2026-11-30" (one date for a single day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.periods import DEFAULT_MAX_DAYS, Period, Preset, refusal_params
from texts.i18n import Translator
from texts.keyboards import two_a_row

MakePeriodData = Callable[[Preset], CallbackData]
"""A preset -> the feature's callback data for that button."""

PRESET_KEYS = {
    Preset.TODAY: "period-today",
    Preset.LAST_7: "period-last-7",
    Preset.LAST_30: "period-last-30",
    Preset.THIS_MONTH: "period-this-month",
}


def period_keyboard(tr: Translator, make: MakePeriodData) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(text=tr(key), callback_data=make(choice).pack())
        for choice, key in PRESET_KEYS.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=two_a_row(buttons))


def period_prompt(tr: Translator, today: date, max_days: int = DEFAULT_MAX_DAYS) -> str:
    return tr("period-ask", **refusal_params(today, max_days))


def period_refusal(
    tr: Translator, refusal: str, today: date, max_days: int = DEFAULT_MAX_DAYS
) -> str:
    return tr(refusal, **refusal_params(today, max_days))


def period_label(tr: Translator, period: Period) -> str:
    if period.first == period.last:
        return period.first.isoformat()
    return tr("period-range", first=period.first.isoformat(), last=period.last.isoformat())
