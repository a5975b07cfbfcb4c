"""The weekly bulletin (通报) as text and its trend chart (domain/bulletin.py), for the job
(scheduler.context.BulletinTexts) and /bulletin alike, and the callback data of /bulletin's
unit buttons."""

from __future__ import annotations

from typing import Final

from aiogram.filters.callback_data import CallbackData

from domain.bulletin import REFUSALS, Bulletin, week_label
from domain.org import Language, Unit
from domain.stats import ReportCounts
from texts import charts
from texts.i18n import Html, Translator
from texts.messaging import split_html
from texts.period_keyboards import period_label
from texts.stats import notices_line, rate_text

# Lines of the ranking and names in each list at most; the rest is counted, not listed (a
# county's bulletin names its townships, not ten thousand villages).
MOST_LINES: Final = 40

REFUSAL_KEYS: Final = REFUSALS


class BulletinUnit(CallbackData, prefix="v1bltu"):
    """A unit chosen (or a level opened) for /bulletin of `week`. Checked again on press."""

    unit: str  # "" with browse: the top level
    browse: bool
    week: str  # the ISO week's Monday, e.g. 2026-11-23


def _counts(tr: Translator, counts: ReportCounts) -> str:
    return tr(
        "bulletin-counts",
        on_time=counts.on_time,
        late=counts.late,
        missing=counts.missing,
        excused=counts.excused,
    )


def _names(tr: Translator, units: list[Unit]) -> str:
    shown = tr("list-separator").join(unit.name for unit in units[:MOST_LINES])
    if len(units) > MOST_LINES:
        shown += tr("bulletin-and-more", count=len(units) - MOST_LINES)
    return shown


def bulletin_text(tr: Translator, bulletin: Bulletin) -> str:
    week, total = bulletin.week, bulletin.total.reports
    lines = [
        tr(
            "bulletin-title",
            unit=bulletin.root.name,
            week=week_label(week),
            period=period_label(tr, week),
        ),
        tr(
            "bulletin-total",
            expected=total.expected,
            counts=Html(_counts(tr, total)),
            rate=rate_text(tr, total.on_time_rate),
        ),
        "",
        tr("bulletin-ranking"),
    ]
    for place, (unit, figures) in enumerate(bulletin.ranked[:MOST_LINES], start=1):
        reports = figures.reports
        lines.append(
            tr(
                "bulletin-rank-line",
                place=place,
                unit=unit.name,
                rate=rate_text(tr, reports.on_time_rate),
                counts=Html(_counts(tr, reports)),
            )
        )
    if len(bulletin.ranked) > MOST_LINES:
        lines.append(tr("bulletin-more-lines", count=len(bulletin.ranked) - MOST_LINES))
    lines.append("")
    praised = list(bulletin.praised)
    lines.append(
        tr("bulletin-praised", units=Html(_names(tr, praised)))
        if praised
        else tr("bulletin-praised-none")
    )
    if bulletin.flagged:
        lines.append(tr("bulletin-flagged"))
        for unit, figures in bulletin.flagged[:MOST_LINES]:
            reports = figures.reports
            lines.append(
                tr("bulletin-flag-line", unit=unit.name, missing=reports.missing, late=reports.late)
            )
        if len(bulletin.flagged) > MOST_LINES:
            lines.append(tr("bulletin-more-lines", count=len(bulletin.flagged) - MOST_LINES))
    else:
        lines.append(tr("bulletin-flagged-none"))
    news = bulletin.total.new_by_category
    lines.append("")
    parts = [
        tr("stats-count-item", name=tr(f"followup-category-{name}"), count=count)
        for name, count in sorted(news.items(), key=lambda item: (-item[1], item[0]))
        if count
    ]
    categories = tr("list-separator").join(parts) if parts else tr("stats-nothing")
    lines.append(tr("bulletin-declarations", count=sum(news.values()), categories=Html(categories)))
    if bulletin.total.notices.expected:
        lines.append(notices_line(tr, bulletin.total))
    return "\n".join(lines)


def chart_caption(tr: Translator, bulletin: Bulletin) -> str:
    return tr("bulletin-chart-caption", unit=bulletin.root.name, week=week_label(bulletin.week))


class BulletinTexts:
    """The bot's renderer of bulletins (scheduler.context.BulletinTexts)."""

    def bulletin(self, bulletin: Bulletin, language: Language) -> list[str]:
        return split_html(bulletin_text(Translator(language), bulletin))

    def chart(self, bulletin: Bulletin, language: Language) -> bytes:
        """The week's on-time rate by day (blocking: run it in a thread)."""
        return charts.trend_chart(Translator(language), bulletin.stats)

    def caption(self, bulletin: Bulletin, language: Language) -> str:
        return chart_caption(Translator(language), bulletin)
