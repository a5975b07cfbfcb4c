"""The check-in alerts and flags put in the outbox, in the recipient's language."""

from __future__ import annotations

from typing import Any

from domain.checkins import AlertReason
from domain.org import Person
from services.checkins import Alert
from services.declaration_support import mask_phone
from texts.case_keyboards import case_markup
from texts.i18n import Translator
from texts.rendering import phone_display


def render_alert(person: Person, alert: Alert) -> str:
    """An alert or flag in the recipient's language. An alert names the phone (in full for
    those who must call, masked for others, as declaration alerts do); a flag, only the
    resident's name. Never an ID number."""
    tr = Translator(person.language)
    day = alert.day.isoformat()
    if not alert.reasons:
        return tr(
            "checkin-flag-identical",
            name=alert.name,
            unit=alert.unit_name,
            days=alert.identical_days,
            temperature=f"{alert.temperature:.1f}",
            day=day,
        )
    lines = [tr("checkin-alert-title", name=alert.name, unit=alert.unit_name, day=day)]
    away = dict(alert.covers).get(person.telegram_id)
    if away is not None:  # a cover: whom for, as the escalations say
        lines.append(tr("obligation-covering", name=away))
    if alert.phone:
        full = person.telegram_id in alert.callers
        shown = phone_display(alert.phone) if full else mask_phone(alert.phone)
        lines.append(tr("checkin-alert-phone", phone=shown or ""))
    if AlertReason.FEVER in alert.reasons or (
        AlertReason.SYMPTOMS in alert.reasons and alert.temperature is not None
    ):
        lines.append(tr("checkin-alert-temperature", temperature=f"{alert.temperature:.1f}"))
    if AlertReason.SYMPTOMS in alert.reasons:
        names = tr("list-separator").join(tr(f"symptom-{s.value}") for s in alert.symptoms)
        lines.append(tr("checkin-alert-symptoms", symptoms=names))
    if AlertReason.POSITIVE in alert.reasons:
        lines.append(tr("checkin-alert-positive"))
    lines.append(tr("checkin-alert-action"))
    return "\n".join(lines)


def alert_markup(person: Person, alert: Alert) -> dict[str, Any] | None:
    """The case's buttons under an alert (services.checkins.AlertMarkup): see the declaration,
    record a call or the handling, and for those who see the number masked, show it."""
    if alert.declaration_id is None:
        return None
    masked = bool(alert.phone) and person.telegram_id not in alert.callers
    return case_markup(Translator(person.language), alert.declaration_id, phone=masked)
