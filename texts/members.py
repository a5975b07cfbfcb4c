"""What /members shows: a unit's people by role, the buttons to take a role away, and the
outcome of a removal."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.org import Person, Role, Unit
from services.members import Removal
from texts.i18n import Html, Translator
from texts.keyboards import MemberRemove, RemoveStep
from texts.rendering import role_name

# Staff first, in the order of responsibility; residents are counted, not listed (a village
# has hundreds, and taking their role away is not what /members is for).
STAFF_ORDER = (Role.SUPERVISOR, Role.LIAISON, Role.DEPUTY, Role.TRACKER)


def members_text(tr: Translator, unit: Unit, people: Sequence[tuple[Person, Role]]) -> str:
    lines = [tr("members-title", unit=unit.name)]
    for role in STAFF_ORDER:
        names = [person.name for person, held in people if held is role]
        value = tr("list-separator").join(names) if names else tr("members-nobody")
        lines.append(tr("members-role-line", role=role_name(tr, role), names=value))
    residents = sum(1 for _, held in people if held is Role.RESIDENT)
    lines.append(tr("members-residents", count=residents))
    if not any(held in (Role.LIAISON, Role.DEPUTY) for _, held in people):
        lines.append(tr("members-no-worker", unit=unit.name))
    return "\n".join(lines)


def members_keyboard(
    tr: Translator, unit: Unit, people: Sequence[tuple[Person, Role]], me: int
) -> InlineKeyboardMarkup | None:
    """A "remove" button per staff role held, but not for the caller's own."""
    buttons = [
        [
            InlineKeyboardButton(
                # Button labels are plain text: the name is not escaped.
                text=tr("members-remove", name=Html(person.name), role=role_name(tr, role)),
                callback_data=MemberRemove(
                    unit=unit.code, person=person.telegram_id, role=role, step=RemoveStep.ASK
                ).pack(),
            )
        ]
        for role in STAFF_ORDER
        for person, held in people
        if held is role and person.telegram_id != me
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


def removal_text(tr: Translator, removal: Removal) -> str:
    where = {"unit": removal.unit.name, "role": role_name(tr, removal.role)}
    lines = [tr("members-removed", name=removal.person.name, **where)]
    if removal.role in (Role.LIAISON, Role.DEPUTY):
        if removal.remaining:
            names = tr("list-separator").join(p.name for p in removal.remaining)
            lines.append(tr("members-passed-to", names=names, unit=removal.unit.name))
        else:
            lines.append(tr("members-no-worker", unit=removal.unit.name))
    return "\n".join(lines)
