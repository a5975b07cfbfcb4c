"""The suite's check for personal data in logs (tests/logcheck.py) catches what it must."""

from __future__ import annotations

import logging

from tests.logcheck import PersonalDataCatcher, offending_lines, personal_numbers


def test_phone_and_id_numbers_are_caught_in_messages_and_tracebacks() -> None:
    # A logger of its own, kept from the root: the suite's own catcher must not see these.
    logger = logging.getLogger("tests.logcheck.example")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    catcher = PersonalDataCatcher()
    logger.addHandler(catcher)
    try:
        logger.info("declaration 7 filed by %s", 3004)  # a Telegram id: fine
        logger.info("chat %s", -1001000000004)
        logger.info("calling %s", "13900008000")
        try:
            raise ValueError("bad id 11010119900307447X")
        except ValueError:
            logger.exception("failed")
        logger.debug("debug is below the production level: %s", "13900008001")
    finally:
        logger.removeHandler(catcher)
    assert len(catcher.found) == 2
    assert "13900008000" in catcher.found[0]
    assert "11010119900307447X" in catcher.found[1]


def test_log_files_are_read_line_by_line() -> None:
    text = "ok 3004\n2026-12-06 INFO bot: sending to +86 139 0000 8000\nok -1001000000004\n"
    assert offending_lines(text) == ["2026-12-06 INFO bot: sending to +86 139 0000 8000"]
    assert personal_numbers("110101199003074478 and 15 digits 110101900307447") == [
        "110101199003074478",
        "110101900307447",
    ]
