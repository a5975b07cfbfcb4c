"""The risk-area list as the bot and the command line show it: the list, a file's problems,
what a load changed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from domain.declarations import RiskLevel
from domain.risk_areas import RiskArea, RiskList
from domain.risk_csv import CsvProblem
from services import risk
from services.declarations import KeptForReview, Reclassified
from texts.declarations import category_text
from texts.i18n import Html, Translator

SHOWN_PROBLEMS = 60  # a file with more is probably the wrong file; the count says how many


def area_line(tr: Translator, area: RiskArea) -> str:
    key = "risk-area-open" if area.effective_to is None else "risk-area-dated"
    return tr(key, name=area.name, code=area.region_code, **_dates(area))


def _dates(area: RiskArea) -> dict[str, str]:
    end = area.effective_to.isoformat() if area.effective_to else ""
    return {"start": area.effective_from.isoformat(), "end": end}


def list_text(tr: Translator, risk_list: RiskList, today: date, loaded: str | None = None) -> str:
    """The areas in effect today grouped by level, then those starting later."""
    current = risk.in_effect(risk_list, today)
    later = risk.upcoming(risk_list, today)
    counts = {level: sum(a.level is level for a in current) for level in RiskLevel}
    lines = [
        tr("risk-title", day=today, high=counts[RiskLevel.HIGH], mid=counts[RiskLevel.MID])
        if current
        else tr("risk-none", day=today)
    ]
    for level in (RiskLevel.HIGH, RiskLevel.MID):
        if counts[level]:
            lines += ["", tr(f"risk-heading-{level.value}")]
            lines += [area_line(tr, a) for a in current if a.level is level]
    if later:
        lines += ["", tr("risk-heading-upcoming")]
        lines += [
            tr(
                "risk-area-upcoming",
                level=tr(f"risk-level-{a.level.value}"),
                name=a.name,
                code=a.region_code,
                start=a.effective_from,
            )
            for a in later
        ]
    if loaded:
        lines += ["", tr("risk-loaded-at", at=loaded)]
    return "\n".join(lines)


def problems_text(
    tr: Translator, problems: Sequence[CsvProblem], limit: int | None = SHOWN_PROBLEMS
) -> str:
    shown = problems if limit is None else problems[:limit]
    lines = [tr("risk-load-rejected", count=len(problems))]
    for problem in shown:
        message = tr(problem.key, **problem.params)
        if problem.line:
            lines.append(tr("risk-csv-line", line=problem.line, problem=_html(message)))
        else:
            lines.append(tr("risk-csv-file", problem=_html(message)))
    if len(problems) > len(shown):
        lines.append(tr("risk-load-more", count=len(problems) - len(shown)))
    return "\n".join(lines)


def report_text(tr: Translator, report: risk.LoadReport) -> str:
    lines = [
        tr(
            "risk-load-done",
            total=report.total,
            added=len(report.added),
            removed=len(report.removed),
            changed=len(report.changed),
            unchanged=report.unchanged,
        )
    ]
    for key, areas in (
        ("risk-load-added", report.added),
        ("risk-load-removed", report.removed),
        ("risk-load-changed", report.changed),
    ):
        lines += [tr(key, area=_html(_area_summary(tr, area))) for area in areas]
    screened = report.rescreen
    lines.append(
        tr(
            "risk-rescreen",
            screened=screened.screened,
            changed=screened.changed,
            reclassified=screened.reclassified,
        )
    )
    lines += [_reclassified_line(tr, item) for item in screened.reclassifications]
    lines += [_kept_line(tr, item) for item in screened.kept]
    return "\n".join(lines)


def _reclassified_line(tr: Translator, item: Reclassified) -> str:
    immediate = tr("risk-rescreen-immediate") if item.immediate_report else ""
    return tr(
        "risk-rescreen-reclassified",
        name=item.resident_name or "-",
        unit=item.unit_name,
        id=item.declaration_id,
        previous=category_text(tr, item.previous),
        category=category_text(tr, item.category),
        immediate=_html(immediate),
        opened=item.opened,
        excused=item.excused,
    )


def _kept_line(tr: Translator, item: KeptForReview) -> str:
    return tr(
        "risk-rescreen-kept",
        name=item.resident_name or "-",
        unit=item.unit_name,
        id=item.declaration_id,
        level=tr(f"risk-level-{item.level.value}"),
        previous_level=tr(f"risk-level-{item.previous_level.value}"),
        category=category_text(tr, item.category),
        would_be=category_text(tr, item.would_be),
    )


def _area_summary(tr: Translator, area: RiskArea) -> str:
    key = "risk-period-open" if area.effective_to is None else "risk-period-dated"
    return tr(
        "risk-load-area",
        name=area.name,
        code=area.region_code,
        level=tr(f"risk-level-{area.level.value}"),
        period=_html(tr(key, **_dates(area))),
    )


def _html(text: str) -> Html:
    # Already rendered (and escaped) by the translator: must not be escaped twice.
    return Html(text)
