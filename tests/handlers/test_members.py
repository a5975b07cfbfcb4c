from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SetMyCommands

from domain.escalation import Step, Target
from domain.obligations import Obligation, ObligationKind
from domain.org import Language, Role, RoleAssignment
from domain.recipients import resolve
from services.obligations import load_directory
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness
from texts.keyboards import MemberRemove, RemoveStep

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DEPUTY, TRACKER, RESIDENT, HEXI_LIAISON = 2101, 2301, 3001, 2201


@pytest.fixture(autouse=True)
async def people(harness: Harness) -> None:
    harness.clock.set(NOW)

    async def setup(repos: Repositories) -> None:
        for person, name, role in (
            (DEPUTY, "赵副手", Role.DEPUTY),
            (TRACKER, "钱包保", Role.TRACKER),
            (RESIDENT, "胡军", Role.RESIDENT),
            (HEXI_LIAISON, "孙联络", Role.LIAISON),
        ):
            unit = "hexi" if person == HEXI_LIAISON else "dongguan"
            await repos.people.ensure(person, name, Language.ZH_CN, now=NOW)
            await repos.roles.grant(RoleAssignment(person, unit, role), granted_by=None, now=NOW)

    await harness.repos(setup)


async def assignment_of(harness: Harness, person: int) -> int:
    async def find(repos: Repositories) -> int:
        for unit in ("dongguan", "chengguan", "hexi"):
            for found, holder, _ in await repos.roles.in_unit(unit):
                if holder.telegram_id == person:
                    return found
        raise AssertionError(person)

    return int(await harness.repos(find))


async def test_a_supervisor_lists_a_units_people_by_name(harness: Harness) -> None:
    [listed] = await harness.send(1001, "/members 东关")
    assert listed.splitlines() == [
        ZH("members-title", unit="东关村"),
        ZH("members-role-line", role=ZH("role-supervisor"), names=ZH("members-nobody")),
        ZH("members-role-line", role=ZH("role-liaison"), names="张联络"),
        ZH("members-role-line", role=ZH("role-deputy"), names="赵副手"),
        ZH("members-role-line", role=ZH("role-tracker"), names="钱包保"),
        ZH("members-residents", count=1),
    ]
    assert harness.labels() == [
        ZH("members-remove", name="张联络", role=ZH("role-liaison")),
        ZH("members-remove", name="赵副手", role=ZH("role-deputy")),
        ZH("members-remove", name="钱包保", role=ZH("role-tracker")),
    ]
    # Without a name: the units to browse.
    assert await harness.send(1002, "/members", language="en") == [EN("members-choose-unit")]
    assert harness.labels()[0] == EN("unit-pick-this", unit="城关镇")


async def test_removing_a_liaison_asks_first_tells_them_and_passes_the_unit_on(
    harness: Harness,
) -> None:
    await harness.send(1001, "/members dongguan")
    remove = harness.button(ZH("members-remove", name="张联络", role=ZH("role-liaison")))
    [asked] = await harness.press(1001, remove)
    assert asked == ZH("members-confirm", name="张联络", unit="东关村", role=ZH("role-liaison"))
    assert [a.role for a in await harness.repos(lambda r: r.roles.of_person(2001))] == [
        Role.LIAISON
    ]
    # Back shows the list again; nothing changed.
    [again] = await harness.press(1001, harness.button(ZH("members-confirm-back")))
    assert again.startswith(ZH("members-title", unit="东关村"))
    await harness.press(1001, remove)
    [done] = await harness.press(1001, harness.button(ZH("members-confirm-yes")))
    assert done.splitlines() == [
        ZH("members-removed", name="张联络", unit="东关村", role=ZH("role-liaison")),
        ZH("members-passed-to", names="赵副手", unit="东关村"),
    ]
    assert await harness.repos(lambda r: r.roles.of_person(2001)) == []
    [told] = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))
    assert told.chat_id == 2001
    assert told.message.text == ZH(
        "members-removed-you", unit="东关村", role=ZH("role-liaison"), by="用户"
    )  # the supervisor's name as their last update showed it (the press's "用户")
    # Their private menu no longer offers a liaison's commands.
    menu = harness.session.of_type(SetMyCommands)[-1]
    assert menu.scope.chat_id == 2001
    assert "report" not in {command.command for command in menu.commands}
    audit = await harness.repos(lambda r: r.audit.recent())
    assert (audit[0].actor_id, audit[0].action, audit[0].target, audit[0].allowed) == (
        1001,
        "role.revoke",
        "2001:liaison@dongguan",
        True,
    )
    # What the unit owes now reaches the deputy: the directory the engine resolves with.
    directory = await harness.repos(lambda r: load_directory(r, date(2026, 11, 20)))
    owed = Obligation(
        ObligationKind.UNIT_REPORT, "dongguan", "2026-11-20", "dongguan", "dongguan", NOW
    )
    step = Step(timedelta(0), (Target.ASSIGNEE,), "obligation-test")
    resolved = resolve(owed, step, directory, date(2026, 11, 20))
    assert [r.chat_id for r in resolved.recipients] == [DEPUTY]
    # A second confirmation (a double tap, an old message) removes nothing more.
    assert await harness.press(1001, harness.button(ZH("members-confirm-yes"))) == []
    assert harness.session.requests[-1].text == ZH("members-already-gone")


async def test_the_supervisor_is_warned_when_nobody_is_left(harness: Harness) -> None:
    for name, role in (("赵副手", "role-deputy"), ("张联络", "role-liaison")):
        await harness.send(1001, "/members dongguan")
        await harness.press(1001, harness.button(ZH("members-remove", name=name, role=ZH(role))))
        [done] = await harness.press(1001, harness.button(ZH("members-confirm-yes")))
    assert done.splitlines()[-1] == ZH("members-no-worker", unit="东关村")
    # The warning stays on the unit's list until someone is invited.
    [listed] = await harness.send(1001, "/members dongguan")
    assert listed.splitlines()[-1] == ZH("members-no-worker", unit="东关村")


async def test_only_supervisors_of_the_unit_and_never_for_themselves(harness: Harness) -> None:
    assert await harness.send(2001, "/members dongguan") == [ZH("perm-not-supervisor")]
    assert await harness.send(1002, "/members hexi", language="en") == [EN("perm-not-supervisor")]
    # A button naming another township's liaison (forged: never offered to 李镇长).
    elsewhere = await assignment_of(harness, HEXI_LIAISON)
    forged = MemberRemove(assignment=elsewhere, step=RemoveStep.YES).pack()
    assert await harness.press(1002, forged, language="en") == []
    assert harness.session.requests[-1].text == EN("perm-not-supervisor")
    # Nobody removes their own role; the list offers no such button either.
    own = MemberRemove(assignment=await assignment_of(harness, 1002), step=RemoveStep.YES).pack()
    assert await harness.press(1002, own, language="en") == []
    assert harness.session.requests[-1].text == EN("members-not-yourself")
    [listed] = await harness.send(1002, "/members 城关镇", language="en")
    assert "Supervisor: " in listed
    assert harness.session.sent(1002)[-1].reply_markup is None
    assert [a.role for a in await harness.repos(lambda r: r.roles.of_person(HEXI_LIAISON))] == [
        Role.LIAISON
    ]
    audit = await harness.repos(lambda r: r.audit.recent())
    assert all(not entry.allowed for entry in audit)
