"""Callback data (versioned, so old buttons fail cleanly after a change) and keyboards."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Final

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import Field

from domain.form_buttons import FormAction
from domain.org import GroupPurpose, Language, Role, Unit
from texts.i18n import Html, Translator
from texts.messaging import shorten

INVITABLE_ROLES = (Role.SUPERVISOR, Role.LIAISON, Role.DEPUTY, Role.TRACKER)
# Beyond this many units a keyboard stops being usable (a liaison of more units than this
# types /report with the unit's name instead).
MAX_UNIT_BUTTONS = 30
LANGUAGE_NAMES = {Language.ZH_CN: "中文", Language.EN: "English"}
# Marks the ticked items of a checklist, and only those: a mark on an item not ticked (or on
# "none") reads as already chosen.
TICKED = "✅ "

# Every int of callback data is bounded: the data is whatever the client sends, and a number
# beyond 64 bits would overflow the database driver instead of failing to parse. Out of
# bounds, the CallbackData filter does not match and the fallback answers "button-expired".
MAX_ROW_ID: Final = 2**63 - 1  # BIGINT on PostgreSQL, INTEGER on SQLite: 64-bit signed
MAX_SMALL: Final = 9999
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""A database row's id (an obligation's): ids start at 1."""
SmallNumber = Annotated[int, Field(ge=0, le=MAX_SMALL)]
"""A question's position in a form, or a count of versions on file."""


class LanguageChoice(CallbackData, prefix="v1lang"):
    language: Language


class InviteRoleChoice(CallbackData, prefix="v1invr"):
    role: Role


class InvitePick(CallbackData, prefix="v1invp"):
    """A unit chosen, or a level opened, for an invitation to `role`; checked again on press."""

    role: Role
    unit: str  # "" with browse: the top level
    browse: bool


class BindPick(CallbackData, prefix="v1bndp"):
    """A unit chosen, or a level opened, to bind a group to; anyone in the group may press,
    so the presser's right is checked again."""

    purpose: GroupPurpose
    unit: str  # "" with browse: the top level
    browse: bool


class AwayPick(CallbackData, prefix="v1awayu"):
    """A unit chosen, or a level opened, for `/away NAME` (who is away there)."""

    unit: str  # "" with browse: the top level
    browse: bool


class MembersPick(CallbackData, prefix="v1memu"):
    """A unit chosen, or a level opened, for /members; checked again on press."""

    unit: str  # "" with browse: the top level
    browse: bool


class RemoveStep(StrEnum):
    ASK = "ask"  # show the confirmation
    YES = "yes"  # confirmed: take the role away
    BACK = "back"  # not now: the list again


class MemberRemove(CallbackData, prefix="v1memr"):
    """Take a role away (a role assignment, by id: a unit's code and a person's id would not
    fit in 64 bytes): ask to confirm, confirm, or go back to the list. Every step checks the
    presser's right again."""

    assignment: RowId
    step: RemoveStep


class ExcuseObligation(CallbackData, prefix="v1exc"):
    """ "Excuse…" under an escalation. Only an id: the handler loads the obligation and checks
    the presser's rights again, since callback data is whatever the client sends."""

    obligation_id: RowId


class ReportUnitChoice(CallbackData, prefix="v1repu"):
    """/report or /zero with several units: which unit. Checked again on press."""

    zero: bool
    unit: str


class ReportStep(CallbackData, prefix="v1reps"):
    """A button of the report dialog. `position` is the question (or the summary) it was sent
    with: a button from an earlier message no longer matches the draft and is refused."""

    action: FormAction
    position: SmallNumber
    key: str = ""  # edit: the field's key; choose: the choice's index
    # Which dialog it belongs to: a summary left over from another unit's or day's dialog
    # has the same positions and must not act on the current one.
    dialog: str = ""


class StatusOpen(CallbackData, prefix="v1stao"):
    """Open a unit's roll-up for a day from the roll-up of the unit above it."""

    unit: str
    day: str  # ISO date


class StatusUnit(CallbackData, prefix="v1stau"):
    """A unit chosen, or a level of the tree opened, from the choices /status offered."""

    unit: str  # "" with browse: the top level
    day: str  # ISO date
    browse: bool


# Telegram allows about a hundred buttons under one message; lists of units stop here.
MOST_UNIT_BUTTONS = 90


def two_a_row(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[start : start + 2] for start in range(0, len(buttons), 2)]


def status_children_keyboard(
    children: Sequence[tuple[str, str]], day: str
) -> InlineKeyboardMarkup | None:
    """A button per (unit code, name) below a roll-up, two a row; None when there are none."""
    buttons = [
        InlineKeyboardButton(
            text=shorten(name, MAX_BUTTON_LABEL),
            callback_data=StatusOpen(unit=code, day=day).pack(),
        )
        for code, name in children[:MOST_UNIT_BUTTONS]
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=two_a_row(buttons))


class ZeroConfirm(CallbackData, prefix="v1repz"):
    """Confirm (or cancel) a zero report for a unit and reporting day."""

    ok: bool
    unit: str
    day: str  # ISO date
    base: SmallNumber  # versions on file when asked: a second tap must not file another one


class ReminderReport(CallbackData, prefix="v1repr"):
    """ "File report" / "Zero report" under a unit-report reminder. Only an id: the handler
    loads the obligation and checks the presser is the unit's liaison or deputy."""

    zero: bool
    obligation_id: RowId


def report_reminder_markup(tr: Translator, obligation_id: int) -> dict[str, Any]:
    """As Bot API JSON for the outbox, like `excuse_markup`."""
    row = [
        {
            "text": tr("report-button-file"),
            "callback_data": ReminderReport(zero=False, obligation_id=obligation_id).pack(),
        },
        {
            "text": tr("report-button-zero"),
            "callback_data": ReminderReport(zero=True, obligation_id=obligation_id).pack(),
        },
    ]
    return {"inline_keyboard": [row]}


def report_unit_keyboard(units: list[Unit], *, zero: bool) -> InlineKeyboardMarkup | None:
    if not units or len(units) > MAX_UNIT_BUTTONS:
        return None
    builder = InlineKeyboardBuilder()
    for unit in units:
        builder.button(text=unit.name, callback_data=ReportUnitChoice(zero=zero, unit=unit.code))
    builder.adjust(2)
    return builder.as_markup()


def report_question_keyboard(
    tr: Translator,
    position: int,
    *,
    dialog: str,
    back: bool,
    skip: bool,
    choices: tuple[str, ...] = (),
    held: Sequence[tuple[FormAction, str]] = (),
) -> InlineKeyboardMarkup:
    """`held`: (keep or records, label) buttons answering with a value the dialog holds."""
    rows: list[list[InlineKeyboardButton]] = []
    if held:
        rows.append(
            [
                InlineKeyboardButton(
                    text=label,
                    callback_data=ReportStep(
                        action=action, position=position, dialog=dialog
                    ).pack(),
                )
                for action, label in held
            ]
        )
    for index, choice in enumerate(choices):
        data = ReportStep(
            action=FormAction.CHOOSE, position=position, key=str(index), dialog=dialog
        )
        rows.append([InlineKeyboardButton(text=choice, callback_data=data.pack())])
    nav = []
    if back:
        data = ReportStep(action=FormAction.BACK, position=position, dialog=dialog)
        nav.append(InlineKeyboardButton(text=tr("report-button-back"), callback_data=data.pack()))
    if skip:
        data = ReportStep(action=FormAction.SKIP, position=position, dialog=dialog)
        nav.append(InlineKeyboardButton(text=tr("report-button-skip"), callback_data=data.pack()))
    cancel = ReportStep(action=FormAction.CANCEL, position=position, dialog=dialog)
    nav.append(InlineKeyboardButton(text=tr("report-button-cancel"), callback_data=cancel.pack()))
    rows.append(nav)
    return InlineKeyboardMarkup(inline_keyboard=rows)


# A button shows at most this much of a field's label. The catalog's labels fit (a field whose
# question is longer has a short name for its button); a configured label is cut.
MAX_BUTTON_LABEL = 24


def report_summary_keyboard(
    tr: Translator, position: int, fields: list[tuple[str, str]], *, dialog: str
) -> InlineKeyboardMarkup:
    """`fields`: (key, label) of every field shown in the summary."""
    builder = InlineKeyboardBuilder()
    for key, label in fields:
        builder.button(
            text=tr(
                "report-button-edit", field=Html(shorten(label, MAX_BUTTON_LABEL))
            ),  # not HTML: no escaping
            callback_data=ReportStep(
                action=FormAction.EDIT, position=position, key=key, dialog=dialog
            ),
        )
    builder.adjust(2)
    builder.row(
        InlineKeyboardButton(
            text=tr("report-button-submit"),
            callback_data=ReportStep(
                action=FormAction.SUBMIT, position=position, dialog=dialog
            ).pack(),
        ),
        InlineKeyboardButton(
            text=tr("report-button-cancel"),
            callback_data=ReportStep(
                action=FormAction.CANCEL, position=position, dialog=dialog
            ).pack(),
        ),
    )
    return builder.as_markup()


def zero_confirm_keyboard(tr: Translator, unit: str, day: str, base: int) -> InlineKeyboardMarkup:
    confirm = ZeroConfirm(ok=True, unit=unit, day=day, base=base).pack()
    cancel = ZeroConfirm(ok=False, unit=unit, day=day, base=base).pack()
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=tr("report-button-zero-confirm"), callback_data=confirm),
                InlineKeyboardButton(text=tr("report-button-cancel"), callback_data=cancel),
            ]
        ]
    )


def excuse_markup(tr: Translator, obligation_id: int) -> dict[str, Any]:
    """As Bot API JSON, because it goes into an outbox row rather than straight to aiogram."""
    button = {
        "text": tr("obligation-excuse-button"),
        "callback_data": ExcuseObligation(obligation_id=obligation_id).pack(),
    }
    return {"inline_keyboard": [[button]]}


def language_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for language, name in LANGUAGE_NAMES.items():
        builder.button(text=name, callback_data=LanguageChoice(language=language))
    return builder.as_markup()


def role_keyboard(tr: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for role in INVITABLE_ROLES:
        builder.button(text=tr(f"role-{role.value}"), callback_data=InviteRoleChoice(role=role))
    builder.adjust(2)
    return builder.as_markup()


def link_keyboard(text: str, url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=text, url=url)]])
