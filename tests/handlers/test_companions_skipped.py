"""A skipped 同行人数 stays "not given": stored as null (not 0), and the case card and the
update's pre-filled summary say 未填, as the first summary did."""

from __future__ import annotations

from tests.handlers.conftest import ZH, Harness
from tests.handlers.test_case_card import card
from tests.handlers.test_declaration_update import _declare_once, _jianghan_mid_risk
from tests.handlers.test_declarations import (  # noqa: F401  (setup: the autouse fixture)
    RESIDENT,
    click,
    setup,
)
from texts.declaration_update import ActiveAction, DeclActive

LIAISON = 2001  # of dongguan


def _line(value: str) -> str:
    return ZH("declare-summary-line", field=ZH("declare-f-companions"), value=value)


async def test_skipped_companions_are_not_given_on_the_card_and_in_the_update(
    harness: Harness,
) -> None:
    await _jianghan_mid_risk(harness)
    await _declare_once(harness)  # walk_to_summary skips the companions

    async def stored(repos):  # type: ignore[no-untyped-def]
        found = await repos.declarations.get(1)
        return found.declaration.companions

    assert await harness.repos(stored) is None
    text = await card(harness, 1, LIAISON)
    assert _line(ZH("declare-skipped")) in text
    assert _line("0") not in text

    await harness.declare(RESIDENT)
    replies = await harness.press(RESIDENT, DeclActive(action=ActiveAction.UPDATE, id=1).pack())
    assert _line(ZH("declare-skipped")) in replies[-1]
    assert _line("0") not in replies[-1]
    # Confirmed unchanged, the new version keeps it not given (not 0).
    await click(harness, RESIDENT, "confirm")
    await click(harness, RESIDENT, "agree")

    async def second(repos):  # type: ignore[no-untyped-def]
        found = await repos.declarations.get(2)
        return found.declaration.companions

    assert await harness.repos(second) is None
