"""The declaration dialog's callback data, keyboards and question texts.

Every button carries the step it was sent with, its action and value, and the dialog's id:
the handler refuses a press for another step or dialog (an old message), and the domain
refuses a value not among the current step's options (a forged one).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Final

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain import declaration_dialog as dialog
from domain import declaration_steps as steps
from domain import place_names, regions
from domain.declaration_dialog import Action, Draft
from domain.declaration_steps import Step
from domain.org import Language, Unit
from texts.i18n import Html, Translator
from texts.keyboards import TICKED
from texts.rendering import phone_display

PAGE_SIZE: Final = 12  # region buttons per page (three to a row, two for longer English names)
MAX_UNIT_BUTTONS: Final = 30
COLOUR_STEPS: Final = frozenset({Step.HCODE, Step.ICARD})
# Buttons with long labels (regions, document names, sentences): one to a row.
ONE_PER_ROW: Final = frozenset(
    {steps.REGION_MATCH, Step.SMATCH, steps.ATTEST, Step.STAYS, Step.IDTYPE, steps.FEVER_CHECK}
)
# A region answer is named by its own level, not by the step that asked it: a municipality
# (上海市) has districts where a province has cities, so the city step may answer a district.
LEVEL_STEPS: Final = {
    regions.Level.PROVINCE: Step.PROV,
    regions.Level.CITY: Step.CITY,
    regions.Level.DISTRICT: Step.DIST,
}


class DeclStep(CallbackData, prefix="v1dcl"):
    step: Step
    action: Action
    value: str = ""
    dialog: str = ""  # the dialog's id: buttons of an earlier dialog are refused


class DeclUnit(CallbackData, prefix="v1dclu"):
    """/declare or /declare_for with several units: which one. Checked again on press."""

    unit: str
    proxy: bool


def _button(text: str, data: DeclStep) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def region_name(tr: Translator, code: str, *, with_above: bool = False) -> str:
    """A division in the reader's language: 江岸区 or Jiang'an District (English names are
    derived from the data, see domain/place_names.py); `with_above` adds the units above it
    (湖北省武汉市江岸区, Jiang'an District, Wuhan, Hubei)."""
    if tr.language is Language.EN and with_above:
        return place_names.english_full_name(code)
    if tr.language is Language.EN:
        return place_names.english_name(code)
    if with_above:
        return regions.full_name(code)
    region = regions.get(code)
    return region.name if region else ""


def option_label(tr: Translator, step: Step, value: str) -> str:
    if step == Step.SPICK and value in _PICK_EXTRAS:
        return tr(_PICK_EXTRAS[value])
    if step in steps.REGION_STEPS or step in (steps.REGION_MATCH, Step.SMATCH, Step.SPICK):
        if value == dialog.KEEP_TYPED:
            return tr("declare-button-keep")
        if regions.get(value) is None:
            return value
        level_by_level = step in steps.REGION_STEPS or step == Step.SPICK
        return region_name(tr, value, with_above=not level_by_level)
    if step == Step.VACC:
        return tr("declare-doses", n=value)
    if step in COLOUR_STEPS:
        return tr(f"declare-opt-colour-{value}")
    if step == Step.STAYS:
        return tr(
            {
                "add": "declare-button-add",
                "done": "declare-button-stays-done",
                "clear": "declare-button-stays-clear",
            }.get(value, "declare-button-stays-none")
        )
    if step in steps.MULTI and value in (steps.NONE, "done"):
        return tr(f"declare-button-{value}")
    if step == Step.SYMPTOMS:
        return tr(f"symptom-{value}")  # the names the check-in uses too
    if step == steps.SUMMARY:
        return tr("declare-button-confirm")
    if step == steps.ATTEST:
        return tr("declare-button-agree")
    return tr(f"declare-opt-{step}-{value}")


_PICK_EXTRAS: Final = {
    dialog.PICK_HERE: "declare-button-pick-here",
    dialog.PICK_UP: "declare-button-pick-up",
    dialog.UNLISTED: "declare-button-unlisted",
}


def _rows(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def question_keyboard(tr: Translator, draft: Draft, dialog_id: str) -> InlineKeyboardMarkup:
    step = draft.step

    def data(action: str, value: str = "") -> DeclStep:
        return DeclStep(step=step, action=action, value=value, dialog=dialog_id)

    rows: list[list[InlineKeyboardButton]] = []
    values = list(dialog.options(draft))
    paged = step in steps.REGION_STEPS or step == Step.SPICK
    if paged:
        values = list(dialog.pick_divisions(draft)) if step == Step.SPICK else values
        pages = max(1, -(-len(values) // PAGE_SIZE))
        page = min(draft.page, pages - 1)
        shown = values[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        width = 2 if tr.language is Language.EN else 3
        buttons = [_button(option_label(tr, step, v), data(Action.PICK, v)) for v in shown]
        rows += _rows(buttons, width)
        nav = []
        if page > 0:
            nav.append(_button(tr("declare-button-prev"), data(Action.PAGE, str(page - 1))))
        if page < pages - 1:
            nav.append(_button(tr("declare-button-next"), data(Action.PAGE, str(page + 1))))
        if nav:
            rows.append(nav)
        if step == Step.SPICK:
            here = [v for v in dialog.pick_extras(draft) if v != dialog.UNLISTED]
            if here:
                rows.append(
                    [_button(option_label(tr, step, v), data(Action.PICK, v)) for v in here]
                )
            unlisted = dialog.UNLISTED
            rows.append([_button(option_label(tr, step, unlisted), data(Action.PICK, unlisted))])
    elif step == steps.SUMMARY:
        edits = [
            _button(
                tr("declare-button-edit", field=Html(field_label(tr, field, draft.answers))),
                data(Action.EDIT, field),
            )
            for field in dialog.editable(draft)
        ]
        rows += _rows(edits, 2)
        rows.append([_button(option_label(tr, step, "confirm"), data(Action.PICK, "confirm"))])
    else:
        buttons = []
        for value in values:
            label = option_label(tr, step, value)
            if step in steps.MULTI and value in draft.pending:
                label = TICKED + label
            buttons.append(_button(label, data(Action.PICK, value)))
        width = 1 if step in ONE_PER_ROW else 2
        width = 5 if step == Step.VACC else width
        rows += _rows(buttons, width)
    tail = []
    if dialog.can_back(draft):
        tail.append(_button(tr("declare-button-back"), data(Action.BACK)))
    if dialog.can_skip(draft):
        tail.append(_button(tr("declare-button-skip"), data(Action.SKIP)))
    if tail:
        rows.append(tail)
    rows.append([_button(tr("declare-button-cancel"), data(Action.CANCEL))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def unit_keyboard(units: list[Unit], *, proxy: bool) -> InlineKeyboardMarkup | None:
    if len(units) > MAX_UNIT_BUTTONS:
        return None
    buttons = [
        InlineKeyboardButton(
            text=unit.name, callback_data=DeclUnit(unit=unit.code, proxy=proxy).pack()
        )
        for unit in units
    ]
    return InlineKeyboardMarkup(inline_keyboard=_rows(buttons, 2))


# --- texts ---------------------------------------------------------------------------------


def answer_text(tr: Translator, step: Step, value: Any) -> str:
    """How an answer reads in the summary (Telegram HTML)."""
    if step == Step.STAYS:
        stays = [stay_text(tr, stay) for stay in value or ()]
        return tr("declare-stay-separator").join(stays) or tr("declare-nothing")
    return html.escape(plain_answer(tr, step, value), quote=False)


def plain_answer(tr: Translator, step: Step, value: Any) -> str:
    if value is None:
        return tr("declare-skipped")
    if step in steps.MULTI:
        labels = [option_label(tr, step, v) for v in value]
        return tr("list-separator").join(labels) or tr("declare-nothing")
    if step in steps.REGION_STEPS:
        return region_name(tr, str(value)) or str(value)
    if step in steps.CHOICES:
        return option_label(tr, step, str(value))
    if step == Step.TEMP:
        return f"{value} °C"
    if step == Step.PHONE:
        return phone_display(str(value))
    return str(value)


def field_label(tr: Translator, step: Step, answers: Mapping[str, Any]) -> str:
    """An answer's name in the summary and on its edit button."""
    region = regions.get(str(answers.get(step))) if step in steps.REGION_STEPS else None
    if step == Step.ORIGIN and steps.leaving(answers):
        return tr("declare-f-origin-leave")
    return tr(f"declare-f-{LEVEL_STEPS[region.level] if region else step}")


def pressed_answer(
    tr: Translator, step: Step, answers: Mapping[str, Any], label: str | None
) -> str | None:
    """What a pressed button answered, as its question will show it: a checklist by the items
    ticked (its button says only "done"), any other button by its label."""
    if step in steps.MULTI and step in answers:
        return plain_answer(tr, step, answers[step])
    return label


def stay_text(tr: Translator, stay: dict[str, Any]) -> str:
    """A place stayed in, with the dates given: either may have been skipped."""
    kind = tr("declare-opt-stransit-yes" if stay.get("transit") else "declare-opt-stransit-no")
    start, end = stay.get("start"), stay.get("end")
    key = {
        (True, True): "declare-stay-line",
        (True, False): "declare-stay-line-from",
        (False, True): "declare-stay-line-until",
        (False, False): "declare-stay-line-undated",
    }[bool(start), bool(end)]
    codes = stay.get("codes") or ()
    place: str = str(stay.get("place", ""))
    division = region_name(tr, codes[-1], with_above=True) if codes else ""
    if not codes and not stay.get("checked"):  # the resident sees that a person will locate it
        place = tr.html("declare-stay-place-unlisted", place=place)
    elif division and division != place:
        place = tr.html("declare-stay-place-matched", place=place, division=division)
    return tr(key, place=place, start=start or "", end=end or "", kind=kind)


# The planned return's example lies this far ahead: always inside the question's window.
PLANNED_EXAMPLE_DAYS = 7


def question_text(
    tr: Translator,
    draft: Draft,
    refusal: str | None = None,
    params: Mapping[str, str] | None = None,
    *,
    today: date | None = None,
) -> str:
    """The question of the current step (after the refusal and its values, when the last
    answer had one). `today` dates the example of the planned return (a word without it)."""
    lines = [tr(refusal, **(params or {}))] if refusal else []
    step = draft.step
    if step == steps.SUMMARY:
        lines.append(tr("declare-q-summary"))
        for field in dialog.editable(draft):
            value = answer_text(tr, field, draft.answers.get(field))
            label = field_label(tr, field, draft.answers)
            lines.append(tr("declare-summary-line", field=Html(label), value=Html(value)))
    elif step in (Step.PLANNED, Step.DEPART):
        lines.append(tr(f"declare-q-{step}", example=_planned_example(tr, today)))
    elif step == Step.SPICK:
        # Its matches, when kept, were offered and turned down ("none of these").
        key = "declare-q-spick-declined" if draft.matches else "declare-q-spick"
        lines.append(tr(key, place=draft.stay.get("place", "")))
        if draft.stay.get("pick"):
            lines.append(
                tr(
                    "declare-q-spick-at",
                    region=region_name(tr, draft.stay["pick"], with_above=True),
                )
            )
    elif step == steps.FEVER_CHECK:
        temperature = plain_answer(tr, Step.TEMP, draft.answers.get(Step.TEMP))
        lines.append(tr("declare-q-tempok", temperature=temperature))
    else:
        lines.append(tr(_question_key(draft)))
    if step == Step.STAYS and draft.stays:
        lines.append(tr("declare-q-stays-list"))
        lines += [f"· {stay_text(tr, s)}" for s in draft.stays]
    return "\n".join(lines)


def _planned_example(tr: Translator, today: date | None) -> str:
    if today is None:
        return tr("declare-example-tomorrow")
    day = today + timedelta(days=PLANNED_EXAMPLE_DAYS)
    return tr("declare-example-day", month=day.month, day=day.day)


def _question_key(draft: Draft) -> str:
    """The question of the step; the city step of a municipality, whose buttons are all
    districts, asks for the district, and the ID number asks for the document chosen."""
    if draft.step == Step.CITY:
        levels = {region.level for region in map(regions.get, dialog.options(draft)) if region}
        if levels == {regions.Level.DISTRICT}:
            return "declare-q-dist"
    if draft.step == Step.IDNO:  # each document's number has its own form
        return f"declare-q-idno-{draft.answers.get(Step.IDTYPE)}"
    if draft.step in _LEAVE_QUESTIONS and steps.leaving(draft.answers):
        return f"declare-q-{draft.step}-leave"  # asked of the destination and the way out
    return f"declare-q-{draft.step}"


_LEAVE_QUESTIONS = frozenset({Step.ORIGIN, Step.PROV, Step.COUNTRY, Step.TRANSPORT})
