"""Loading an organisation file into storage."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain.org import GroupPurpose
from domain.orgfile import parse_org_file
from services.onboarding import new_token
from storage import ApplyResult, Repositories


async def load_org_file(repos: Repositories, text: str, *, now: datetime) -> ApplyResult:
    """Validate the whole file against the stored tree, then upsert it in the caller's
    transaction. Raises OrgFileError, with nothing written, when any line is at fault."""
    plan = parse_org_file(text, await repos.org.load_tree())
    groups = []
    for group in plan.groups:
        # Residents groups need a join link; an existing one is kept so posted buttons stay valid.
        if group.purpose is GroupPurpose.RESIDENTS:
            stored = await repos.groups.get(group.chat_id)
            token = stored.join_token if stored and stored.join_token else new_token()
            group = replace(group, join_token=token)
        groups.append(group)
    plan.groups = groups
    return await repos.org.apply_plan(plan, now=now)
