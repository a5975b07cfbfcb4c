"""Turning service outcomes and domain objects into message text in the user's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers

from domain.org import OrgTree, Role, Unit
from services.onboarding import Outcome
from texts.i18n import Translator


def role_name(tr: Translator, role: Role) -> str:
    return tr(f"role-{role.value}")


def unit_path(tree: OrgTree, code: str) -> str:
    """The unit's place in the tree; a unit no longer in the tree is shown by its code."""
    return tree.path(code) if code in tree else code


def unit_label(tree: OrgTree, unit: Unit | None) -> str:
    if unit is None:
        return ""
    return tree.path(unit.code) if unit.code in tree else unit.name


def phone_display(phone: str) -> str:
    """A stored E.164 number as people read it: a mainland number in national groups
    ("139 0013 8000"), any other in international groups ("+852 9123 4567"); a value that is
    no valid number is shown as stored."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return phone
    if not phonenumbers.is_valid_number(number):
        return phone
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == phonenumbers.country_code_for_region("CN")
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def outcome_text(tr: Translator, outcome: Outcome, tree: OrgTree) -> str:
    """Outcome keys double as message keys; their placeholders are filled from the outcome."""
    return tr(
        outcome.key,
        unit=unit_label(tree, outcome.unit),
        role=role_name(tr, outcome.role) if outcome.role else "",
    )
