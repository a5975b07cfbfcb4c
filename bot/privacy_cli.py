"""`python -m bot keys init|status|rotate|seal` and `python -m bot privacy check`: kept apart
from bot/cli.py, which only registers them and hands over."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from bot.config import Settings
from bot.keys import install_keys, load_keys
from bot.logsafety import ID_NUMBER_PATTERN, MOBILE_PATTERN
from storage.crypto import KeyRing, KeyRingError, install_keyring, write_key_file
from storage.db import Database
from storage.migrate import upgrade
from storage.sealing import CLEAR, key_counts, reseal, scan_clear

COMMANDS = ("keys", "privacy")


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    add: Callable[[argparse.ArgumentParser], None],
) -> None:
    keys = commands.add_parser("keys", help="the keys that encrypt personal data at rest")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    add(actions.add_parser("init", help="create the key file named by privacy.key_file"))
    add(actions.add_parser("status", help="count the stored values sealed by each key id"))
    add(
        actions.add_parser(
            "rotate",
            help="add a new current key to the key file and re-encrypt everything under it",
        )
    )
    add(
        actions.add_parser(
            "seal", help="encrypt clear values left from before encryption (no new key)"
        )
    )
    privacy = commands.add_parser("privacy", help="checks on personal data")
    checks = privacy.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    add(
        checks.add_parser(
            "check", help="scan every table for phone or ID numbers in clear; non-zero if any"
        )
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.command == "privacy":
            return asyncio.run(privacy_check(settings))
        if args.keys_command == "init":
            return init_keys(settings)
        return asyncio.run(_keys(settings, args.keys_command))
    except KeyRingError as error:
        print(f"key error: {error}", file=sys.stderr)
        return 2


def init_keys(settings: Settings) -> int:
    path = settings.privacy.key_file
    if path is None:
        print("privacy.key_file is not set", file=sys.stderr)
        return 2
    if path.exists():
        print(f"{path} exists already; `keys rotate` adds a key to it", file=sys.stderr)
        return 2
    write_key_file(path, KeyRing.generate())
    print(f"{path}: new key ring; keep a backup: without it the data cannot be read")
    return 0


async def _open(settings: Settings) -> Database:
    if settings.database.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database.url)
    return Database.connect(settings.database.url)


async def _keys(settings: Settings, action: str) -> int:
    ring = install_keys(settings)
    if ring is None:
        raise KeyRingError("no key is configured: set privacy.key_file (or privacy.key_env)")
    database = await _open(settings)
    try:
        if action == "rotate":
            loaded = load_keys(settings)
            path = loaded[1] if loaded else None
            if path is None:
                raise KeyRingError(
                    "rotation writes the new key to privacy.key_file; keys from the "
                    "environment are rotated by whoever sets that variable"
                )
            ring = ring.with_new_key()
            # The file first: a running bot reads it again and can open what is re-sealed.
            write_key_file(path, ring)
            install_keyring(ring, path)
            print(f"new current key {ring.current}")
        if action in ("rotate", "seal"):
            report = await reseal(database, progress=_progress)
            print(f"re-sealed {report.rows} rows under key {ring.current}", end="")
            print(f"; {report.left} changed meanwhile: run again" if report.left else "")
        counts = await key_counts(database)
    finally:
        await database.dispose()
    total: dict[str, int] = {}
    for found in counts.values():
        for kid, count in found.items():
            total[kid] = total.get(kid, 0) + count
    for kid, count in sorted(total.items()):
        mark = " (current)" if kid == ring.current else ""
        print(f"  {kid}{mark}: {count} values")
    return 1 if total.get(CLEAR) and action != "status" else 0


def _progress(table: str, rows: int) -> None:
    print(f"  {table}: {rows} rows", file=sys.stderr)


async def privacy_check(settings: Settings) -> int:
    """Names table and column of every hit, never the value (this output may be pasted)."""
    install_keys(settings)
    database = await _open(settings)
    try:
        found = await scan_clear(database, (MOBILE_PATTERN, ID_NUMBER_PATTERN))
    finally:
        await database.dispose()
    for table, column, rows in found:
        print(f"{table}.{column}: {rows} rows hold a phone or ID number in clear text")
    if found:
        return 1
    print("privacy check passed: no phone or ID number in clear text in any table")
    return 0
