"""How a plan to leave (计划外出) reads wherever a declaration is shown: the result, staff
alerts, the case card, /declare's active declaration and /mine."""

from __future__ import annotations

from datetime import date

from domain.declarations import Declaration, RiskLevel
from domain.trips import PlannedTrip, planned_trip
from texts.i18n import Translator


def _day(tr: Translator, day: date | None) -> str:
    return day.isoformat() if day is not None else tr("trip-date-unknown")


def trip_line(tr: Translator, trip: PlannedTrip) -> str:
    """When, where to, and when back."""
    return tr(
        "trip-plan",
        departure=_day(tr, trip.departure),
        destination=trip.destination,
        returning=_day(tr, trip.returning),
    )


def trip_advice(tr: Translator, trip: PlannedTrip) -> list[str]:
    """For the resident: a mid- or high-risk destination is advised against; then what to do
    while away and on the way back."""
    lines = []
    if trip.risk is RiskLevel.HIGH:
        lines.append(tr("trip-risk-high", destination=trip.destination))
    elif trip.risk is RiskLevel.MID:
        lines.append(tr("trip-risk-mid", destination=trip.destination))
    lines.append(tr("trip-do"))
    return lines


def declaration_trip_lines(tr: Translator, declaration: Declaration) -> list[str]:
    """The plan of a stored declaration (none for a return)."""
    trip = planned_trip(declaration)
    return [trip_line(tr, trip)] if trip is not None else []
