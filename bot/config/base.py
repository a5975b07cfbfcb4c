"""What every configuration section shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO 1..7


class ConfigError(ValueError):
    """Start-up must stop; the message names every key at fault."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
