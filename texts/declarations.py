"""The texts of a submitted declaration: the resident's result (category, measure, dates, what
to do) and the alerts and re-screen notices the service puts in the outbox.

`TEXTS` is the renderer services.declarations uses (its `DeclarationTexts`). Names and unit
names go through the Translator, which escapes them; area names are escaped where they are
joined into a list, and pieces already rendered are passed on as `Html`. Staff alerts carry
the masked phone only.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, timedelta

from domain.org import Language
from domain.policy import Category
from services.declarations import Alert, ResidentUpdate, Submitted
from texts.i18n import Html, Translator, translator

# Risk areas named in one message; the rest are counted.
AREAS_SHOWN = 5


def category_text(tr: Translator, category: Category) -> str:
    return tr(f"followup-category-{category.value}")


def _dates(tr: Translator, days: Sequence[date]) -> str:
    return tr("list-separator").join(day.isoformat() for day in days)


def _areas(tr: Translator, areas: Sequence[str]) -> Html:
    named = (html.escape(area, quote=False) for area in areas[:AREAS_SHOWN])
    shown = Html(tr("list-separator").join(named))
    if len(areas) <= AREAS_SHOWN:
        return shown
    return tr.html("followup-areas-more", shown=shown, more=len(areas) - AREAS_SHOWN)


def _measure_lines(tr: Translator, submitted: Submitted) -> list[str]:
    c = submitted.classification
    lines = [tr("followup-result-category", category=category_text(tr, c.category))]
    if c.measure.days:
        lines.append(
            tr(
                "followup-result-period",
                start=submitted.start_date.isoformat(),
                last=(submitted.end_date - timedelta(days=1)).isoformat(),
                days=c.measure.days,
            )
        )
    if submitted.test_dates:
        lines.append(tr("followup-result-tests", dates=_dates(tr, submitted.test_dates)))
    if submitted.checkin_days:
        lines.append(
            tr(
                "followup-result-checkins",
                first=submitted.checkin_days[0].isoformat(),
                last=submitted.checkin_days[-1].isoformat(),
            )
        )
    lines.append(tr(f"followup-do-{c.category.value}"))
    if c.immediate_report:
        lines.append(tr("followup-result-immediate"))
    return lines


def resident_result(tr: Translator, submitted: Submitted) -> str:
    """What the resident is told on submitting (Telegram HTML)."""
    return "\n".join(
        [tr("followup-result-title", id=submitted.declaration_id), *_measure_lines(tr, submitted)]
    )


def resident_update(tr: Translator, update: ResidentUpdate) -> str:
    """What a resident is told when a re-screen re-classified their declaration."""
    now = update.now
    lines = [
        tr("followup-update-title", id=now.declaration_id),
        tr(
            "followup-update-changed",
            previous=category_text(tr, update.previous),
            category=category_text(tr, now.classification.category),
        ),
    ]
    if update.matched:
        lines.append(tr("followup-update-areas", areas=_areas(tr, update.matched)))
    return "\n".join(lines + _measure_lines(tr, now)[1:])


def alert(tr: Translator, item: Alert) -> str:
    """A staff alert about one declaration: private message, masked phone."""
    if item.immediate_report:
        title = tr("followup-alert-title-immediate", id=item.declaration_id)
    elif item.previous is not None:
        title = tr("followup-alert-title-reclassified", id=item.declaration_id)
    else:
        title = tr("followup-alert-title", id=item.declaration_id)
    lines = [
        title,
        tr(
            "followup-alert-who",
            name=item.resident_name or "-",
            phone=item.phone_masked or tr("followup-alert-no-phone"),
            unit=item.unit_name,
        ),
    ]
    category = category_text(tr, item.category)
    if item.previous is not None:
        previous = category_text(tr, item.previous)
        lines.append(tr("followup-alert-changed", previous=previous, category=category))
    else:
        lines.append(tr("followup-alert-category", category=category))
    if item.end_date > item.start_date:
        last = item.end_date - timedelta(days=1)
        lines.append(
            tr("followup-alert-period", start=item.start_date.isoformat(), last=last.isoformat())
        )
    if item.matched:
        lines.append(tr("followup-alert-areas", areas=_areas(tr, item.matched)))
    if item.proxy:
        lines.append(tr("followup-alert-proxy"))
    lines.append(tr("followup-alert-action"))
    return "\n".join(lines)


class DeclarationTexts:
    """The bot's renderer for services.declarations (its DeclarationTexts protocol)."""

    def alert(self, alert_: Alert, language: Language) -> str:
        return alert(translator(language), alert_)

    def resident_update(self, update: ResidentUpdate, language: Language) -> str:
        return resident_update(translator(language), update)


TEXTS = DeclarationTexts()
