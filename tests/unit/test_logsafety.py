"""No token, secret, phone or ID number in any log line, whatever logs it."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from aiohttp import ClientResponseError, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from bot.logsafety import ID_MARK, MOBILE_MARK, SECRET_MARK, TOKEN_MARK, protect_logs, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    """The root logger writing to a buffer through a handler with the filter on it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        protect_logs(["webhook-secret-value"])
        yield buffer
    finally:
        root.removeHandler(handler)


def download_error() -> ClientResponseError:
    url = URL(f"https://api.telegram.org/file/bot{TOKEN}/documents/file_1.csv")
    info = RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)
    return ClientResponseError(info, (), status=404, message="Not Found")


def test_a_logged_exception_with_the_download_url_loses_the_token(log: io.StringIO) -> None:
    try:
        raise download_error()
    except ClientResponseError:
        logging.getLogger("handlers.risk").warning("download failed", exc_info=True)
    written = log.getvalue()
    assert "Not Found" in written
    assert TOKEN not in written
    assert f"bot{TOKEN_MARK}/documents" in written


def test_arguments_messages_and_secrets_are_redacted(log: io.StringIO) -> None:
    logging.getLogger("x").error(
        "update from %s: %s", "13912345678", "身份证 11010519491231002X secret webhook-secret-value"
    )
    written = log.getvalue()
    assert MOBILE_MARK in written
    assert ID_MARK in written
    assert SECRET_MARK in written
    assert "13912345678" not in written
    assert "webhook-secret-value" not in written


def test_a_call_whose_arguments_do_not_fit_does_not_raise_in_the_caller(log: io.StringIO) -> None:
    logging.getLogger("x").error("two %s %s", "13912345678")
    assert "13912345678" not in log.getvalue()
    assert MOBILE_MARK in log.getvalue()


def test_first_generation_id_numbers_go_too() -> None:
    assert redact("证件 110105491231002 已核") == f"证件 {ID_MARK} 已核"


def test_ids_and_times_that_only_look_long_are_left_alone() -> None:
    line = "chat -1001000000003 user 5001 at 20261204180712 outbox 13"
    assert redact(line) == line
    assert redact("+86 139 1234 5678") == MOBILE_MARK
