"""The service the check-in handlers use, built once with the fever threshold, the local time
zone and the alert renderer. Refusals are `Refused` with the message key (services.checkins
raises them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.checkins import CheckinAnswer
from domain.declarations import TestResult
from domain.obligations import ObligationKind
from domain.permissions import Actor
from services import checkins, result_recording
from services.case_handling import HandlingPolicy
from services.checkins import AlertMarkup, Recorded, Render
from services.refusal import Refused
from services.result_recording import FixMarkup
from storage import Repositories


@dataclass(frozen=True, slots=True)
class Choices:
    """Today's open check-ins for /checkin: the only one, or those the caller may record."""

    only: int | None = None  # exactly one open: started at once (and refused there if need be)
    named: list[tuple[int, str]] = field(default_factory=list)  # (obligation id, resident)


@dataclass(frozen=True, slots=True)
class Started:
    name: str  # the resident's
    day: date


class CheckinService:
    def __init__(
        self,
        *,
        fever_threshold: float,
        zone: ZoneInfo,
        render: Render,
        fix_markup: FixMarkup,
        handling: HandlingPolicy,
        alert_markup: AlertMarkup | None = None,
    ) -> None:
        self.fever_threshold = fever_threshold
        self.zone = zone
        self.render = render
        self.fix_markup = fix_markup  # the "correct result" button under a positive's alert
        self.handling = handling  # a positive or a fever must be recorded as handled in time
        self.alert_markup = alert_markup  # the case's buttons under an alert

    async def choices(self, repos: Repositories, actor: Actor, now: datetime) -> Choices:
        today = now.astimezone(self.zone).date()
        open_ = [ob.id for ob in await checkins.open_checkins(repos, actor, today) if ob.id]
        if len(open_) == 1:
            return Choices(only=open_[0])
        named = []
        for obligation_id in open_:
            try:
                allowed = await checkins.access(
                    repos, actor, obligation_id, ObligationKind.HEALTH_CHECKIN, now=now
                )
            except Refused:  # someone else's, or closed meanwhile: not offered
                continue
            named.append((obligation_id, await checkins.resident_name(repos, allowed.monitored)))
        return Choices(named=named)

    async def begin(
        self, repos: Repositories, actor: Actor, obligation_id: int, now: datetime
    ) -> Started:
        """Whose check-in of which day the dialog is for; Refused if the caller may not."""
        allowed = await checkins.access(
            repos, actor, obligation_id, ObligationKind.HEALTH_CHECKIN, now=now
        )
        return Started(await checkins.resident_name(repos, allowed.monitored), allowed.day)

    async def record_checkin(
        self,
        repos: Repositories,
        actor: Actor,
        obligation_id: int,
        answer: CheckinAnswer,
        now: datetime,
    ) -> Recorded:
        return await checkins.record_checkin(
            repos,
            actor,
            obligation_id,
            answer,
            fever_threshold=self.fever_threshold,
            render=self.render,
            now=now,
            markup=self.alert_markup,
            handling=self.handling,
        )

    async def test_day(
        self, repos: Repositories, actor: Actor, obligation_id: int, now: datetime
    ) -> Started:
        """Whose test of which day a result would be recorded for (a positive one is confirmed
        first); Refused as recording it would be."""
        today = now.astimezone(self.zone).date()
        allowed = await result_recording.result_access(
            repos, actor, obligation_id, now=now, today=today
        )
        return Started(await checkins.resident_name(repos, allowed.monitored), allowed.day)

    async def record_test(
        self,
        repos: Repositories,
        actor: Actor,
        obligation_id: int,
        result: TestResult,
        now: datetime,
    ) -> Recorded:
        return await result_recording.record_test(
            repos,
            actor,
            obligation_id,
            result,
            render=self.render,
            now=now,
            today=now.astimezone(self.zone).date(),
            fix_markup=self.fix_markup,
            handling=self.handling,
            alert_markup=self.alert_markup,
        )
