"""One living declaration for proxy declarations too: /declare_for by the filer of an active
one lists it; it opens with "update" (a pre-filled new version superseding it, its follow-up
merged) or "nothing changed" (audited); other staff cannot touch it."""

from __future__ import annotations

from sqlalchemy import select

from bot.wiring import followup_config
from services.declarations import DeclarationRefused, DeclarationService
from storage import Repositories
from storage.models import AuditLogRow, DeclarationRow
from tests.handlers.conftest import ZH, Harness
from tests.handlers.test_declarations import (  # noqa: F401  (setup: the autouse fixture)
    LIAISON,
    click,
    current,
    setup,
    walk_to_summary,
)
from texts.proxy_declarations import DeclProxy, DeclProxyNew, ProxyAction

OTHER_STAFF = 1002  # the township supervisor: may file for dongguan too, did not file this


async def _rows(harness: Harness, model: type) -> list:  # type: ignore[type-arg]
    async def read(repos: Repositories) -> list:  # type: ignore[type-arg]
        return list(await repos.people._session.scalars(select(model).order_by(model.id)))

    return list(await harness.repos(read))


async def _declare_for(harness: Harness) -> None:
    await harness.declare(LIAISON, "/declare_for")
    await walk_to_summary(harness, LIAISON)
    await click(harness, LIAISON, "confirm")
    await click(harness, LIAISON, "agree")


def _buttons(harness: Harness) -> list[tuple[str, str]]:
    return [
        (b.text, b.callback_data or "")
        for row in harness.last_keyboard().inline_keyboard
        for b in row
    ]


async def test_declare_for_again_offers_the_filers_active_declarations(harness: Harness) -> None:
    await _declare_for(harness)
    [first] = await _rows(harness, DeclarationRow)
    replies = await harness.declare(LIAISON, "/declare_for")
    assert replies == [ZH("declare-for-actives")]
    assert _buttons(harness) == [
        (
            ZH("declare-for-active-button", name="刘小明", phone="138****8000"),
            DeclProxy(action=ProxyAction.OPEN, id=first.id).pack(),
        ),
        (ZH("declare-for-new"), DeclProxyNew().pack()),
    ]
    [card] = await harness.press(LIAISON, DeclProxy(action=ProxyAction.OPEN, id=first.id).pack())
    assert "刘小明" in card
    assert ZH("declare-active-ask") in card
    assert [text for text, _ in _buttons(harness)] == [
        ZH("declare-active-update"),
        ZH("declare-active-same"),
    ]
    # "Someone else": a new proxy dialog.
    await harness.declare(LIAISON, "/declare_for")
    [notice] = await harness.press(LIAISON, DeclProxyNew().pack())
    assert ZH("notice-ask-proxy") in notice  # asked again: another person
    replies = await harness.accept_notice(LIAISON)
    assert replies is not None
    assert replies[0] == ZH("declare-intro-proxy", unit="东关村")
    assert ZH("declare-q-name") in replies


async def test_nothing_changed_for_a_proxy_declaration_is_recorded(harness: Harness) -> None:
    await _declare_for(harness)
    [first] = await _rows(harness, DeclarationRow)
    same = DeclProxy(action=ProxyAction.SAME, id=first.id).pack()
    assert await harness.press(LIAISON, same) == [ZH("declare-for-reconfirmed", name="刘小明")]
    # Someone who did not file it may not confirm (or open, or update) it.
    for action in ProxyAction:
        data = DeclProxy(action=action, id=first.id).pack()
        assert await harness.press(OTHER_STAFF, data) == []
    audit = [r for r in await _rows(harness, AuditLogRow) if r.action == "declaration.reconfirm"]
    assert [(a.actor_id, a.target, a.allowed) for a in audit] == [
        (LIAISON, f"declaration {first.id}", True),
        (OTHER_STAFF, f"declaration {first.id}", False),
    ]
    assert len(await _rows(harness, DeclarationRow)) == 1


async def test_a_proxy_update_supersedes_the_first_version(harness: Harness) -> None:
    await _declare_for(harness)
    [first] = await _rows(harness, DeclarationRow)
    update = DeclProxy(action=ProxyAction.UPDATE, id=first.id).pack()
    replies = await harness.press(LIAISON, update)
    assert replies[0].startswith(ZH("declare-intro-update", unit="东关村")[:6])
    assert current(harness).step == "summary"  # every answer back, the address too
    await click(harness, LIAISON, "confirm")
    result = (await click(harness, LIAISON, "agree"))[-1]
    assert result.startswith(ZH("followup-result-title", id=first.id + 1))
    first, second = await _rows(harness, DeclarationRow)
    assert (first.superseded_by, second.version, second.proxy) == (second.id, 2, True)
    assert (second.filed_by, second.resident_id) == (LIAISON, None)
    # The list now offers the new version, once.
    await harness.declare(LIAISON, "/declare_for")
    opened = DeclProxy(action=ProxyAction.OPEN, id=second.id).pack()
    assert [data for _, data in _buttons(harness)] == [opened, DeclProxyNew().pack()]
    # The old version's buttons are stale now.
    assert await harness.press(LIAISON, update) == []


async def test_only_the_filer_may_submit_an_update_of_a_proxy_declaration(
    harness: Harness,
) -> None:
    await _declare_for(harness)
    [first] = await _rows(harness, DeclarationRow)
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> str:
        stored = await repos.declarations.get(first.id)
        assert stored is not None
        try:
            await service.submit(
                repos,
                stored.declaration,
                unit_code="dongguan",
                filed_by=OTHER_STAFF,
                resident_id=None,
                now=harness.clock.now(),
                replaces=first.id,
            )
        except DeclarationRefused as refused:
            return refused.key
        return "submitted"

    assert await harness.repos(act) == "followup-update-stale"
    [row] = await _rows(harness, DeclarationRow)
    assert row.superseded_by is None
