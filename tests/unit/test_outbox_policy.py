"""The outbox's failure policy: what happens after each kind of failed send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.outbox import (
    UNAUTHORIZED_PAUSE,
    Failure,
    FailureKind,
    GiveUp,
    MarkUnreachable,
    MoveChat,
    Priority,
    Retry,
    RetryPolicy,
    decide,
    decide_edit,
    is_private_chat,
)

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
POLICY = RetryPolicy(
    base_delay=timedelta(seconds=2), max_delay=timedelta(seconds=60), max_attempts=5
)


def test_priorities_put_alerts_first() -> None:
    assert sorted([Priority.NOTICE, Priority.ALERT, Priority.REMINDER]) == [
        Priority.ALERT,
        Priority.REMINDER,
        Priority.NOTICE,
    ]


def test_flood_control_waits_as_told_and_never_counts() -> None:
    for attempts in (1, 5, 100):
        decision = decide(Failure(FailureKind.RETRY_AFTER, retry_after=7), attempts, NOW, POLICY)
        assert decision == Retry(NOW + timedelta(seconds=7), "retry_after", counts=False)


@pytest.mark.parametrize("kind", [FailureKind.SERVER_ERROR, FailureKind.NETWORK_ERROR])
def test_transient_errors_back_off_exponentially_up_to_a_cap_then_give_up(
    kind: FailureKind,
) -> None:
    failure = Failure(kind, "Bad Gateway")
    delays = []
    for attempts in range(1, 5):
        decision = decide(failure, attempts, NOW, POLICY)
        assert isinstance(decision, Retry)
        assert decision.counts
        assert decision.reason == f"{kind.value}: Bad Gateway"
        delays.append((decision.at - NOW).total_seconds())
    assert delays == [2, 4, 8, 16]
    assert POLICY.backoff(10) == timedelta(seconds=60)
    assert POLICY.backoff(10_000) == timedelta(seconds=60)
    final = decide(failure, 5, NOW, POLICY)
    assert isinstance(final, GiveUp)
    assert "after 5 attempts" in final.reason


def test_a_revoked_token_waits_for_the_operator_without_using_up_attempts() -> None:
    for attempts in (1, 100):
        decision = decide(Failure(FailureKind.UNAUTHORIZED, "Unauthorized"), attempts, NOW, POLICY)
        assert decision == Retry(NOW + UNAUTHORIZED_PAUSE, "unauthorized: Unauthorized", False)


def test_forbidden_marks_unreachable_at_once() -> None:
    decision = decide(Failure(FailureKind.FORBIDDEN, "bot was blocked by the user"), 1, NOW, POLICY)
    assert decision == MarkUnreachable("forbidden: bot was blocked by the user")


def test_bad_request_is_never_retried() -> None:
    decision = decide(Failure(FailureKind.BAD_REQUEST, "can't parse entities"), 1, NOW, POLICY)
    assert decision == GiveUp("bad_request: can't parse entities")


def test_migration_moves_the_message_to_the_new_chat() -> None:
    assert decide(Failure(FailureKind.MIGRATED, new_chat_id=-100777), 1, NOW, POLICY) == MoveChat(
        -100777
    )
    assert isinstance(decide(Failure(FailureKind.MIGRATED), 1, NOW, POLICY), GiveUp)


def test_a_keyboard_edit_retries_what_is_transient_and_gives_up_the_rest_quietly() -> None:
    flood = Failure(FailureKind.RETRY_AFTER, retry_after=3)
    assert decide_edit(flood, 1, NOW, POLICY) == decide(flood, 1, NOW, POLICY)
    server = Failure(FailureKind.SERVER_ERROR, "Bad Gateway")
    assert isinstance(decide_edit(server, 1, NOW, POLICY), Retry)
    assert decide_edit(server, 5, NOW, POLICY) == GiveUp(
        "server_error: Bad Gateway (gave up after 5 attempts)", quiet=True
    )
    blocked = Failure(FailureKind.FORBIDDEN, "bot was blocked by the user")
    assert decide_edit(blocked, 1, NOW, POLICY) == GiveUp(
        "forbidden: bot was blocked by the user", quiet=True
    )
    gone = Failure(FailureKind.BAD_REQUEST, "message to edit not found")
    assert decide_edit(gone, 1, NOW, POLICY) == GiveUp(
        "bad_request: message to edit not found", quiet=True
    )
    moved = Failure(FailureKind.MIGRATED, "migrated", new_chat_id=-100)
    assert decide_edit(moved, 1, NOW, POLICY) == GiveUp("migrated: migrated", quiet=True)


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="base_delay"):
        RetryPolicy(base_delay=timedelta(seconds=10), max_delay=timedelta(seconds=1))
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


def test_chat_kind_follows_the_sign_of_the_id() -> None:
    assert is_private_chat(42)
    assert not is_private_chat(-100123)
