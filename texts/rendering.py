"""Turning service outcomes and domain objects into message text in the user's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

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


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def outcome_text(tr: Translator, outcome: Outcome, tree: OrgTree) -> str:
    """Outcome keys double as message keys; their placeholders are filled from the outcome."""
    return tr(
        outcome.key,
        unit=unit_label(tree, outcome.unit),
        role=role_name(tr, outcome.role) if outcome.role else "",
    )
