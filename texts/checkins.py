"""The check-in alerts and flags put in the outbox, in the recipient's language."""

from __future__ import annotations

from domain.checkins import AlertReason
from domain.org import Person
from services.checkins import Alert
from texts.i18n import Translator


def render_alert(person: Person, alert: Alert) -> str:
    """An alert or flag in the recipient's language: the resident's name, never a phone or ID."""
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
