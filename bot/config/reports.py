"""The [reports] section: which units report daily, by when, and with which form."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from pydantic import (
    Field,
    field_validator,
)

from bot.config.base import WEEKDAY_NAMES, Section
from bot.config.escalation import (
    clock_time,
)
from domain.boards import BoardSettings
from domain.forms import FieldKind, FormField, FormSpec
from domain.org import UNIT_CODE_PATTERN, Language, UnitKind
from domain.reports import (
    DEFAULT_FORM,
    DEFAULT_REPORTING_KINDS,
    FORM_NAME,
    Cutoff,
    ReportPolicy,
    ReportSchedule,
    ScheduleOverride,
    check_zero_reportable,
)

# --- Unit daily reports ([reports]) --------------------------------------------------------

_DEFAULT_FIELDS = {item.key: item for item in DEFAULT_FORM.fields}
_LABEL_LANGUAGES = {"label_zh_CN": Language.ZH_CN, "label_en": Language.EN}


class FormFieldSettings(Section):
    """One field of a report form. A key of the default form may give only the key (and any
    attribute to change); its question keeps its message key. Any other key is a custom field
    and needs `kind` and both labels."""

    key: str
    kind: FieldKind | None = None
    optional: bool | None = None
    at_most: str | None = None
    asked_if_positive: str | None = None
    max_value: int | None = None
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    label_zh_CN: str | None = None
    label_en: str | None = None

    def to_field(self) -> FormField:
        base = _DEFAULT_FIELDS.get(self.key)
        given = {
            name: getattr(self, name)
            for name in self.model_fields_set
            if name not in ("key", *_LABEL_LANGUAGES)
        }
        labels = {
            _LABEL_LANGUAGES[name].value: getattr(self, name)
            for name in _LABEL_LANGUAGES
            if getattr(self, name) is not None
        }
        if base is None:
            missing = [name for name in ("kind", *_LABEL_LANGUAGES) if getattr(self, name) is None]
            if missing:
                raise ValueError(
                    f"field {self.key!r} is not a field of the default form, so it needs "
                    + ", ".join(missing)
                )
            return FormField(self.key, labels=labels, **given)
        if given.get("kind") is None:
            given.pop("kind", None)
        fields = {
            "kind": base.kind,
            "optional": base.optional,
            "at_most": base.at_most,
            "asked_if_positive": base.asked_if_positive,
            "max_value": base.max_value,
            "max_length": base.max_length,
            "choices": base.choices,
            **given,
        }
        return FormField(self.key, labels=labels or base.labels, **fields)


class ReportScheduleSettings(Section):
    """A unit kind's (or one unit's) reporting schedule; unset keys keep the defaults (for a
    unit: its kind's values)."""

    reports: bool = True
    deadline: time = time(17, 0)
    days: frozenset[int] = frozenset(range(1, 8))
    skip_holidays: bool = True
    cutoff: Cutoff = Cutoff.YESTERDAY_24
    chain: str | None = None
    form: tuple[FormFieldSettings, ...] | None = None

    @field_validator("deadline", mode="before")
    @classmethod
    def _deadline(cls, value: Any) -> time:
        return clock_time(value)

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple) or not value:
            raise ValueError("must be a non-empty list of ISO weekdays 1-7 or mon-sun")
        days = set()
        for item in value:
            if isinstance(item, str) and item.strip().lower() in WEEKDAY_NAMES:
                days.add(WEEKDAY_NAMES.index(item.strip().lower()) + 1)
            elif type(item) is int and 1 <= item <= 7:
                days.add(item)
            else:
                raise ValueError(
                    f"{item!r} is not a weekday: use 1 (Monday) to 7 (Sunday) or mon-sun"
                )
        return frozenset(days)

    @field_validator("form")
    @classmethod
    def _valid_form(
        cls, value: tuple[FormFieldSettings, ...] | None
    ) -> tuple[FormFieldSettings, ...] | None:
        if value is not None:
            check_zero_reportable(_build_form(value))
        return value

    def override(self) -> ScheduleOverride:
        """A unit's table: the keys it gives, over its kind's schedule."""
        given = self.model_fields_set
        form = None if self.form is None else _build_form(self.form)
        return ScheduleOverride(
            reports=self.reports,
            deadline=self.deadline if "deadline" in given else None,
            days=self.days if "days" in given else None,
            skip_holidays=self.skip_holidays if "skip_holidays" in given else None,
            cutoff=self.cutoff if "cutoff" in given else None,
            chain=self.chain,
            form=form,
        )

    def schedule(self) -> ReportSchedule | None:
        if not self.reports:
            return None
        form = DEFAULT_FORM if self.form is None else _build_form(self.form)
        return ReportSchedule(
            self.deadline, self.days, self.skip_holidays, self.cutoff, self.chain, form
        )


def _build_form(fields: tuple[FormFieldSettings, ...]) -> FormSpec:
    return FormSpec(FORM_NAME, tuple(item.to_field() for item in fields))


_NOT_REPORTING = ReportScheduleSettings(reports=False)


class BoardConfig(Section):
    """[reports.board]: the report board in work and supervisors groups."""

    enabled: bool = True
    # Telegram takes about 20 messages a minute in a group: 3 s is the floor.
    edit_interval_s: float = Field(default=5.0, ge=3.0, le=600.0)
    mention_missing: bool = False

    def settings(self) -> BoardSettings:
        return BoardSettings(
            enabled=self.enabled,
            edit_interval=timedelta(seconds=self.edit_interval_s),
            mention_missing=self.mention_missing,
        )


class ReportsSettings(Section):
    """Who reports when: one optional table per unit kind, and per-unit overrides."""

    office: ReportScheduleSettings | None = None
    township: ReportScheduleSettings | None = None
    street: ReportScheduleSettings | None = None
    village: ReportScheduleSettings | None = None
    community: ReportScheduleSettings | None = None
    school: ReportScheduleSettings | None = None
    enterprise: ReportScheduleSettings | None = None
    venue: ReportScheduleSettings | None = None
    grid: ReportScheduleSettings | None = None
    # [reports.units.<code>]: the same keys, over the unit's kind's schedule.
    units: dict[str, ReportScheduleSettings] = Field(default_factory=dict)
    board: BoardConfig = Field(default_factory=BoardConfig)

    @field_validator("units")
    @classmethod
    def _unit_codes(
        cls, value: dict[str, ReportScheduleSettings]
    ) -> dict[str, ReportScheduleSettings]:
        for code in value:
            if not UNIT_CODE_PATTERN.match(code):
                raise ValueError(f"{code!r} is not a unit code (a-z, 0-9, '_' and '-')")
        return value

    def of_kind(self, kind: UnitKind) -> ReportScheduleSettings:
        """A kind's settings: as given (a table given means it reports unless reports =
        false), else the default (reporting only for the grassroots kinds)."""
        given: ReportScheduleSettings | None = getattr(self, kind.value)
        if given is not None:
            return given
        return ReportScheduleSettings() if kind in DEFAULT_REPORTING_KINDS else _NOT_REPORTING

    def chains(self) -> dict[str, str]:
        """Named chains asked for, by the key asking."""
        asked = {f"reports.{kind.value}.chain": self.of_kind(kind).chain for kind in UnitKind}
        asked |= {f"reports.units.{code}.chain": s.chain for code, s in self.units.items()}
        return {key: name for key, name in asked.items() if name is not None}

    def policy(self) -> ReportPolicy:
        """The ReportPolicy: per kind, and per unit (a unit's keys over its kind's schedule;
        a unit of a kind that does not report reports on the defaults, unless reports =
        false)."""
        by_kind = {}
        for kind in UnitKind:
            schedule = self.of_kind(kind).schedule()
            if schedule is not None:
                by_kind[kind] = schedule
        by_unit = {code: s.override() for code, s in self.units.items()}
        return ReportPolicy(by_kind, by_unit)
