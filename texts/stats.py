"""The text of /stats: a short summary of a subtree's statistics over a period (the charts
come as images, texts/charts.py), and the callback data of its buttons."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.filters.callback_data import CallbackData

from domain.periods import Preset
from domain.policy import Category
from domain.stats import FollowupCounts, Statistics, UnitFigures
from texts.i18n import Translator
from texts.period_keyboards import period_label


class StatsUnit(CallbackData, prefix="v1stsu"):
    """A unit chosen (or a level opened) for /stats. Checked again on press."""

    unit: str  # "" with browse: the top level
    browse: bool


class StatsPeriod(CallbackData, prefix="v1stsp"):
    """A period button for /stats about `unit`. Checked again on press."""

    unit: str
    preset: Preset


def rate_text(tr: Translator, rate: float | None) -> str:
    return f"{100 * rate:.1f}%" if rate is not None else tr("stats-rate-none")


def _counted(tr: Translator, counts: Mapping[str, int], key: str) -> str:
    parts = [
        tr("stats-count-item", name=tr(f"{key}{name}"), count=count)
        for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if count
    ]
    return tr("list-separator").join(parts) if parts else tr("stats-nothing")


def _followups(tr: Translator, key: str, counts: FollowupCounts) -> str:
    return tr(
        key,
        expected=counts.expected,
        done=counts.done,
        excused=counts.excused,
        missed=counts.missed,
        rate=rate_text(tr, counts.completion),
    )


def summary_text(tr: Translator, stats: Statistics) -> str:
    total = stats.total
    reports = total.reports
    lines = [
        tr("stats-title", unit=stats.root.name, period=period_label(tr, stats.period)),
        tr(
            "stats-reports",
            expected=reports.expected,
            filed=reports.filed,
            on_time=reports.on_time,
            late=reports.late,
            zero=reports.zero,
            excused=reports.excused,
            missing=reports.missing,
            rate=rate_text(tr, reports.on_time_rate),
        ),
    ]
    if reports.not_due:
        lines.append(tr("stats-not-due", count=reports.not_due))
    if total.longest_miss_run and total.longest_miss_unit is not None:
        unit = stats.root if total.longest_miss_unit == stats.root.code else None
        name = unit.name if unit else _unit_name(stats, total.longest_miss_unit)
        lines.append(tr("stats-miss-run", days=total.longest_miss_run, unit=name))
    if reports.average_lateness is not None:
        lines.append(tr("stats-lateness", minutes=round(reports.average_lateness)))
    news = sum(total.new_by_category.values())
    lines.append(
        tr(
            "stats-declarations",
            count=news,
            categories=_counted(tr, total.new_by_category, "followup-category-"),
        )
    )
    if news:
        lines.append(tr("stats-origins", origins=_counted(tr, total.new_by_origin, "risk-level-")))
    lines.append(
        tr("stats-measures", measures=_counted(tr, total.under_measure, "followup-category-"))
    )
    if total.checkins.expected:
        lines.append(_followups(tr, "stats-checkins", total.checkins))
    if total.tests.expected:
        lines.append(_followups(tr, "stats-tests", total.tests))
    if total.notices.expected:
        lines.append(notices_line(tr, total))
    return "\n".join(lines)


def notices_line(tr: Translator, figures: UnitFigures) -> str:
    """The confirmations the period's notices asked for and got (shown when any were asked)."""
    return tr(
        "stats-notices",
        expected=figures.notices.expected,
        confirmed=figures.notices.confirmed,
        rate=rate_text(tr, figures.notices.rate),
    )


def _unit_name(stats: Statistics, code: str) -> str:
    for unit, _ in stats.units:
        if unit.code == code:
            return unit.name
    return code


# Every category has a name (the catalog test checks keys built from enums).
CATEGORY_KEYS = tuple(f"followup-category-{category.value}" for category in Category)
