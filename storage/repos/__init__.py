"""Repositories: each wraps the caller's AsyncSession and returns domain dataclasses.

They flush but never commit, so one handler's changes commit or roll back together.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repos.absences import AbsenceRepository
from storage.repos.audit import AuditRepository
from storage.repos.boards import ReportBoardRepository
from storage.repos.callers import CallerRepository
from storage.repos.cases import CaseRepository
from storage.repos.checkins import CheckinRepository
from storage.repos.declarations import DeclarationRepository
from storage.repos.drafts import DraftLeaseRepository
from storage.repos.escalation_log import EscalationLogRepository, EscalationRecord
from storage.repos.groups import GroupRepository
from storage.repos.invites import InviteRepository
from storage.repos.mydata import MyDataRepository
from storage.repos.notices import NoticeRepository
from storage.repos.obligations import ObligationRepository
from storage.repos.org import OrgRepository
from storage.repos.outbox import OutboxRepository
from storage.repos.people import PeopleRepository
from storage.repos.privacy_notices import PrivacyNoticeRepository
from storage.repos.reports import ReportRepository
from storage.repos.retention import RetentionRepository
from storage.repos.risk_areas import RiskAreaRepository
from storage.repos.roles import RoleRepository
from storage.repos.sent import SentRepository
from storage.repos.unit_records import UnitRecordRepository
from storage.repos.updates import UpdateRepository


class Repositories:
    """All repositories on one session: `Repositories(session).people.get(...)`."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.org = OrgRepository(session)
        self.people = PeopleRepository(session)
        self.callers = CallerRepository(session)
        self.roles = RoleRepository(session)
        self.groups = GroupRepository(session)
        self.invites = InviteRepository(session)
        self.updates = UpdateRepository(session)
        self.audit = AuditRepository(session)
        self.outbox = OutboxRepository(session)
        self.sent = SentRepository(session)
        self.obligations = ObligationRepository(session)
        self.escalations = EscalationLogRepository(session)
        self.absences = AbsenceRepository(session)
        self.cases = CaseRepository(session)
        self.reports = ReportRepository(session)
        self.boards = ReportBoardRepository(session)
        self.declarations = DeclarationRepository(session)
        self.checkins = CheckinRepository(session)
        self.risk_areas = RiskAreaRepository(session)
        self.drafts = DraftLeaseRepository(session)
        self.privacy_notices = PrivacyNoticeRepository(session)
        self.mydata = MyDataRepository(session)
        self.retention = RetentionRepository(session)
        self.unit_records = UnitRecordRepository(session)
        self.notices = NoticeRepository(session)


__all__ = [
    "AbsenceRepository",
    "AuditRepository",
    "CallerRepository",
    "CheckinRepository",
    "DeclarationRepository",
    "DraftLeaseRepository",
    "EscalationLogRepository",
    "EscalationRecord",
    "GroupRepository",
    "InviteRepository",
    "NoticeRepository",
    "ObligationRepository",
    "OrgRepository",
    "OutboxRepository",
    "PeopleRepository",
    "PrivacyNoticeRepository",
    "ReportBoardRepository",
    "ReportRepository",
    "Repositories",
    "RiskAreaRepository",
    "RoleRepository",
    "SentRepository",
    "UnitRecordRepository",
    "UpdateRepository",
]
