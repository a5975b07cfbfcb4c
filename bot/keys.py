"""Loading the keys that seal personal fields (composition root): from the key file named in
[privacy], else from the environment variable it names; never from the repository."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from bot.config import Settings
from storage.crypto import KeyRing, KeyRingError, install_keyring, installed_keyring
from storage.crypto import write_key_file as _write
from storage.db import Database
from storage.sealing import CLEAR, key_counts, missing_keys, reseal

logger = logging.getLogger(__name__)


def load_keys(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> tuple[KeyRing, Path | None] | None:
    """The configured ring and the file it came from; None when none is configured."""
    privacy = settings.privacy
    env = os.environ if environ is None else environ
    path = privacy.key_file
    if path is not None:
        if not path.exists() and privacy.create_key_file:
            _write(path, KeyRing.generate())
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError:
            raise KeyRingError(
                f"privacy.key_file: {path} does not exist (create it with "
                "`python -m bot keys init`, or restore it from the backup)"
            ) from None
        except OSError as error:
            raise KeyRingError(f"privacy.key_file: cannot read {path}: {error.strerror}") from None
        return KeyRing.from_json(text, str(path)), path
    value = env.get(privacy.key_env)
    if value:
        return KeyRing.from_json(value, privacy.key_env), None
    return None


def install_keys(settings: Settings) -> KeyRing | None:
    """Install the configured ring for this process; with none configured, leave what is
    installed (an embedding program or test may have installed its own)."""
    loaded = load_keys(settings)
    if loaded is not None:
        install_keyring(*loaded)
        return loaded[0]
    return installed_keyring()


async def seal_legacy_values(database: Database) -> int:
    """Seal values left in clear from before encryption (a database migrated to 0013), once:
    the count by key id is one grouped query per column, so a sealed database costs little."""
    counts = await key_counts(database)
    if not any(found.get(CLEAR) for found in counts.values()):
        return 0
    clear = sum(found.get(CLEAR, 0) for found in counts.values())
    logger.warning("sealing %d personal values stored in clear before encryption", clear)
    report = await reseal(database)
    return report.rows


async def check_database_keys(database: Database) -> None:
    """Stop start-up when data is sealed with a key the ring lacks, or when no key is
    configured at all (nothing personal could be stored, nor read)."""
    ring = installed_keyring()
    counts = await key_counts(database)
    missing = missing_keys(counts, set(ring.keys) if ring is not None else set())
    if missing:
        names = "; ".join(f"{kid} (in {', '.join(where)})" for kid, where in missing.items())
        if ring is None:
            raise KeyRingError(
                f"the database holds encrypted data but no key is configured: missing key "
                f"ids {names}; set [privacy] key_file or the environment variable "
                "BOT_PRIVACY_KEYS (privacy.key_env)"
            )
        raise KeyRingError(f"the configured key ring lacks key ids the database uses: {names}")
    if ring is None:
        raise KeyRingError(
            "no encryption key is configured: set [privacy] key_file or the environment "
            "variable BOT_PRIVACY_KEYS (privacy.key_env); see the README's Privacy section"
        )
