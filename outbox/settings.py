"""The [outbox] section: the sender's limits and retries. The configuration reads it; the
sender takes it as it is."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class OutboxSettings(BaseModel):
    """The sender of messages the bot sends on its own initiative (reminders, alerts...)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    # Telegram's limits: about 30 messages/s overall, 1/s per private chat, 20/min per group.
    global_per_s: float = Field(30.0, gt=0)
    private_per_s: float = Field(1.0, gt=0)
    group_per_min: float = Field(20.0, gt=0)
    # Pace this fraction below the limits, so network jitter cannot push a burst over them.
    headroom: float = Field(0.03, ge=0, lt=0.5)
    max_in_flight: int = Field(32, ge=1, le=1000)
    batch_size: int = Field(100, ge=1, le=10000)
    retry_base_s: float = Field(2.0, gt=0)
    retry_max_s: float = Field(600.0, gt=0)
    max_attempts: int = Field(8, ge=1, le=100)
    # Longest sleep when idle: rows enqueued by another process without a wake-up are seen
    # within this time.
    idle_poll_s: float = Field(5.0, gt=0, le=3600)

    @field_validator("retry_max_s")
    @classmethod
    def _max_not_below_base(cls, value: float, info: ValidationInfo) -> float:
        base = info.data.get("retry_base_s")
        if base is not None and value < base:
            raise ValueError("must not be smaller than retry_base_s")
        return value
