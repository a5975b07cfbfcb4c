"""The texts of a report's contents beside the bot's records: the records the form opens with,
the keep / use-records hints of a question, the zero report's reason, the supervisors' alert
about abnormal situations, a unit's figures in /status, and what a roll-up quotes (in a group:
only which units wrote free text, never the text).

User text (abnormal situations, a zero report's reason, names) goes through the Translator,
which escapes it; pieces already rendered are passed on as `Html`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.forms import FieldKind, FormSpec, Value, visible
from domain.report_records import ABNORMAL_KEY, UnitRecords, abnormal_situation, departures
from domain.reports import FiledReport, Rollup
from texts.form_labels import key_label
from texts.i18n import Html, Translator
from texts.messaging import shorten

# A roll-up quotes this much of a unit's abnormal situations (the whole text: /status UNIT).
QUOTE_LENGTH = 60
# A roll-up quotes at most this many units per section; the rest are counted.
QUOTED_UNITS = 30


def _label(tr: Translator, form: FormSpec, key: str) -> str:
    return key_label(tr, form, key)


def _value(tr: Translator, value: Value) -> str:
    return tr("report-value-none") if value is None or value == "" else str(value)


def _until(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%m-%d %H:%M") if moment is not None else ""


def records_block(tr: Translator, form: FormSpec, records: UnitRecords, zone: ZoneInfo) -> str:
    """What the form (and the zero report) opens with: the bot's counts and their cut-off."""
    lines = [tr("report-records-title", until=_until(records.until, zone))]
    lines += [
        tr("report-records-line", field=_label(tr, form, key), value=value)
        for key, value in records.counts.items()
    ]
    if records.later:
        lines.append(tr("report-records-later", count=records.later))
    return "\n".join(lines)


def records_summary(tr: Translator, form: FormSpec, records: Mapping[str, int]) -> str:
    """The records in one line (a roll-up's zero report against them)."""
    shown = [(key, value) for key, value in records.items() if value]
    return tr("list-separator").join(
        tr("report-records-pair", field=_label(tr, form, key), value=value) for key, value in shown
    )


def question_hints(
    tr: Translator, *, filed: Value | None, has_filed: bool, record: int | None
) -> list[str]:
    """Under a question: the answer on file (a correction) and the records' count."""
    lines = []
    if has_filed:
        lines.append(tr("report-question-filed", value=_value(tr, filed)))
    if record is not None:
        lines.append(tr("report-question-records", value=record))
    return lines


def keep_label(tr: Translator, value: Value) -> str:
    # A button is not HTML: the value is shown as typed, never escaped.
    return tr("report-button-keep", value=Html(shorten(_value(tr, value), 16)))


def records_label(tr: Translator, value: int) -> str:
    return tr("report-button-records", value=value)


def summary_differs(tr: Translator, system: int) -> str:
    return tr("report-summary-records", value=system)


def zero_reason_question(
    tr: Translator, form: FormSpec, records: UnitRecords, *, unit: str, zone: ZoneInfo, limit: int
) -> str:
    return tr(
        "report-zero-reason-ask",
        unit=unit,
        records=Html(records_block(tr, form, records, zone)),
        limit=limit,
    )


def abnormal_alert(tr: Translator, report: FiledReport, *, unit: str, filer: str, text: str) -> str:
    """The supervisors' alert: the unit, the day, who filed it, and the whole text."""
    version = tr("report-abnormal-version", version=report.version) if report.version > 1 else ""
    return tr(
        "report-abnormal-alert",
        unit=unit,
        day=report.day.isoformat(),
        filer=filer,
        version=Html(version),
        text=text,
    )


def unit_figures(tr: Translator, form: FormSpec, report: FiledReport) -> str:
    """A unit's latest figures for /status UNIT: each asked field, the records' count beside
    an adjusted one, a zero report's reason, and the whole abnormal situations."""
    lines = [tr("status-figures-title", version=report.version)]
    if report.zero:
        lines.append(tr("status-figures-zero"))
    differs = {key: system for key, system, _ in departures(report.records, report.answers)}
    for item in visible(form, report.answers):
        if item.key == ABNORMAL_KEY or item.kind is not FieldKind.COUNT or report.zero:
            continue
        value = report.answers.get(item.key)
        if item.key in differs:
            lines.append(
                tr(
                    "status-figures-differs",
                    field=_label(tr, form, item.key),
                    value=_value(tr, value),
                    system=differs[item.key],
                )
            )
        else:
            lines.append(
                tr("status-figures-line", field=_label(tr, form, item.key), value=_value(tr, value))
            )
    if report.zero and report.zero_reason:
        lines.append(
            tr(
                "status-figures-zero-reason",
                records=Html(records_summary(tr, form, report.records)),
                reason=report.zero_reason,
            )
        )
    text = abnormal_situation(report.answers)
    if text is not None:
        lines.append(tr("status-figures-abnormal", text=text))
    return "\n".join(lines)


def _section(tr: Translator, title: str, entries: Sequence[str], *, buttons: bool) -> list[str]:
    if not entries:
        return []
    lines = ["", tr(title), *entries[:QUOTED_UNITS]]
    if len(entries) > QUOTED_UNITS:
        more = "rollup-notes-more" if buttons else "rollup-notes-more-status"
        lines.append(tr(more, count=len(entries) - QUOTED_UNITS))
    return lines


def rollup_notes(
    tr: Translator, rollup: Rollup, form: FormSpec, *, buttons: bool, group: bool = False
) -> list[str]:
    """What a roll-up quotes of the units' latest versions: abnormal situations (shortened),
    zero reports filed against the records with their reason, and figures adjusted from the
    records. `group` (a supervisors group reads it): the free text (abnormal situations, a
    zero report's reason) may name a resident, their health or a phone number, so only the
    units that wrote some are named, to be read in private with /status."""
    abnormal: list[str] = []
    zero: list[str] = []
    adjusted: list[str] = []
    written: list[str] = []  # the units with free text, for a group
    for owner, report in rollup.latest:
        unit = owner.name
        text = abnormal_situation(report.answers)
        reason = report.zero_reason if report.zero else None
        if group and (text is not None or reason):
            written.append(unit)
        elif text is not None:
            quote = shorten(" ".join(text.split()), QUOTE_LENGTH)
            abnormal.append(tr("rollup-abnormal-line", unit=unit, text=quote))
        if reason and not group:
            zero.append(
                tr(
                    "rollup-zero-reason-line",
                    unit=unit,
                    records=Html(records_summary(tr, form, report.records)),
                    reason=shorten(reason, QUOTE_LENGTH),
                )
            )
        elif not report.zero:
            found = departures(report.records, report.answers)
            if found:
                fields = tr("list-separator").join(
                    tr("rollup-departure-field", field=_label(tr, form, k), filed=f, system=s)
                    for k, s, f in found
                )
                adjusted.append(tr("rollup-departure-line", unit=unit, fields=Html(fields)))
    return [
        *_in_private(tr, written),
        *_section(tr, "rollup-abnormal-title", abnormal, buttons=buttons),
        *_section(tr, "rollup-zero-reason-title", zero, buttons=buttons),
        *_section(tr, "rollup-departures-title", adjusted, buttons=buttons),
    ]


def _in_private(tr: Translator, units: Sequence[str]) -> list[str]:
    """One line naming the units whose free text a group does not see."""
    if not units:
        return []
    names = tr("list-separator").join(units[:QUOTED_UNITS])
    if len(units) > QUOTED_UNITS:
        return ["", tr("rollup-notes-private-many", units=names, count=len(units) - QUOTED_UNITS)]
    return ["", tr("rollup-notes-private", units=names)]
