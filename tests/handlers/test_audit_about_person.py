"""/audit and `python -m bot audit --person` find a person's entries and the entries about
their records, whoever acted, in either spelling of a target the log holds; the chat shows
records in the reader's words and leaves the office's details to the command line."""

from __future__ import annotations

from datetime import timedelta

from domain.audit_targets import TargetKind, parse, spellings, target
from services import audit_log
from storage import Repositories
from storage.repos.audit import AuditFilter
from tests.handlers.conftest import ADMIN_ID, ZH, Harness
from tests.handlers.test_case_card import LIAISON, RESIDENT, submit
from tests.handlers.test_cases import FEVER, NOW
from texts.case_keyboards import CaseAct, CaseAction


async def _seed(harness: Harness) -> int:
    harness.clock.set(NOW)
    declared = await submit(harness, FEVER)
    await harness.press(LIAISON, CaseAct(declaration=declared, action=CaseAction.VIEW).pack())

    async def older(repos: Repositories) -> None:
        # An entry written before the one spelling (holds wrote "declaration:N"), and one
        # about somebody else's declaration.
        for target_text in (f"declaration:{declared}", f"declaration {declared + 50}"):
            await repos.audit.record(
                at=NOW + timedelta(minutes=1),
                actor_id=ADMIN_ID,
                action="privacy.hold",
                target=target_text,
                allowed=True,
                detail="疾控复核中",
            )

    await harness.repos(older)
    harness.clock.set(NOW + timedelta(minutes=2))
    return declared


async def test_audit_by_person_finds_what_others_did_about_their_records(
    harness: Harness,
) -> None:
    declared = await _seed(harness)
    [page] = await harness.send(ADMIN_ID, f"/audit {RESIDENT}")
    # Their own submission, the liaison's view and the older hold: not the other declaration.
    assert page.startswith(ZH("audit-title", total=3)), page
    assert ZH("audit-action-case-view") in page
    assert ZH("audit-target-declaration", id=declared) in page
    assert ZH("audit-target-declaration", id=declared + 50) not in page
    assert f"declaration {declared}" not in page
    # The office's details (rule names, counts) stay out of the chat.
    assert "fever_clinic" not in page
    assert "obligations" not in page
    assert "疾控复核中" not in page


async def test_the_command_line_export_by_person_matches_the_same_entries(
    harness: Harness,
) -> None:
    declared = await _seed(harness)
    lines = await harness.repos(
        lambda r: audit_log.export(r, AuditFilter([RESIDENT]), now=harness.clock.now())
    )
    found = sorted((line.entry.actor_id, line.entry.action, line.entry.target) for line in lines)
    assert (LIAISON, "case.view", f"declaration {declared}") in found
    assert (ADMIN_ID, "privacy.hold", f"declaration:{declared}") in found
    assert all(t != f"declaration {declared + 50}" for _, _, t in found)
    # Raw details stay in the export.
    assert any(line.entry.detail == "疾控复核中" for line in lines)


def test_a_target_is_written_one_way_and_read_both_ways() -> None:
    assert target(TargetKind.DECLARATION, 12) == "declaration 12"
    assert target(TargetKind.TEST_RECORD, 7) == "test_record 7"
    for text in ("declaration 12", "declaration:12"):
        found = parse(text)
        assert found is not None
        assert (found.kind, found.id) == (TargetKind.DECLARATION, 12)
    assert spellings(TargetKind.PERSON, 3) == ("person 3", "person:3")
    for other in ("audit log", "dongguan/2026-11-20", "declaration x", "unit 5", "", None):
        assert parse(other) is None
