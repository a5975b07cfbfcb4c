"""The [privacy] section: where the keys that seal personal fields at rest come from."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator

from bot.config.base import Section

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PrivacySettings(Section):
    # A JSON key ring (see README "Privacy"), relative to the working directory. Never in the
    # repository: the file is made readable by its owner only.
    key_file: Path | None = Field(None, description="key ring file")
    # The environment variable holding the same JSON, for deployments that inject secrets;
    # the file wins when both are set, since `keys rotate` can only write a file.
    key_env: str = "BOT_PRIVACY_KEYS"
    # Make `key_file` on first start when it does not exist (the demo does; production should
    # create it on purpose and back it up, as a lost key loses the data).
    create_key_file: bool = False
    # Personal fields of a declaration, its check-ins and test records are erased this many
    # days after its measure ended (services/retention.py, the purge_personal_data job);
    # counts and statistics stay. An admin's /hold keeps a case under review from it.
    retention_days: int = Field(30, ge=1, le=3650)

    @field_validator("key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError("must be an environment variable name")
        return value
