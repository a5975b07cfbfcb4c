"""The texts of daily reports: questions, summary, confirmations, the work-group line, roll-ups.

`ReportTexts.rollup` is the renderer the deadline job is given (scheduler.jobs' RollupTexts)
and /status uses, so a supervisor reads the same roll-up either way. Every value from users or
configuration (unit and person names, free answers, labels) goes through the Translator, which
escapes it; pieces already rendered are passed on as `Html` so they are not escaped twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.forms import FieldKind, FormField, FormSpec, Refusal, Value, visible
from domain.org import Language, Person
from domain.report_records import abnormal_situation, departures
from domain.reports import Cutoff, FiledReport, Rollup, Tally, UnitStatus
from texts import report_figures
from texts.form_labels import field_label, key_label
from texts.i18n import Html, Translator, catalog
from texts.messaging import split_html

# /status shows a unit's versions of this many days, the asked day included.
HISTORY_DAYS = 7
# Missing units named per line of a roll-up (the parent is repeated on each line).
MISSING_PER_LINE = 10
# A roll-up names missing units further down than its own units below only up to this many;
# beyond it (a county's thousands of villages) it counts them, and each unit below is opened
# by its button. Its own units below are always named.
MISSING_LISTED = 60


def button_label(tr: Translator, form: FormSpec, item: FormField) -> str:
    """A field's name on its summary button: the catalog's short name where its question is
    too long for a button (`form-<form>-<field>-short`), else its label."""
    short = f"form-{form.name}-{item.key}-short"
    if not item.labels and short in catalog(tr.language):
        return tr(short)
    return field_label(tr, form, item)


def cutoff_text(tr: Translator, cutoff: Cutoff) -> str:
    return tr(f"report-cutoff-{cutoff.value}")


def value_text(tr: Translator, value: Value) -> str:
    return tr("report-value-none") if value is None or value == "" else str(value)


def refusal_text(tr: Translator, form: FormSpec, refusal: Refusal) -> str:
    """A form-* refusal with its parameters; {other} names the other field by its label."""
    params: dict[str, object] = {"limit": "", "length": "", "value": "", "other": ""}
    params.update(refusal.params)
    other = refusal.params.get("other")
    if isinstance(other, str):
        params["other"] = key_label(tr, form, other)
    return tr(refusal.key, **params)


def header(tr: Translator, unit: str, day: date, cutoff: Cutoff) -> str:
    return tr("report-header", unit=unit, day=day.isoformat(), cutoff=cutoff_text(tr, cutoff))


def question(
    tr: Translator,
    form: FormSpec,
    item: FormField,
    answers: Mapping[str, Value],
    *,
    unit: str,
    day: date,
    cutoff: Cutoff,
    refusal: Refusal | None = None,
    prefilled: Mapping[str, Value] | None = None,
) -> str:
    """One question: the reason the last answer was refused, the header, the question, a hint.
    `prefilled`: the answers a correction starts from, which decide which questions are asked
    until the draft answers them (the count of questions)."""
    lines = []
    if refusal is not None:
        lines.append(tr("report-refused", reason=Html(refusal_text(tr, form, refusal))))
    lines.append(header(tr, unit, day, cutoff))
    shown = [f.key for f in visible(form, {**(prefilled or {}), **answers})]
    number = shown.index(item.key) + 1 if item.key in shown else form.index(item.key) + 1
    total = max(len(shown), number)
    label = field_label(tr, form, item)
    lines.append(tr("report-question", number=number, total=total, question=label))
    if item.kind is FieldKind.COUNT:
        hint = tr("report-hint-count")
    elif item.kind is FieldKind.CHOICE:
        hint = tr("report-hint-choice")
    else:
        hint = tr("report-hint-text", limit=item.max_length)
    if item.optional:
        hint += " " + tr("report-hint-optional")
    lines.append(hint)
    return "\n".join(lines)


def summary(
    tr: Translator,
    form: FormSpec,
    answers: Mapping[str, Value],
    *,
    unit: str,
    day: date,
    cutoff: Cutoff,
    refusal: Refusal | None = None,
    records: Mapping[str, int] | None = None,
) -> str:
    """The answers before filing; `records` (the bot's counts): beside every answer that
    departs from them, the records' count."""
    lines = []
    if refusal is not None:
        lines.append(tr("report-refused", reason=Html(refusal_text(tr, form, refusal))))
    lines.append(
        tr("report-summary-title", unit=unit, day=day.isoformat(), cutoff=cutoff_text(tr, cutoff))
    )
    differs = {key: system for key, system, _ in departures(records or {}, answers)}
    for item in visible(form, answers):
        line = tr(
            "report-summary-line",
            field=field_label(tr, form, item),
            value=value_text(tr, answers.get(item.key)),
        )
        if item.key in differs:
            line += report_figures.summary_differs(tr, differs[item.key])
        lines.append(line)
    lines.append(tr("report-summary-footer"))
    return "\n".join(lines)


def what(tr: Translator, zero: bool) -> str:
    return tr("report-what-zero" if zero else "report-what-full")


def moment_text(moment: datetime, zone: ZoneInfo, day: date) -> str:
    """HH:MM on the reporting day itself, MM-DD HH:MM on another day."""
    local = moment.astimezone(zone)
    return local.strftime("%H:%M") if local.date() == day else local.strftime("%m-%d %H:%M")


def filed_confirmation(
    tr: Translator, report: FiledReport, *, unit: str, due: datetime, zone: ZoneInfo
) -> str:
    """The filer's confirmation: late ones say so, corrections give their version."""
    lines = [
        tr(
            "report-filed",
            unit=unit,
            day=report.day.isoformat(),
            what=what(tr, report.zero),
            time=moment_text(report.filed_at, zone, report.day),
        )
    ]
    if report.late and report.version == 1:  # a unit's status follows its first version
        lines.append(tr("report-filed-late", due=moment_text(due, zone, report.day)))
    if report.version > 1:
        lines.append(tr("report-filed-version", version=report.version))
    return "\n".join(lines)


def group_line(
    tr: Translator, report: FiledReport, *, unit: str, filer: str, zone: ZoneInfo
) -> str:
    """The work group's short line: who filed what and when, nothing of its contents."""
    details = [moment_text(report.filed_at, zone, report.day)]
    if report.late and report.version == 1:
        details.append(tr("report-group-late"))
    if report.version > 1:
        details.append(tr("report-group-version", version=report.version))
    return tr(
        "report-group-line",
        unit=unit,
        what=what(tr, report.zero),
        name=filer,
        details=Html(tr("report-detail-separator").join(details)),
    )


def tally_values(tally: Tally) -> dict[str, int]:
    """The counts a tally line is written with (roll-ups, /status over days)."""
    return {
        "expected": tally.expected,
        "submitted": tally.submitted,
        "zero": tally.zero,
        "late": tally.late,
        "excused": tally.excused,
        "missing": tally.missing,
    }


def _totals(tr: Translator, form: FormSpec, totals: Mapping[str, int]) -> list[str]:
    keys = [item.key for item in form.fields if item.kind is FieldKind.COUNT]
    keys += [key for key in totals if key not in keys]
    return [
        tr("rollup-total-line", field=key_label(tr, form, key), value=totals.get(key, 0))
        for key in keys
    ]


class ReportTexts:
    """The bot's roll-up renderer (scheduler.context.RollupTexts), /status, and the work
    group's line about a filed report (services.reports.GroupLineTexts)."""

    def group_line(
        self, report: FiledReport, language: Language, *, unit: str, filer: str, zone: ZoneInfo
    ) -> str:
        return group_line(Translator(language), report, unit=unit, filer=filer, zone=zone)

    def rollup(
        self,
        rollup: Rollup,
        language: Language,
        form: FormSpec,
        *,
        buttons: bool = False,
        group: bool = False,
    ) -> list[str]:
        """HTML parts, each within Telegram's limit; nothing is ever cut off. `buttons`: the
        units below can be opened with buttons under it (/status), rather than with /status.
        `group`: read in a group, so no free text of a report is quoted."""
        return split_html(self.rollup_text(rollup, language, form, buttons=buttons, group=group))

    def rollup_text(
        self,
        rollup: Rollup,
        language: Language,
        form: FormSpec,
        *,
        buttons: bool = False,
        group: bool = False,
    ) -> str:
        tr = Translator(language)
        tally = rollup.tally
        lines = [
            tr("rollup-title", unit=rollup.root.name, day=rollup.day.isoformat()),
            tr("rollup-tally", **tally_values(tally)),
        ]
        if tally.not_due:  # asked before the deadline: these are not missing yet
            lines.append(tr("rollup-not-due", count=tally.not_due))
        missing = sum(len(units) for _, units in rollup.missing)
        deep = any(parent.code != rollup.root.code for parent, _ in rollup.missing)
        if deep and missing > MISSING_LISTED:
            key = "rollup-missing-many" if buttons else "rollup-missing-many-status"
            lines += ["", tr(key, count=missing)]
        elif rollup.missing:
            lines += ["", tr("rollup-missing-title")]
            separator = tr("list-separator")
            for parent, units in rollup.missing:
                # A few names a line, so a long list splits between lines, never in a name.
                for start in range(0, len(units), MISSING_PER_LINE):
                    chunk = units[start : start + MISSING_PER_LINE]
                    names = separator.join(unit.name for unit in chunk)
                    lines.append(tr("rollup-missing-line", parent=parent.name, units=names))
        elif tally.expected and not tally.not_due:
            lines.append(tr("rollup-all-filed"))
        if rollup.children:
            lines += ["", tr("rollup-children-title")]
            for child in rollup.children:
                values = tally_values(child.tally)
                line = tr("rollup-child-line", unit=child.unit.name, **values)
                if child.tally.not_due:
                    line += tr("rollup-child-not-due", count=child.tally.not_due)
                lines.append(line)
        if tally.submitted:
            lines += ["", tr("rollup-totals-title"), *_totals(tr, form, tally.totals)]
        lines += report_figures.rollup_notes(tr, rollup, form, buttons=buttons, group=group)
        return "\n".join(lines)

    def abnormal_alert(self, report: FiledReport, person: Person, *, unit: str, filer: str) -> str:
        """The supervisors' alert about a report's abnormal situations (services.reports'
        AbnormalTexts), in the supervisor's language."""
        return report_figures.abnormal_alert(
            Translator(person.language),
            report,
            unit=unit,
            filer=filer,
            text=abnormal_situation(report.answers) or "",
        )


def unit_status_text(
    tr: Translator,
    *,
    unit: str,
    day: date,
    owed: bool,
    status: UnitStatus,
    due: datetime | None,
    versions: Sequence[FiledReport],
    history: Iterable[FiledReport],
    names: Mapping[int, str],
    zone: ZoneInfo,
) -> str:
    """A liaison's view of one unit: the day's state, who filed it, and recent versions."""

    def name(report: FiledReport) -> str:
        return names.get(report.filed_by) or str(report.filed_by)

    lines = [tr("status-unit-title", unit=unit, day=day.isoformat())]
    if versions:
        first, latest = versions[0], versions[-1]
        lines.append(
            tr(
                "status-unit-filed",
                state=tr(f"status-state-{status.value}"),
                what=what(tr, first.zero),
                name=name(first),
                time=moment_text(first.filed_at, zone, day),
            )
        )
        if latest.version > 1:
            lines.append(
                tr(
                    "status-unit-latest",
                    version=latest.version,
                    name=name(latest),
                    time=moment_text(latest.filed_at, zone, day),
                )
            )
    elif not owed:
        lines.append(tr("status-unit-not-owed"))
    elif status is UnitStatus.EXCUSED:
        lines.append(tr("status-unit-excused"))
    elif status is UnitStatus.NOT_DUE:
        lines.append(tr("status-unit-not-due", due=moment_text(due, zone, day) if due else ""))
    else:
        when = moment_text(due, zone, day) if due is not None else ""
        lines.append(tr("status-unit-missing", due=when))
    past = list(history)
    lines.append(tr("status-history-title", days=HISTORY_DAYS))
    if not past:
        lines.append(tr("status-history-none"))
    for report in past:
        lines.append(
            tr(
                "status-history-line",
                day=report.day.isoformat(),
                version=report.version,
                what=what(tr, report.zero),
                name=name(report),
                time=moment_text(report.filed_at, zone, report.day),
                late=tr("status-history-late") if report.late else "",
            )
        )
    return "\n".join(lines)
