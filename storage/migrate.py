"""Schema migrations, driven programmatically so no alembic.ini has to be found at run time.

`python -m bot db upgrade` calls `upgrade`; developers create revisions with
`python -m storage.migrate revision -m "what changes"` against a scratch database.

Alembic is imported only when a migration runs: the running bot checks `is_current` (its own
statement) and so never holds Alembic's 11 MB when the database is up to date.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.db import create_engine, create_schema

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().with_name("migrations")
# Revisions are numbered in order (0001, 0002, ...; `revision` below keeps it so), each file
# saying `revision: str = "NNNN"`.
_REVISION = re.compile(r'^revision: str = "(\d+)"$', re.MULTILINE)


def alembic_config(url: str, *, schema: str | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as attributes, not main options: ConfigParser would choke on a '%' in a password.
    config.attributes["url"] = url
    config.attributes["schema"] = schema
    return config


def _refuse_running_loop(name: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(f"{name}() is synchronous; call it with asyncio.to_thread from async code")


def upgrade(url: str, revision: str = "head", *, schema: str | None = None) -> None:
    """Bring the database (and with PostgreSQL, optionally one schema in it) up to `revision`."""
    _refuse_running_loop("upgrade")
    from alembic import command

    if schema is not None:
        asyncio.run(create_schema(url, schema))
    command.upgrade(alembic_config(url, schema=schema), revision)


def downgrade(url: str, revision: str, *, schema: str | None = None) -> None:
    _refuse_running_loop("downgrade")
    from alembic import command

    command.downgrade(alembic_config(url, schema=schema), revision)


def current(url: str, *, schema: str | None = None) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    _refuse_running_loop("current")
    return asyncio.run(_current(url, schema))


async def _current(url: str, schema: str | None) -> str | None:
    engine = create_engine(url, schema=schema, pooled=False)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_revision_of)
    finally:
        await engine.dispose()


def _revision_of(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head() -> str | None:
    """The newest revision shipped with the code."""
    found = [
        match.group(1)
        for path in (MIGRATIONS / "versions").glob("*.py")
        if (match := _REVISION.search(path.read_text("utf-8")))
    ]
    return max(found) if found else None


def is_current(url: str) -> bool:
    """Whether the database is at the newest revision shipped (nothing to migrate)."""
    return current(url) == head()


def revision(url: str, message: str, *, autogenerate: bool = True) -> None:
    """Write a new revision file comparing the models with a database upgraded to head."""
    latest = head()
    # Keeps the numbered file names (0001_foundation.py, 0002_...) in order.
    rev_id = f"{int(latest) + 1:04d}" if latest and latest.isdigit() else None
    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=autogenerate, rev_id=rev_id)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m storage.migrate")
    parser.add_argument("--url", required=True, help="e.g. sqlite+aiosqlite:///scratch.sqlite3")
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("upgrade").add_argument("revision", nargs="?", default="head")
    sub.add_parser("current")
    new = sub.add_parser("revision")
    new.add_argument("-m", "--message", required=True)
    new.add_argument("--empty", action="store_true", help="do not autogenerate")
    args = parser.parse_args(argv)
    if args.action == "upgrade":
        upgrade(args.url, args.revision)
    elif args.action == "current":
        print(current(args.url) or "(empty database)")
    else:
        revision(args.url, args.message, autogenerate=not args.empty)


if __name__ == "__main__":
    main()
