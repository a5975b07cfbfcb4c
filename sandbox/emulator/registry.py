"""The table of Bot API methods: lower-cased name -> handler.

Handlers take ``(core, bot, params)`` and return the ``result`` value or raise
:class:`~.errors.ApiError`. They are synchronous except where waiting is the point (getUpdates):
between a rate-limit check and its recording nothing else can then run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .core import Core
from .params import Params
from .state import BotRec

Handler = Callable[[Core, BotRec, Params], Any]

METHODS: dict[str, Handler] = {}


def method(*names: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for name in names:
            METHODS[name.lower()] = handler
        return handler

    return register
