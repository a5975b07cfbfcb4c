"""The organisation's version token never looks like a phone or ID number, which
`python -m bot privacy check` would report as personal data stored in clear."""

from bot.logsafety import ID_NUMBER_PATTERN, MOBILE_PATTERN
from storage.repos.org import version_token


def test_version_tokens_never_read_as_a_phone_or_id_number() -> None:
    # A hex token of 32 characters did about once in 270: 20,000 would show ~75.
    tokens = [version_token() for _ in range(20_000)]
    assert len(set(tokens)) == len(tokens)
    assert all(len(token) <= 32 for token in tokens)  # org_version.token is String(32)
    looking_personal = [
        t for t in tokens if MOBILE_PATTERN.search(t) or ID_NUMBER_PATTERN.search(t)
    ]
    assert looking_personal == []
