"""Never silence where a person expects an answer: every command of the catalog, unknown
commands, free text and media, sent by every role in a private chat and in each kind of group."""

import pytest

from domain.commands import CATALOG
from domain.org import Language, Role, RoleAssignment
from storage import Repositories
from tests.handlers.conftest import EN, MEDIA, ZH, Harness, not_understood

RESIDENT, STRANGER, DEPUTY = 3001, 4001, 2101
# Each role once: a resident, a stranger, a liaison, a deputy, a township and a county
# supervisor (李镇长 1002 reads English), an admin from the configuration.
PEOPLE = (RESIDENT, STRANGER, 2001, DEPUTY, 1002, 1001, 9)
GROUPS = {"residents": -100101, "work": -100102, "supervisors": -100103, "unbound": -100104}
COMMANDS = sorted({spec.name for spec in CATALOG})
UNKNOWN = ("export", "notice", "chart", "nonsense")
FREE_TEXTS = ("我已经打过卡了", "hello", "12-01", "？？", "东关村")


@pytest.fixture
async def everyone(harness: Harness) -> Harness:
    async def setup(repos: Repositories) -> None:
        now = harness.clock.now()
        await repos.people.ensure(RESIDENT, "胡军", Language.ZH_CN, now=now)
        await repos.people.ensure(DEPUTY, "赵副手", Language.ZH_CN, now=now)
        for person, role in ((RESIDENT, Role.RESIDENT), (DEPUTY, Role.DEPUTY)):
            await repos.roles.grant(
                RoleAssignment(person, "dongguan", role), granted_by=None, now=now
            )

    await harness.repos(setup)
    for purpose in ("residents", "work", "supervisors"):
        await harness.send(1001, f"/bind 东关村 {purpose}", chat_id=GROUPS[purpose])
    return harness


def _language(person: int) -> str:
    return "en" if person == 1002 else "zh-hans"


@pytest.mark.parametrize("person", PEOPLE)
async def test_every_command_in_a_private_chat_is_answered(everyone: Harness, person: int) -> None:
    silent = []
    for command in (*COMMANDS, *UNKNOWN):
        replies = await everyone.send(person, f"/{command}", language=_language(person))
        if not replies:
            silent.append(command)
        await everyone.send(person, "/cancel", language=_language(person))  # leave any dialog
    assert silent == []


@pytest.mark.parametrize("person", PEOPLE)
async def test_free_text_and_media_in_a_private_chat_are_answered(
    everyone: Harness, person: int
) -> None:
    tr = EN if person == 1002 else ZH
    for text in FREE_TEXTS:
        replies = await everyone.send(person, text, language=_language(person))
        assert not_understood(replies, tr), text
    for kind in MEDIA:
        replies = await everyone.send_media(person, kind, language=_language(person))
        assert not_understood(replies, tr, "fallback-not-text"), kind


@pytest.mark.parametrize("group", sorted(GROUPS))
@pytest.mark.parametrize("person", PEOPLE)
async def test_every_command_in_a_group_is_answered_without_foreign_commands(
    everyone: Harness, person: int, group: str
) -> None:
    chat = GROUPS[group]
    silent = []
    for command in COMMANDS:
        if command == "bind":
            continue  # binding changes the group under the test's feet; tested on its own
        replies = await everyone.send(person, f"/{command}", chat_id=chat)
        if not replies:
            silent.append(command)
    assert silent == []
    [help_text] = await everyone.send(person, "/help", chat_id=chat)
    listed = {line.split(" ")[0] for line in help_text.splitlines() if line.startswith("/")}
    # What every member of this group may use here, nothing else.
    expected = {"/help"} | ({"/declare"} if group == "residents" else set())
    if group == "unbound" and person in (1001, 1002, 9):
        expected.add("/bind")
    assert listed == expected


@pytest.mark.parametrize("group", sorted(GROUPS))
async def test_talk_and_other_bots_commands_in_groups_are_left_alone(
    everyone: Harness, group: str
) -> None:
    chat = GROUPS[group]
    for text in (*FREE_TEXTS, "/help@other_bot", "/start@other_bot", "/weather"):
        assert await everyone.send(RESIDENT, text, chat_id=chat) == [], text
    for kind in MEDIA:
        assert await everyone.send_media(RESIDENT, kind, chat_id=chat) == [], kind
    # Addressed to this bot by name, an unknown command is answered.
    assert await everyone.send(RESIDENT, "/weather@fangkong_test_bot", chat_id=chat) == [
        ZH("fallback-group-unknown", command="/weather")
    ]


async def test_commands_in_groups_point_to_the_private_chat_or_refuse(everyone: Harness) -> None:
    chat = GROUPS["work"]
    assert await everyone.send(2001, "/status", chat_id=chat) == [
        ZH("fallback-group-private-only", command="/status")
    ]
    assert await everyone.send(RESIDENT, "/checkin@fangkong_test_bot", chat_id=chat) == [
        ZH("fallback-group-private-only", command="/checkin")
    ]
    # A command the caller may not use at all: a short refusal, no link.
    assert await everyone.send(RESIDENT, "/status", chat_id=chat) == [
        ZH("fallback-group-not-yours", command="/status")
    ]
    assert await everyone.send(RESIDENT, "/bind 东关村 work", chat_id=chat) == [
        ZH("perm-not-supervisor")
    ]


async def test_media_at_a_question_says_what_the_question_needs(everyone: Harness) -> None:
    await everyone.declare(RESIDENT)
    # The name question takes typing.
    [typed] = await everyone.send_media(RESIDENT, "photo")
    assert ZH("declare-text-only") in typed
    # A question in a wizard that only takes buttons: say so, not "type".
    await everyone.send(RESIDENT, "/cancel")
    await everyone.send(1001, "/invite")
    assert await everyone.send_media(1001, "sticker") == [ZH("fallback-in-dialog")]
    # Typing where only the buttons answer: use the buttons.
    assert await everyone.send(1001, "联络员") == [ZH("fallback-use-buttons")]
