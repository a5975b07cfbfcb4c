"""One living declaration for residents declared by proxy too: the staff member who filed for
a resident (who does not use the messenger) finds that declaration again under /declare_for
and updates it or re-confirms it ("nothing changed"), rather than filing a second one.

A proxy declaration has no resident account; it is the filer's to keep: only they are
offered it, in the units where they may still file for others (submitting checks again).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from domain.audit_targets import TargetKind, target
from services.declarations.model import FollowupConfig
from services.declarations.update import RECONFIRM, ActiveDeclaration, as_active
from storage import Repositories
from storage.repos.declarations import StoredDeclaration

# Offered at once under /declare_for (one button each); older ones are found by updating.
SHOWN = 20


def _live(
    config: FollowupConfig, stored: StoredDeclaration, now: datetime
) -> ActiveDeclaration | None:
    today = now.astimezone(config.zone).date()
    found = as_active(config, stored, today)
    # A measure staff ended early is history, as for a resident's own declaration.
    return None if found is None or found.stored.release is not None else found


async def actives(
    repos: Repositories,
    config: FollowupConfig,
    filed_by: int,
    units: Collection[str],
    now: datetime,
) -> list[ActiveDeclaration]:
    """The active declarations `filed_by` filed for others in `units`, newest first."""
    found = []
    for stored in await repos.declarations.proxy_current_of(filed_by, units, limit=SHOWN * 3):
        live = _live(config, stored, now)
        if live is not None:
            found.append(live)
    return found[:SHOWN]


async def active(
    repos: Repositories,
    config: FollowupConfig,
    filed_by: int,
    declaration_id: int,
    units: Collection[str],
    now: datetime,
) -> ActiveDeclaration | None:
    """The declaration if it is an active one `filed_by` filed for someone in `units`."""
    stored = await repos.declarations.get(declaration_id)
    if (
        stored is None
        or not stored.proxy
        or stored.filed_by != filed_by
        or stored.unit_code not in units
    ):
        return None
    return _live(config, stored, now)


async def reconfirm(
    repos: Repositories,
    config: FollowupConfig,
    filed_by: int,
    declaration_id: int,
    units: Collection[str],
    now: datetime,
) -> StoredDeclaration | None:
    """Record "nothing changed" for a proxy declaration, audited like a resident's own;
    None (recorded as refused) when it is not an active one of the filer's."""
    found = await active(repos, config, filed_by, declaration_id, units, now)
    await repos.audit.record(
        at=now,
        actor_id=filed_by,
        action=RECONFIRM,
        target=target(TargetKind.DECLARATION, declaration_id),
        allowed=found is not None,
        detail="nothing changed (proxy)" if found is not None else "not an active proxy one",
    )
    return found.stored if found is not None else None
