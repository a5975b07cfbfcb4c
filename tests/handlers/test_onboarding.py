import asyncio
import re
from datetime import timedelta

from aiogram.fsm.storage.base import StorageKey
from aiogram.methods import PinChatMessage, SetMyCommands

from domain.org import Role
from handlers.onboarding import InviteWizard
from tests.handlers.conftest import ADMIN_ID, EN, ZH, Harness, plain_member
from texts.keyboards import InvitePick

GROUP = -100555


def link_token(text: str, prefix: str, separator: str = "_") -> str:
    match = re.search(rf"start={prefix}{separator}([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


async def test_invite_link_grants_the_role_once(harness: Harness) -> None:
    [reply] = await harness.send(1002, "/invite liaison dongguan", language="en")
    assert reply.startswith(
        EN("invite-created", role=EN("role-liaison"), unit="示范县 / 城关镇 / 东关村")
    )
    token = link_token(reply, "inv")

    [welcome] = await harness.send(5001, f"/start inv_{token}")
    assert welcome == ZH(
        "invite-accepted", unit="示范县 / 城关镇 / 东关村", role=ZH("role-liaison")
    )
    roles = await harness.repos(lambda r: r.roles.of_person(5001))
    assert [(a.unit_code, a.role) for a in roles] == [("dongguan", Role.LIAISON)]
    # The new liaison's private menu is set for them.
    assert harness.session.of_type(SetMyCommands)[-1].scope.chat_id == 5001

    assert await harness.send(5002, f"/start inv_{token}") == [ZH("invite-used")]
    assert await harness.repos(lambda r: r.roles.of_person(5002)) == []


async def test_invite_by_the_names_people_use(harness: Harness) -> None:
    [reply] = await harness.send(1001, "/invite 包保责任人 东关村")
    assert reply.startswith(
        ZH("invite-created", role=ZH("role-tracker"), unit="示范县 / 城关镇 / 东关村")
    )
    [reply] = await harness.send(1002, "/invite Deputy dong guan", language="en")
    assert reply.startswith(
        EN("invite-created", role=EN("role-deputy"), unit="示范县 / 城关镇 / 东关村")
    )
    # A name several units share: buttons; one press answers, a second finds the question gone.
    assert await harness.send(1001, "/invite 联络员 关") == [
        ZH("unit-several", query="关") + "\n" + ZH("unit-type-again")
    ]
    assert harness.labels() == ["城关镇", "东关村"]
    [made] = await harness.press(1001, harness.button("城关镇"))
    assert made.startswith(ZH("invite-created", role=ZH("role-liaison"), unit="示范县 / 城关镇"))
    assert await harness.send(1001, "/invite 居民 东关村") == [ZH("invite-resident-via-group")]
    assert await harness.send(1001, "/invite 村长 东关村") == [ZH("invite-usage")]


async def test_an_inviter_cannot_take_their_own_link_and_hears_when_it_is_taken(
    harness: Harness,
) -> None:
    [reply] = await harness.send(1002, "/invite liaison 东关村", language="en")
    token = link_token(reply, "inv")
    assert await harness.send(1002, f"/start inv_{token}", language="en") == [EN("invite-own")]
    assert [a.unit_code for a in await harness.repos(lambda r: r.roles.of_person(1002))] == [
        "chengguan"
    ]
    await harness.send(5001, f"/start inv_{token}", name="赵新")
    [told] = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))
    assert told.chat_id == 1002
    assert told.message.text == EN(
        "invite-accepted-inviter",
        name="赵新",
        role=EN("role-liaison"),
        unit="示范县 / 城关镇 / 东关村",
    )


async def test_expired_and_forged_invites_are_refused(harness: Harness) -> None:
    token = link_token((await harness.send(1001, "/invite deputy dongguan"))[0], "inv")
    harness.clock.advance(timedelta(hours=73))
    assert await harness.send(5001, f"/start inv_{token}") == [ZH("invite-expired")]
    assert await harness.send(5001, "/start inv_doesnotexist") == [ZH("invite-unknown")]
    assert await harness.send(5001, "/start <b>") == [ZH("start-link-invalid")]


async def test_a_supervisor_cannot_invite_outside_their_subtree(harness: Harness) -> None:
    assert await harness.send(1002, "/invite liaison hexi", language="en") == [
        EN("perm-not-supervisor")
    ]
    assert await harness.send(2001, "/invite liaison dongguan") == [ZH("perm-not-supervisor")]
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.action, e.allowed) for e in audit] == [
        (2001, "invite", False),
        (1002, "invite", False),
    ]


async def test_invite_wizard_draft_survives_a_restart(harness: Harness) -> None:
    assert await harness.send(1002, "/invite") == [EN("invite-choose-role")]
    await harness.press(1002, harness.button(EN("role-liaison")))
    assert harness.labels() == [EN("unit-pick-this", unit="城关镇"), "东关村"]

    harness.restart()
    replies = await harness.press(1002, harness.button("东关村"))
    assert replies[-1].startswith(
        EN("invite-created", role=EN("role-liaison"), unit="示范县 / 城关镇 / 东关村")
    )


async def test_a_forged_unit_button_is_checked_again(harness: Harness) -> None:
    await harness.send(1002, "/invite")
    await harness.press(1002, "v1invr:liaison")
    forged = InvitePick(role=Role.LIAISON, unit="hexi", browse=False).pack()
    replies = await harness.press(1002, forged)  # not offered: outside the subtree
    assert replies == [EN("perm-not-supervisor")]
    assert await harness.press(1002, forged) == []  # the wizard is over: a stale button
    assert harness.session.requests[-1].text == EN("button-expired")


async def test_typed_unknown_unit_asks_again(harness: Harness) -> None:
    await harness.send(1001, "/invite")
    await harness.press(1001, "v1invr:tracker")
    assert await harness.send(1001, "nowhere") == [
        ZH("unit-not-found", query="nowhere") + "\n" + ZH("unit-type-again")
    ]
    [reply] = await harness.send(1001, "HEXI")
    assert reply.startswith(ZH("invite-created", role=ZH("role-tracker"), unit="示范县 / 河西街道"))


async def test_bind_a_residents_group_posts_and_pins_the_declare_button(harness: Harness) -> None:
    replies = await harness.send(1002, "/bind dongguan residents", chat_id=GROUP, language="en")
    assert replies[0].splitlines() == [
        EN("bind-done", unit="示范县 / 城关镇 / 东关村"),
        EN("purpose-residents"),
        EN("bind-rights-ok"),
    ]
    post = harness.session.sent(GROUP)[-1]
    assert post.text == ZH("declare-post")  # groups speak the default language
    url = post.reply_markup.inline_keyboard[0][0].url  # type: ignore[union-attr]
    assert harness.session.of_type(PinChatMessage)[-1].chat_id == GROUP

    # The button's link carries the group's join token; a plain join link with the same
    # token (as posted before declarations existed) still registers the resident.
    token = link_token(url or "", "decl", separator="-")
    assert await harness.send(3001, f"/start join_{token}") == [
        ZH("join-done", unit="示范县 / 城关镇 / 东关村")
    ]
    assert await harness.send(3001, f"/start join_{token}") == [
        ZH("join-already", unit="示范县 / 城关镇 / 东关村")
    ]
    roles = await harness.repos(lambda r: r.roles.of_person(3001))
    assert [(a.unit_code, a.role) for a in roles] == [("dongguan", Role.RESIDENT)]


async def test_bind_says_which_rights_are_missing(harness: Harness) -> None:
    harness.session.bot_member = plain_member()
    replies = await harness.send(1001, "/bind chengguan residents", chat_id=GROUP)
    assert ZH("bind-missing-right", right=ZH("right-pin-messages")) in replies[0]
    replies = await harness.send(1001, "/bind chengguan work", chat_id=GROUP)
    assert ZH("bind-rights-ok") in replies[0]
    group = await harness.repos(lambda r: r.groups.get(GROUP))
    assert (group.unit_code, group.purpose.value) == ("chengguan", "work")


async def test_bind_is_refused_to_strangers_and_checks_arguments(harness: Harness) -> None:
    assert await harness.send(2001, "/bind dongguan work", chat_id=GROUP) == [
        ZH("perm-not-supervisor")
    ]
    assert await harness.send(1001, "/bind dongguan party", chat_id=GROUP) == [ZH("bind-usage")]
    assert await harness.send(1001, "/bind dongguan work") == [ZH("bind-in-group-only")]
    assert await harness.repos(lambda r: r.groups.get(GROUP)) is None
    # Admins from the configuration may bind any unit.
    assert (await harness.send(9, "/bind hexi work", chat_id=GROUP))[0].startswith(
        ZH("bind-done", unit="示范县 / 河西街道")
    )


async def test_a_role_button_without_the_right_ends_the_wizard(harness: Harness) -> None:
    assert await harness.press(2001, "v1invr:liaison") == []
    assert harness.session.requests[-1].text == ZH("button-expired")  # no wizard state: stale
    # Even with a wizard state (say, left from before a role was taken away) the press is
    # checked again and ends the wizard without issuing anything.
    key = StorageKey(bot_id=harness.bot.id, chat_id=2001, user_id=2001)
    await harness.storage.set_state(key, InviteWizard.choosing_role)
    assert await harness.press(2001, "v1invr:liaison") == []
    assert await harness.storage.get_state(key) is None
    assert harness.session.requests[-1].text == ZH("perm-not-supervisor")
    [entry] = await harness.repos(lambda r: r.audit.recent())
    assert (entry.actor_id, entry.action, entry.allowed) == (2001, "invite", False)


async def test_a_double_tap_issues_one_invitation(harness: Harness) -> None:
    await harness.send(1001, "/invite")
    await harness.press(1001, "v1invr:liaison")
    harness.session.clear()
    await asyncio.gather(
        harness.press(1001, "v1invp:liaison:dongguan:0"),
        harness.press(1001, "v1invp:liaison:dongguan:0"),
    )
    created = [t for t in harness.session.texts(1001) if "start=inv_" in t]
    assert len(created) == 1


async def test_rebinding_as_a_work_group_posts_no_join_button(harness: Harness) -> None:
    await harness.send(1001, "/bind dongguan residents", chat_id=GROUP)
    harness.session.clear()
    await harness.send(1001, "/bind dongguan work", chat_id=GROUP)
    assert harness.session.texts(GROUP) == [
        "\n".join(
            [
                ZH("bind-done", unit="示范县 / 城关镇 / 东关村"),
                ZH("purpose-work"),
                ZH("bind-rights-ok"),
            ]
        )
    ]
    assert harness.session.of_type(PinChatMessage) == []


async def test_the_binding_follows_a_group_migration(harness: Harness) -> None:
    await harness.send(1001, "/bind dongguan work", chat_id=-555)
    update = harness.message_update(1001, "", chat_id=-555)
    assert update.message is not None
    migrated = update.model_copy(
        update={
            "message": update.message.model_copy(update={"text": None, "migrate_to_chat_id": -1009})
        }
    )
    await harness.feed(migrated)
    assert await harness.repos(lambda r: r.groups.get(-555)) is None
    group = await harness.repos(lambda r: r.groups.get(-1009))
    assert group.unit_code == "dongguan"


async def test_a_supervisor_cannot_take_over_another_units_group(harness: Harness) -> None:
    await harness.send(ADMIN_ID, "/bind hexi residents", chat_id=GROUP)
    harness.session.clear()
    assert await harness.send(1002, "/bind dongguan work", chat_id=GROUP, language="en") == [
        EN("perm-not-supervisor")
    ]
    group = await harness.repos(lambda r: r.groups.get(GROUP))
    assert (group.unit_code, group.purpose.value) == ("hexi", "residents")
    # Within their own subtree they may move it: 王主任 supervises both units.
    assert (await harness.send(1001, "/bind dongguan work", chat_id=GROUP))[0].startswith(
        ZH("bind-done", unit="示范县 / 城关镇 / 东关村")
    )


async def test_the_binding_follows_a_migration_reported_by_the_new_supergroup(
    harness: Harness,
) -> None:
    await harness.send(1001, "/bind dongguan residents", chat_id=-556)
    update = harness.message_update(1001, "", chat_id=-1008)
    assert update.message is not None
    arrived = update.model_copy(
        update={
            "message": update.message.model_copy(
                update={"text": None, "migrate_from_chat_id": -556}
            )
        }
    )
    await harness.feed(arrived)
    group = await harness.repos(lambda r: r.groups.get(-1008))
    assert (group.unit_code, group.purpose.value) == ("dongguan", "residents")
    assert group.join_token  # residents' buttons posted before keep working


async def test_bind_by_name_and_purpose_word_with_choices_in_the_group(harness: Harness) -> None:
    [done] = await harness.send(1001, "/bind 工作群 东关", chat_id=GROUP)
    assert done.startswith(ZH("bind-done", unit="示范县 / 城关镇 / 东关村"))
    # Several units: buttons in the group, which a member without the right cannot use.
    # In a group nothing waits for a typed name: the command is sent again instead.
    assert await harness.send(1001, "/bind 关 负责人群", chat_id=GROUP) == [
        ZH("unit-several", query="关") + "\n" + ZH("unit-send-again")
    ]
    pick = harness.button("城关镇")
    assert await harness.press(2001, pick, chat_id=GROUP) == []
    assert harness.session.requests[-1].text == ZH("perm-not-supervisor")
    [bound] = await harness.press(1001, pick, chat_id=GROUP)
    assert bound.startswith(ZH("bind-done", unit="示范县 / 城关镇"))
    group = await harness.repos(lambda r: r.groups.get(GROUP))
    assert (group.unit_code, group.purpose.value) == ("chengguan", "supervisors")


async def test_another_supervisors_press_leaves_the_choices_to_whoever_asked(
    harness: Harness,
) -> None:
    await harness.send(1001, "/bind 无此单位 work", chat_id=GROUP)
    hexi = harness.button("河西街道")
    before = len(harness.session.requests)
    # 李镇长 supervises 城关镇 only: his press is refused to him alone, nothing changes.
    assert await harness.press(1002, hexi, chat_id=GROUP, language="en") == []
    assert [type(r).__name__ for r in harness.session.requests[before:]] == ["AnswerCallbackQuery"]
    assert harness.session.requests[-1].text == EN("perm-not-supervisor")
    assert await harness.repos(lambda r: r.groups.get(GROUP)) is None
    # The county's own press still works.
    [bound] = await harness.press(1001, hexi, chat_id=GROUP)
    assert bound.startswith(ZH("bind-done", unit="示范县 / 河西街道"))


async def test_a_role_alone_goes_on_to_the_unit_and_strangers_hear_no_usage(
    harness: Harness,
) -> None:
    [asked] = await harness.send(1002, "/invite 联络员", language="en")
    assert asked == EN("invite-choose-unit", role=EN("role-liaison"))
    [made] = await harness.send(1002, "东关", language="en")
    assert made.startswith(
        EN("invite-created", role=EN("role-liaison"), unit="示范县 / 城关镇 / 东关村")
    )
    # Someone who may not bind hears that, not how to write /bind.
    assert await harness.send(3001, "/bind 东关", chat_id=GROUP) == [ZH("perm-not-supervisor")]
