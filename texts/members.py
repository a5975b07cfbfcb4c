"""What /members shows: a unit's people by role, the buttons to take a role away, and the
outcome of a removal."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.org import Role, Unit
from services.members import UNIT_WORKERS, Member, Removal
from texts.i18n import Html, Translator
from texts.keyboards import MemberRemove, RemoveStep
from texts.rendering import role_name

# Staff first, in the order of responsibility; residents are counted, not listed (a village
# has hundreds, and taking their role away is not what /members is for).
STAFF_ORDER = (Role.SUPERVISOR, Role.LIAISON, Role.DEPUTY, Role.TRACKER)


def members_text(tr: Translator, unit: Unit, people: Sequence[Member], *, reports: bool) -> str:
    """The list; `reports`: the unit owes daily reports, so having no liaison is a warning."""
    lines = [tr("members-title", unit=unit.name)]
    for role in STAFF_ORDER:
        names = [m.person.name for m in people if m.role is role]
        value = tr("list-separator").join(names) if names else tr("members-nobody")
        lines.append(tr("members-role-line", role=_heading(role_name(tr, role)), names=value))
    residents = sum(1 for m in people if m.role is Role.RESIDENT)
    lines.append(tr("members-residents", count=residents))
    if reports and not any(m.role in UNIT_WORKERS for m in people):
        lines.append(tr("members-no-worker", unit=unit.name))
    return "\n".join(lines)


def _heading(name: str) -> str:
    """A role name at the start of a line ("Supervisor: …"); Chinese has no case."""
    return name[:1].upper() + name[1:]


def members_keyboard(
    tr: Translator, people: Sequence[Member], me: int
) -> InlineKeyboardMarkup | None:
    """A "remove" button per staff role held, but not for the caller's own."""
    buttons = [
        [
            InlineKeyboardButton(
                # Button labels are plain text: the name is not escaped.
                text=tr("members-remove", name=Html(m.person.name), role=role_name(tr, role)),
                callback_data=MemberRemove(assignment=m.assignment_id, step=RemoveStep.ASK).pack(),
            )
        ]
        for role in STAFF_ORDER
        for m in people
        if m.role is role and m.person.telegram_id != me
    ]
    return InlineKeyboardMarkup(inline_keyboard=buttons) if buttons else None


def confirm_keyboard(tr: Translator, asked: MemberRemove) -> InlineKeyboardMarkup:
    yes = asked.model_copy(update={"step": RemoveStep.YES})
    back = asked.model_copy(update={"step": RemoveStep.BACK})
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=tr("members-confirm-yes"), callback_data=yes.pack()),
                InlineKeyboardButton(text=tr("members-confirm-back"), callback_data=back.pack()),
            ]
        ]
    )


def removal_text(tr: Translator, removal: Removal, *, reports: bool) -> str:
    where = {"unit": removal.unit.name, "role": role_name(tr, removal.role)}
    lines = [tr("members-removed", name=removal.person.name, **where)]
    if removal.role in UNIT_WORKERS and reports:
        if removal.remaining:
            names = tr("list-separator").join(p.name for p in removal.remaining)
            lines.append(tr("members-passed-to", names=names, unit=removal.unit.name))
        else:
            lines.append(tr("members-no-worker", unit=removal.unit.name))
    return "\n".join(lines)
