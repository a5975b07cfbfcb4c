"""Error types: Bot API errors (answered to the bot) and control errors (misuse by a test)."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure, rendered as Telegram's ``{"ok": false, ...}`` body."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str, parameters: dict[str, Any] | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {message}", parameters)


def forbidden(message: str) -> ApiError:
    return ApiError(403, f"Forbidden: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


class ControlError(Exception):
    """Raised when the control side is asked for something impossible (unknown user, ...).

    `code` names the reason for what a person can run into on the sandbox page (a message too
    long, a button gone), so that the page can say it in its own language; mistakes of a test
    or a client have none."""

    def __init__(self, message: str, status: int = 400, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class NotFoundError(ControlError):
    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message, status=404, code=code)
