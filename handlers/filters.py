"""Filters checked in the event loop.

aiogram runs a filter that is not a coroutine (a magic filter such as
`F.chat.type == "private"`, a dialog's State) in a worker thread, one thread hop per check,
and a router tree checks many of them for every update. These filters only read the update,
so they are run inline instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject


def check_filters_inline(router: Router) -> None:
    """Make every synchronous filter of `router` and the routers below it run inline."""
    for observer in router.observers.values():
        # The router's own filters (`router.message.filter(...)`) sit in a handler of their own.
        for handler in (*observer.handlers, observer._handler):
            for event_filter in handler.filters or ():
                _inline(event_filter)
    for child in router.sub_routers:
        check_filters_inline(child)


def _inline(event_filter: FilterObject) -> None:
    if event_filter.awaitable:
        return
    check: Callable[..., Any] = event_filter.callback

    async def inline(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    # The parameters aiogram passes stay those of the filter itself (read at registration).
    event_filter.callback = inline
    event_filter.awaitable = True
