"""Webhook delivery: POST each pending update, in order, until the endpoint answers 2xx.

A failed delivery (non-2xx, timeout, refused connection) is retried with the same update and
update_id after a short, growing pause, which is how Telegram redelivers. A 2xx answer may
carry a Bot API call (``{"method": ...}`` as JSON or a form), which is executed like Telegram
does; its outcome is only visible in the API log.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable

import aiohttp

from . import render
from .core import Core
from .errors import ApiError
from .params import Params, read_client_body
from .updates import UpdateQueue, WebhookConfig

logger = logging.getLogger(__name__)

ReplyExecutor = Callable[[int, str, Params], Awaitable[object]]


class WebhookDeliverer:
    def __init__(
        self,
        core: Core,
        execute_reply: ReplyExecutor,
        *,
        first_retry_delay: float = 0.05,
        max_retry_delay: float = 1.0,
        timeout: float = 10.0,
    ) -> None:
        self.core = core
        self.execute_reply = execute_reply
        self.first_retry_delay = first_retry_delay
        self.max_retry_delay = max_retry_delay
        self.timeout = timeout
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._session: aiohttp.ClientSession | None = None

    def ensure(self, bot_id: int) -> None:
        task = self._tasks.get(bot_id)
        if task is None or task.done():
            self._tasks[bot_id] = asyncio.get_running_loop().create_task(
                self._run(self.core.queue(bot_id)), name=f"webhook-{bot_id}"
            )

    async def _run(self, queue: UpdateQueue) -> None:
        delay = self.first_retry_delay
        while queue.webhook is not None and not queue.closed:
            if not queue.pending:
                await queue.changed(30.0)
                continue
            hook = queue.webhook
            update = queue.pending[0]
            error = await self._post(queue.bot_id, hook, update)
            if error is None:
                # drop_pending_updates may have emptied the queue while we were posting.
                if queue.pending and queue.pending[0] is update:
                    queue.pending.pop(0)
                hook.delivered += 1
                delay = self.first_retry_delay
                continue
            hook.failed += 1
            hook.last_error_date = render.unix(self.core.now())
            hook.last_error_message = error
            self.core.events.emit(
                "webhook_error", bot_id=queue.bot_id, update_id=update["update_id"], error=error
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_retry_delay)

    async def _post(
        self, bot_id: int, hook: WebhookConfig, update: dict[str, object]
    ) -> str | None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session.post(
                hook.url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                # Telegram does not follow redirects, and following one could leave the machine.
                allow_redirects=False,
            ) as response:
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
                await self._reply(bot_id, response)
        except TimeoutError:
            return "Read timeout expired"
        except aiohttp.ClientConnectorError:
            return "Connection refused"
        except aiohttp.ClientError as exc:
            return f"Connection error: {exc}"
        return None

    async def _reply(self, bot_id: int, response: aiohttp.ClientResponse) -> None:
        content_type = response.content_type
        try:
            if content_type.startswith("multipart/"):
                reader = aiohttp.MultipartReader(response.headers, response.content)
                params = await read_client_body(content_type, reader)
            else:
                params = await read_client_body(content_type, await response.read())
        except (ApiError, ValueError, aiohttp.ClientError) as exc:
            # Telegram ignores a reply it cannot read; the update still counts as delivered.
            logger.warning("unreadable webhook reply: %s", exc)
            return
        method = params.text("method")
        if method:
            await self.execute_reply(bot_id, method, params)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
