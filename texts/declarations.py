"""The texts of a submitted declaration: the resident's result (category, measure, dates, what
to do) and the alerts and re-screen notices the service puts in the outbox.

`TEXTS` is the renderer services.declarations uses (its `DeclarationTexts`). Names and unit
names go through the Translator, which escapes them; area names are escaped where they are
joined into a list, and pieces already rendered are passed on as `Html`. Staff alerts carry
the phone in full only for the people who must call; others see it masked, with a button
that shows it (audited).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from domain.case_reasons import CaseReasons
from domain.org import Language
from domain.policy import Category
from services.declarations import Alert, PlaceFlag, RescreenCause, ResidentUpdate, Submitted
from texts.case_keyboards import case_markup
from texts.i18n import Html, Translator, catalog, translator
from texts.place_flags import place_flag, place_flag_markup
from texts.rendering import phone_display
from texts.trips import trip_advice, trip_line

# Risk areas named in one message; the rest are counted.
AREAS_SHOWN = 5


# What re-classified a declaration, as its staff and its resident are told.
_RECLASSIFIED = {
    RescreenCause.RISK_LIST: "followup-alert-title-reclassified",
    RescreenCause.PLACE: "followup-alert-title-located",
}
_UPDATED = {
    RescreenCause.RISK_LIST: "followup-update-title",
    RescreenCause.PLACE: "followup-update-title-located",
}


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
    if submitted.trip is not None:
        lines.append(trip_line(tr, submitted.trip))
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
    if submitted.trip is not None and not c.measure.days:
        # A plan to leave: what to do away and on return, not "registered, nothing to do".
        lines += trip_advice(tr, submitted.trip)
    else:
        lines.append(tr(f"followup-do-{c.category.value}"))
    if submitted.fever_clinic and c.category is not Category.FEVER_CLINIC_REFERRAL:
        # Another rule decided the measure (a high-risk returnee with a fever): the fever
        # clinic still applies, and the category's own advice does not say so.
        lines.append(tr("followup-result-fever-clinic"))
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
        tr(_UPDATED[update.cause], id=now.declaration_id),
        tr(
            "followup-update-changed",
            previous=category_text(tr, update.previous),
            category=category_text(tr, now.classification.category),
        ),
    ]
    if update.matched:
        lines.append(tr("followup-update-areas", areas=_areas(tr, update.matched)))
    return "\n".join(lines + _measure_lines(tr, now)[1:])


def alert(tr: Translator, item: Alert, *, full_phone: bool, covering_for: str | None = None) -> str:
    """A staff alert about one declaration, in a private chat: who, why, what to do. The phone
    in full for those who must call (`full_phone`), masked for others; for a cover, whom they
    receive it for (`covering_for`), as the escalations say."""
    if item.immediate_report:
        title = tr("followup-alert-title-immediate", id=item.declaration_id)
    elif item.previous is not None:
        title = tr(_RECLASSIFIED[item.cause], id=item.declaration_id)
    else:
        title = tr("followup-alert-title", id=item.declaration_id)
    phone = phone_display(item.phone) if full_phone and item.phone else item.phone_masked
    lines = [title]
    if covering_for is not None:
        lines.append(tr("obligation-covering", name=covering_for))
    if item.updates is not None:  # staff hold the earlier version's alert
        lines.append(tr("followup-alert-updated", old=item.updates))
    lines += [
        tr(
            "followup-alert-who",
            name=item.resident_name or "-",
            phone=phone or tr("followup-alert-no-phone"),
            unit=item.unit_name,
        ),
    ]
    category = category_text(tr, item.category)
    if item.previous is not None:
        previous = category_text(tr, item.previous)
        lines.append(tr("followup-alert-changed", previous=previous, category=category))
    else:
        lines.append(tr("followup-alert-category", category=category))
    if item.trip is not None:
        lines.append(trip_line(tr, item.trip))
    if item.end_date > item.start_date:
        last = item.end_date - timedelta(days=1)
        lines.append(
            tr("followup-alert-period", start=item.start_date.isoformat(), last=last.isoformat())
        )
    lines += reason_lines(tr, item.reasons)
    if item.proxy:
        lines.append(tr("followup-alert-proxy"))
    lines.append(tr("followup-alert-action"))
    return "\n".join(lines)


def reason_lines(tr: Translator, reasons: CaseReasons) -> list[str]:
    """Why it is a case: the rule, then each fact that made it one."""
    rule_key = f"rule-{reasons.rule}"
    rule = tr(rule_key) if rule_key in catalog(tr.language) else reasons.rule
    lines = [tr("case-reason-rule", rule=rule)]
    if reasons.temperature is not None:
        lines.append(tr("case-reason-fever", temperature=f"{reasons.temperature:.1f}"))
    if reasons.symptoms:
        names = [tr(f"symptom-{symptom.value}") for symptom in reasons.symptoms]
        lines.append(tr("case-reason-symptoms", symptoms=tr("list-separator").join(names)))
    for field, colour in (("hcode", reasons.health_code), ("icard", reasons.itinerary_card)):
        if colour is not None:
            lines.append(
                tr(
                    "case-reason-code",
                    code=tr(f"declare-f-{field}"),
                    colour=tr(f"declare-opt-colour-{colour.value}"),
                )
            )
    if reasons.contacts:
        kinds = [tr(f"declare-opt-contacts-{kind.value}") for kind in reasons.contacts]
        lines.append(tr("case-reason-contacts", contacts=tr("list-separator").join(kinds)))
    if reasons.areas:
        lines.append(tr("followup-alert-areas", areas=_areas(tr, reasons.areas)))
    if reasons.missing_documents:
        lines.append(tr("case-reason-no-documents"))
    return lines


def alert_markup(tr: Translator, item: Alert, *, full_phone: bool) -> dict[str, Any]:
    """The buttons under an alert; the number is shown on request to those who see it masked
    (audited)."""
    return case_markup(tr, item.declaration_id, phone=bool(item.phone) and not full_phone)


class DeclarationTexts:
    """The bot's renderer for services.declarations (its DeclarationTexts protocol)."""

    def alert(
        self, alert_: Alert, language: Language, *, full_phone: bool, covering_for: str | None
    ) -> str:
        tr = translator(language)
        return alert(tr, alert_, full_phone=full_phone, covering_for=covering_for)

    def alert_markup(
        self, alert_: Alert, language: Language, *, full_phone: bool
    ) -> dict[str, Any]:
        return alert_markup(translator(language), alert_, full_phone=full_phone)

    def resident_update(self, update: ResidentUpdate, language: Language) -> str:
        return resident_update(translator(language), update)

    def place_flag(self, flag: PlaceFlag, language: Language) -> str:
        return place_flag(translator(language), flag)

    def place_flag_markup(self, flag: PlaceFlag, language: Language) -> dict[str, Any]:
        return place_flag_markup(translator(language), flag)

    def return_due(self, language: Language) -> str:
        """The reminder on the planned return day to declare the return."""
        return translator(language)("declare-return-due")


TEXTS = DeclarationTexts()
