"""Filing a declaration straight through the service, as the dialog's last step does: for
handler tests about what follows (cases, cards, updates), not the dialog itself."""

from __future__ import annotations

from bot.wiring import followup_config
from domain.declarations import Declaration
from services.declarations import DeclarationService
from storage import Repositories
from tests.handlers.conftest import Harness


async def file(
    harness: Harness,
    declaration: Declaration,
    *,
    resident: int,
    unit_code: str = "dongguan",
    replaces: int | None = None,
) -> int:
    """The resident files `declaration` (updating `replaces`) at the harness's time; its id."""
    service = DeclarationService(followup_config(harness.settings))

    async def act(repos: Repositories) -> int:
        result = await service.submit(
            repos,
            declaration,
            unit_code=unit_code,
            filed_by=resident,
            resident_id=resident,
            now=harness.clock.now(),
            replaces=replaces,
        )
        return result.declaration_id

    return int(await harness.repos(act))
