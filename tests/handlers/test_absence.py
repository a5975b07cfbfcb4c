from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from domain.org import Language, Role, RoleAssignment
from storage import Repositories
from tests.handlers.conftest import EN, ZH, Harness

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=ZONE)
DEPUTY, HEXI_LIAISON, TRACKER, RESIDENT = 2101, 2201, 2301, 3001


async def grant(harness: Harness, person: int, name: str, unit: str, role: Role) -> None:
    async def act(repos: Repositories) -> None:
        await repos.people.ensure(person, name, Language.ZH_CN, now=NOW)
        await repos.roles.grant(RoleAssignment(person, unit, role), granted_by=None, now=NOW)

    await harness.repos(act)


@pytest.fixture(autouse=True)
def at_noon(harness: Harness) -> None:
    harness.clock.set(NOW)


async def test_a_liaison_sets_away_and_is_told_who_covers(harness: Harness) -> None:
    await grant(harness, DEPUTY, "赵副手", "dongguan", Role.DEPUTY)
    [reply] = await harness.send(2001, "/away 11-30", name="张联络")
    assert reply.splitlines() == [
        ZH("away-set", days=ZH("away-days-until", until="2026-11-30")),
        ZH("away-cover-by", unit="东关村", role=ZH("role-liaison"), names="赵副手"),
    ]
    away = await harness.repos(lambda r: r.absences.away_on(date(2026, 11, 20)))
    assert away == {2001: date(2026, 11, 30)}
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.action, e.target, e.allowed) for e in audit] == [
        (2001, "away.set", "2026-11-20..2026-11-30", True)
    ]

    # The deputy hears from the bot that they stand in; setting the same dates again does not
    # tell them twice.
    [told] = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))
    assert told.chat_id == DEPUTY
    assert told.message.text == ZH(
        "away-you-cover",
        name="张联络",
        unit="东关村",
        days=ZH("away-days-until", until="2026-11-30"),
    )
    await harness.send(2001, "/away 11-30", name="张联络")
    assert len(await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))) == 1

    [status] = await harness.send(2001, "/away", name="张联络")
    assert status.splitlines()[0] == ZH(
        "away-status", days=ZH("away-days-until", until="2026-11-30")
    )

    assert await harness.send(2001, "/away off", name="张联络") == [ZH("away-cleared")]
    # The deputy is told it is over, with the name the organisation knows.
    back = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))
    assert [(e.chat_id, e.message.text) for e in back][-1] == (
        DEPUTY,
        ZH("away-back-cover", name="张联络", unit="东关村"),
    )
    assert await harness.send(2001, "/away off", name="张联络") == [ZH("away-not-set")]
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 11, 20))) == {}
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [e.action for e in audit] == ["away.clear", "away.set", "away.set"]


async def test_nobody_covering_is_a_clear_warning(harness: Harness) -> None:
    [reply] = await harness.send(2001, "/away 2026-11-25")
    assert reply.splitlines()[1] == ZH("away-cover-nobody", unit="东关村", role=ZH("role-liaison"))
    # A deputy who is away as well covers nobody either.
    await grant(harness, DEPUTY, "赵副手", "dongguan", Role.DEPUTY)
    await harness.send(DEPUTY, "/away 11-22")
    [again] = await harness.send(2001, "/away 2026-11-25")
    assert ZH("away-cover-nobody", unit="东关村", role=ZH("role-liaison")) in again


async def test_a_tracker_still_hearing_of_cases_is_said_beside_the_warning(
    harness: Harness,
) -> None:
    # No deputy, but a tracker: the residents' cases (their alerts and the handling
    # escalations) still reach the tracker; the daily report and notices reach nobody.
    await grant(harness, TRACKER, "吴网格员", "dongguan", Role.TRACKER)
    [reply] = await harness.send(2001, "/away 2026-11-25")
    assert reply.splitlines()[1] == ZH(
        "away-cover-cases", unit="东关村", role=ZH("role-liaison"), names="吴网格员"
    )


async def test_an_away_supervisor_passes_escalations_up(harness: Harness) -> None:
    [reply] = await harness.send(1002, "/away 12-01", language="en")
    assert reply.splitlines() == [
        EN("away-set", days=EN("away-days-until", until="2026-12-01")),
        EN("away-cover-up", unit="城关镇", role=EN("role-supervisor")),
    ]


WINDOW = {"first": "2026-11-20", "last": "2027-02-18", "days": 90}


@pytest.mark.parametrize(
    ("argument", "refusal"),
    [
        ("someday", ZH("answer-date-invalid")),
        ("2026-02-30", ZH("answer-date-invalid")),
        ("30-11-2026", ZH("answer-date-invalid")),
        ("2026-11-19", ZH("away-outside", **WINDOW)),
        ("2027-02-19", ZH("away-outside", **WINDOW)),  # 91 days ahead
        ("11-10", ZH("away-outside", **WINDOW)),  # ten days ago, not next year's 11-10
        ("11-30 11-25", ZH("away-end-before-start", first="2026-11-30")),
    ],
)
async def test_bad_dates_are_refused_with_the_format(
    harness: Harness, argument: str, refusal: str
) -> None:
    [reply] = await harness.send(2001, f"/away {argument}")
    # The same words as every other date question, then how to write /away.
    assert reply == refusal + "\n" + ZH("away-usage")
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 11, 20))) == {}


async def test_an_absence_set_in_advance_starts_on_its_first_day(harness: Harness) -> None:
    await grant(harness, DEPUTY, "赵副手", "dongguan", Role.DEPUTY)
    [reply] = await harness.send(2001, "/away 12月1日 12月3日", name="张联络")
    days = ZH("away-days-range", first="2026-12-01", last="2026-12-03")
    assert reply.splitlines()[0] == ZH("away-set", days=days)
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 11, 30))) == {}
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 12, 1))) == {
        2001: date(2026, 12, 3)
    }
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 12, 4))) == {}
    [status] = await harness.send(2001, "/away")
    assert status.splitlines()[0] == ZH("away-status", days=days)
    [told] = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))
    assert told.chat_id == DEPUTY
    assert "2026-12-01" in told.message.text


async def test_the_last_allowed_day_and_today_are_accepted(harness: Harness) -> None:
    [far] = await harness.send(2001, "/away 2027-02-18")
    assert far.startswith(ZH("away-set", days=ZH("away-days-until", until="2027-02-18")))
    [today] = await harness.send(2001, "/away 11-20")
    assert today.startswith(ZH("away-set", days=ZH("away-days-until", until="2026-11-20")))


async def test_today_is_the_configured_zones_date(harness: Harness) -> None:
    # 01:00 on the 21st in Shanghai is still the 20th in UTC: the 20th is already past.
    harness.clock.set(datetime(2026, 11, 21, 1, 0, tzinfo=ZONE))
    [reply] = await harness.send(2001, "/away 2026-11-20")
    window = {"first": "2026-11-21", "last": "2027-02-19", "days": 90}
    assert reply == ZH("away-outside", **window) + "\n" + ZH("away-usage")


async def test_only_role_holders_may_be_away(harness: Harness) -> None:
    assert await harness.send(4001, "/away 11-30") == [ZH("away-no-role")]
    await grant(harness, RESIDENT, "胡军", "dongguan", Role.RESIDENT)
    assert await harness.send(RESIDENT, "/away 11-30") == [ZH("away-no-role")]
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 11, 20))) == {}
    audit = await harness.repos(lambda r: r.audit.recent())
    assert [(e.actor_id, e.action, e.allowed) for e in audit] == [
        (RESIDENT, "away", False),
        (4001, "away", False),
    ]
    [help_text] = await harness.send(RESIDENT, "/help")
    assert "/away" not in help_text
    [liaison_help] = await harness.send(2001, "/help")
    assert f"/away — {ZH('cmd-away')}" in liaison_help
    [supervisor_help] = await harness.send(1002, "/help")
    assert f"/away — {EN('cmd-away')}" in supervisor_help


async def test_a_supervisor_sees_who_is_away_in_their_subtree_only(harness: Harness) -> None:
    await grant(harness, DEPUTY, "赵副手", "dongguan", Role.DEPUTY)
    await grant(harness, HEXI_LIAISON, "孙联络", "hexi", Role.LIAISON)
    await harness.send(2001, "/away 11-28", name="张联络")
    await harness.send(HEXI_LIAISON, "/away 11-25", name="孙联络")

    [township] = await harness.send(1002, "/away")  # 城关镇: 东关村 is below it, 河西街道 is not
    assert township.splitlines() == [
        EN("away-status-none").splitlines()[0],
        EN("away-status-none").splitlines()[1],
        "",
        EN("away-subtree-title"),
        EN("away-subtree-item", name="张联络", until="2026-11-28"),
        "  " + EN("away-cover-by", unit="东关村", role=EN("role-liaison"), names="赵副手"),
    ]
    assert "孙联络" not in township

    [county] = await harness.send(1001, "/away")
    assert ZH("away-subtree-item", name="孙联络", until="2026-11-25") in county
    assert ZH("away-subtree-item", name="张联络", until="2026-11-28") in county
    # Nearest return first.
    assert county.index("孙联络") < county.index("张联络")
    # Said to the supervisor, not to the away person: arrange cover.
    assert ZH("away-cover-nobody-other", unit="河西街道", role=ZH("role-liaison")) in county

    # One unit by name: who is away there (and below); a unit with nobody away says so.
    [village] = await harness.send(1001, "/away 东关")
    assert village.splitlines()[:2] == [
        ZH("away-unit-title", unit="东关村"),
        ZH("away-subtree-item", name="张联络", until="2026-11-28"),
    ]
    assert await harness.send(1001, "/away 河西") == [
        "\n".join(
            [
                ZH("away-unit-title", unit="河西街道"),
                ZH("away-subtree-item", name="孙联络", until="2026-11-25"),
                "  " + ZH("away-cover-nobody-other", unit="河西街道", role=ZH("role-liaison")),
            ]
        )
    ]
    assert await harness.send(1002, "/away 城关", language="en") == [
        "\n".join(
            [
                EN("away-unit-title", unit="城关镇"),
                EN("away-subtree-item", name="张联络", until="2026-11-28"),
                "  " + EN("away-cover-by", unit="东关村", role=EN("role-liaison"), names="赵副手"),
            ]
        )
    ]
    # A unit outside the township named exactly: refused as such, and audited.
    assert await harness.send(1002, "/away 河西街道", language="en") == [EN("perm-denied")]
    refused = (await harness.repos(lambda r: r.audit.recent()))[0]
    assert (refused.action, refused.target, refused.allowed) == ("away", "hexi", False)
    # Outside the township: found nowhere among its units.
    assert await harness.send(1002, "/away 滨河", language="en") == [
        EN("unit-not-found", query="滨河") + "\n" + EN("unit-type-again")
    ]
    # "off" is still the end of one's own absence, not a unit.
    assert await harness.send(1002, "/away off", language="en") == [EN("away-not-set")]

    # Once the absence is over it is no longer listed.
    harness.clock.set(datetime(2026, 11, 29, 9, 0, tzinfo=ZONE))
    [later] = await harness.send(1001, "/away")
    assert ZH("away-subtree-none") in later


async def test_an_absence_set_in_advance_is_seen_and_can_be_called_off(
    harness: Harness,
) -> None:
    await grant(harness, DEPUTY, "赵副手", "dongguan", Role.DEPUTY)
    await harness.send(2001, "/away 11-25 11-27", name="张联络")
    days = ZH("away-days-range", first="2026-11-25", last="2026-11-27")
    # The supervisor sees it among the absences to come.
    [county] = await harness.send(1001, "/away")
    assert county.splitlines()[-2:] == [
        ZH("away-planned-title"),
        ZH("away-planned-item", name="张联络", days=days),
    ]
    # Called off before it began: said so, and the deputy told it will not happen.
    assert await harness.send(2001, "/away off", name="张联络") == [
        ZH("away-cancelled-planned", days=days)
    ]
    told = await harness.repos(lambda r: r.outbox.due(harness.clock.now(), 10))
    assert (told[-1].chat_id, told[-1].message.text) == (
        DEPUTY,
        ZH("away-cancelled-cover", name="张联络", unit="东关村", days=days),
    )
    assert await harness.send(2001, "/away off") == [ZH("away-not-set")]


async def test_a_liaison_sees_no_subtree(harness: Harness) -> None:
    [reply] = await harness.send(2001, "/away")
    assert reply == ZH("away-status-none")


async def test_away_is_only_a_private_command(harness: Harness) -> None:
    # Answered in the group with the way to the private chat, and nothing set.
    assert await harness.send(2001, "/away 11-30", chat_id=-100999) == [
        ZH("fallback-group-private-only", command="/away")
    ]
    [[button]] = harness.last_keyboard().inline_keyboard
    assert (button.text, button.url) == (ZH("open-private-chat"), "https://t.me/fangkong_test_bot")
    assert await harness.repos(lambda r: r.absences.away_on(date(2026, 11, 20))) == {}
