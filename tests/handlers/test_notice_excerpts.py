"""A template notice (no text of its own) is quoted in the ledger and on the status card by
its template's words in the reader's language, `{unit}` a general word."""

from __future__ import annotations

import pytest
from aiogram.methods import SendMessage

from tests.handlers.conftest import EN, Harness
from tests.handlers.test_notice_compose import NOW, TOWNSHIP
from texts.notice_ledger import LedgerAct, NoticeLedger


@pytest.fixture(autouse=True)
def at_nine(harness: Harness) -> None:
    harness.clock.set(NOW)


async def test_a_template_notice_is_quoted_in_the_ledger_and_card(harness: Harness) -> None:
    def press(label: str):  # type: ignore[no-untyped-def]
        return harness.press(TOWNSHIP, harness.button(label), language="en")

    await harness.send(TOWNSHIP, "/notice", language="en")
    await press("Masks and hand hygiene")
    for key in ("ncp-button-no-file", "ncp-scope-all", "ncp-audience-members"):
        await press(EN(key))
    await press(EN("ncp-button-done", count=1))
    await press(EN("ncp-when-now"))
    await press(EN("ncp-ack-no"))
    await press(EN("ncp-button-send"))
    ledger = (await harness.send(TOWNSHIP, "/notices", language="en"))[-1]
    assert "[the unit prevention notice] Wear a" in ledger
    assert "{unit}" not in ledger

    async def authored(repos):  # type: ignore[no-untyped-def]
        return await repos.notices.listing(author_id=TOWNSHIP)

    [notice] = await harness.repos(authored)
    await harness.press(
        TOWNSHIP, NoticeLedger(act=LedgerAct.OPEN, id=notice.id).pack(), language="en"
    )
    card = [r for r in harness.session.of_type(SendMessage) if r.chat_id == TOWNSHIP][-1].text
    assert "Wear a mask" in card
    assert "{unit}" not in card
    assert EN("ntc-excerpt-unit") in card
