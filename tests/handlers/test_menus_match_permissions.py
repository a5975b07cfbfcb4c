"""Every role's /help and command menu list exactly what that role may use in that kind of
chat: each listed command is run by each role, and none is refused (defect 7 of issue 17)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SetMyCommands

from domain.commands import ChatKind, commands_for_capabilities, visible_commands
from domain.org import Language, OrgTree, Role, RoleAssignment, Unit, UnitKind
from domain.permissions import Actor, Capability
from services.org import load_org_file
from services.reports import open_day
from storage import Repositories
from storage.repos.audit import AuditFilter
from tests.handlers.conftest import ADMIN_ID, Harness
from tests.handlers.test_reports import DAY, ESCALATION, POLICY
from tests.orgs import NANJIE, Group, Member, org_toml
from texts.i18n import catalog

ZONE = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=ZONE)
WORK_GROUP, RESIDENTS_GROUP = -1003001, -1003002
DEPUTY, TRACKER, RESIDENT, STRANGER = 2002, 2007, 3001, 7777
ROLES = {
    "office supervisor": 1001,
    "township supervisor": 1002,
    "liaison": 2001,
    "deputy": DEPUTY,
    "tracker": TRACKER,
    "resident": RESIDENT,
    "admin": ADMIN_ID,
    "stranger": STRANGER,
}
MORE_ORG = org_toml(
    [NANJIE],
    [
        Member(DEPUTY, "赵副手", "dongguan", "deputy"),
        Member(TRACKER, "吴网格员", "nanjie", "tracker"),
        Member(RESIDENT, "胡军", "dongguan", "resident"),
    ],
    [
        Group(WORK_GROUP, "城关镇联络员工作群", "chengguan", "work"),
        Group(RESIDENTS_GROUP, "东关村居民群", "dongguan", "residents"),
    ],
)
# What the bot says when it refuses someone a command (in either language).
REFUSALS = (
    "away-no-role",
    "bind-in-group-only",
    "cases-not-staff",
    "declare-for-not-allowed",
    "export-no-role",
    "export-not-allowed",
    "fallback-group-private-only",
    "perm-denied",
    "perm-not-supervisor",
    "report-no-unit",
    "report-not-liaison",
    "result-fix-not-staff",
    "risk-load-not-allowed",
    "status-no-role",
)
HELP_LINE = re.compile(r"^/([a-z_]+) — ", re.MULTILINE)


def refusal_texts() -> list[str]:
    texts = []
    for language in Language:
        for key in REFUSALS:
            # The fixed part before any value: enough to recognise the message.
            texts.append(catalog(language)[key].split("{")[0].strip())
    return [t for t in texts if t]


@pytest.fixture(autouse=True)
async def organisation(harness: Harness) -> None:
    harness.clock.set(MORNING)

    async def act(repos: Repositories) -> None:
        await load_org_file(repos, MORE_ORG, now=MORNING)
        await open_day(repos, ESCALATION, POLICY, DAY, now=MORNING)

    await harness.repos(act)


async def refused(
    harness: Harness, person: int, command: str, chat: int | None = None
) -> list[str]:
    """The refusals among the answers to `command` (and in the access log)."""
    replies = await harness.send(person, f"/{command}", chat_id=chat)
    found = [r for r in replies for text in refusal_texts() if text in r]
    denied = await harness.repos(lambda r: r.audit.search(AuditFilter(actor_ids=[person])))
    found += [f"audit: {e.action} {e.detail}" for e in denied if not e.allowed]
    if chat is None:
        await harness.send(person, "/cancel")  # out of whatever dialog it opened
    return found


async def refusals(
    harness: Harness, person: int, commands: list[str], chat: int | None = None
) -> dict[str, list[str]]:
    """Each command run in turn (but /start and /help, already sent): those refused."""
    problems = {}
    for command in commands:
        if command not in ("start", "help"):
            found = await refused(harness, person, command, chat)
            if found:
                problems[command] = found
    return problems


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_private_command_listed_for_a_role_is_one_it_may_use(
    harness: Harness, role: str
) -> None:
    person = ROLES[role]
    await harness.send(person, "/start")
    menus = [m for m in harness.session.of_type(SetMyCommands) if m.scope.chat_id == person]
    [help_text] = await harness.send(person, "/help")
    listed = HELP_LINE.findall(help_text)
    if menus:  # a person the bot knows gets a menu of their own
        assert [c.command for c in menus[-1].commands] == listed
    assert "help" in listed
    assert await refusals(harness, person, listed) == {}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("group", [WORK_GROUP, RESIDENTS_GROUP])
async def test_every_group_command_listed_for_a_role_is_one_it_may_use(
    harness: Harness, role: str, group: int
) -> None:
    person = ROLES[role]
    [help_text, *_] = await harness.send(person, "/help", chat_id=group)
    listed = HELP_LINE.findall(help_text)
    assert "help" in listed
    assert await refusals(harness, person, listed, group) == {}


def test_the_tracker_is_offered_no_report_commands() -> None:
    tracker = Actor(TRACKER, assignments=(RoleAssignment(TRACKER, "nanjie", Role.TRACKER),))
    tree = OrgTree.of([Unit("nanjie", "南街社区", UnitKind.COMMUNITY)])
    names = {spec.name for spec in visible_commands(tracker, ChatKind.PRIVATE, tree)}
    assert not names & {"report", "zero", "status"}


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("group", [WORK_GROUP, RESIDENTS_GROUP])
async def test_the_group_menu_every_member_sees_refuses_nobody(
    harness: Harness, role: str, group: int
) -> None:
    # The menu of every group (bot.menus.set_default_menus): Telegram shows it to all members.
    menu = commands_for_capabilities({Capability.EVERYONE}, ChatKind.GROUP)
    assert await refusals(harness, ROLES[role], [spec.name for spec in menu], group) == {}
