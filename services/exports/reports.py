"""The daily report ledger: one row per unit and day that owed a report or filed one, with the
status of its first filing (a correction changes no status), who filed it and when, how many
versions there are, every field of the latest version, and its abnormal situations."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from domain.exports import ExportScope
from domain.forms import FieldKind, FormSpec
from domain.obligations import ObligationKind, ObligationState
from domain.org import OrgTree
from domain.report_records import ABNORMAL_KEY, abnormal_situation
from domain.reports import FiledReport, ReportPolicy, status_of
from services.exports.ledger import Column, Label, Ledger, Row, nothing
from services.reports.rollups import not_due_yet
from storage import Repositories

_HEAD = (
    Column("day", 11),
    Column("unit", 18),
    Column("code", 12),
    Column("report-status", 12),
    Column("filed-at", 18),
    Column("filed-by", 12),
    Column("versions", 8),
    Column("corrected-at", 18),
)


def report_columns(form: FormSpec) -> tuple[Column, ...]:
    fields = tuple(
        Column(item.key, 12 if item.kind is FieldKind.COUNT else 24, form=form, field=item)
        for item in form.fields
        if item.key != ABNORMAL_KEY
    )
    return (*_HEAD, *fields, Column("abnormal", 40))


def reports_ledger(
    repos: Repositories,
    policy: ReportPolicy,
    scope: ExportScope,
    tree: OrgTree,
    now: datetime,
) -> Ledger:
    units = list(tree.subtree(scope.unit_code))
    codes = {unit.code for unit in units}
    wanted = None if len(codes) == len(tree.units) else codes
    form = policy.rollup_form(units)
    columns = report_columns(form)
    ledger = Ledger(scope, tree.get(scope.unit_code).name, columns, nothing())
    counts = [c.key for c in columns if c.field is not None and c.field.kind is FieldKind.COUNT]
    ledger.totals = dict.fromkeys(counts, 0)

    async def pages() -> AsyncIterator[list[Row]]:
        for day in scope.period.days():
            owed = {
                ob.unit_code: ob
                for ob in await repos.obligations.for_period(
                    ObligationKind.UNIT_REPORT, day.isoformat(), wanted
                )
            }
            versions: dict[str, list[FiledReport]] = {}
            for report in await repos.reports.for_day(day, wanted):
                versions.setdefault(report.unit_code, []).append(report)
            here = sorted(set(owed) | set(versions), key=lambda c: tree.path(c) if c in tree else c)
            filers = {filed[0].filed_by for filed in versions.values()}
            names = {pid: p.name for pid, p in (await repos.people.many(filers)).items()}
            rows: list[Row] = []
            for code in here:
                filed = versions.get(code, [])
                obligation = owed.get(code)
                excused = obligation is not None and obligation.state is ObligationState.EXCUSED
                ahead = obligation is not None and not_due_yet(obligation, now)
                status = status_of(filed[0] if filed else None, excused, ahead)
                key = f"export-status-{status.value}"
                ledger.summary[key] += 1
                first, latest = (filed[0], filed[-1]) if filed else (None, None)
                values = latest.answers if latest is not None else {}
                for count in counts:
                    value = values.get(count)
                    if isinstance(value, int):
                        ledger.totals[count] += value
                rows.append(
                    (
                        day,
                        tree.get(code).name if code in tree else code,
                        code,
                        Label(key),
                        first.filed_at if first else None,
                        names.get(first.filed_by, str(first.filed_by)) if first else None,
                        len(filed),
                        latest.filed_at if latest is not None and len(filed) > 1 else None,
                        *(values.get(c.field.key) for c in columns if c.field is not None),
                        abnormal_situation(values) if latest is not None else None,
                    )
                )
            ledger.rows += len(rows)
            if rows:
                yield rows

    ledger.pages = pages()
    return ledger
