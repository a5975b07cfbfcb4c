"""Change notification: wake a waiting loop once the transaction that changed its table commits.

A repository notes a topic on the session ("outbox", "obligations"); `Database` sets the
topic's asyncio.Event after that session commits. Waking before the commit would be wasted:
the loop would look, find nothing yet, and sleep again. Rolled-back changes wake nobody.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

_KEY = "changed_topics"


def note_change(session: AsyncSession, topic: str) -> None:
    session.info.setdefault(_KEY, set()).add(topic)


def take_changes(info: dict[object, object]) -> set[str]:
    topics = info.pop(_KEY, None)
    return topics if isinstance(topics, set) else set()
