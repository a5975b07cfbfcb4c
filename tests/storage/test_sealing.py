"""Personal fields sealed at rest: envelopes name their key, rotation keeps everything
readable, a missing key is a clear error, and the blind index finds a declaration by phone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Text, cast, select, text

from bot.keys import check_database_keys
from bot.logsafety import ID_NUMBER_PATTERN, MOBILE_PATTERN
from domain.declaration_json import declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin
from storage import Database, Repositories
from storage.crypto import KeyRing, KeyRingError, install_keyring, key_id_of, keyring
from storage.models import CheckinRow, FsmStateRow, PersonRow, TestRecordRow
from storage.sealing import CLEAR, key_counts, reseal, scan_clear, sealed_columns
from tests.declaration_rows import monitoring_row

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = "13912345678"
ID_NUMBER = "11010519491231002X"
ANSWERS = declaration_to_dict(
    Declaration(
        status=DeclarationStatus.RETURNED,
        origin=DomesticOrigin(("420000", "420100", "420111")),
        temperature=38.6,
        attested=True,
        name="张三",
        phone=PHONE,
        id_number=ID_NUMBER,
    )
)


async def _fill(database: Database) -> int:
    async with database.transaction() as session:
        session.add(PersonRow(telegram_id=5, name="张三", language="zh_CN", phone=PHONE,
                              created_at=AT, updated_at=AT))  # fmt: skip
        row = monitoring_row(unit_code="U1", resident=5, filed_by=5, at=AT,
                             start=date(2026, 3, 2), answers=ANSWERS)  # fmt: skip
        session.add(row)
        await session.flush()
        session.add(CheckinRow(declaration_id=row.id, day=date(2026, 3, 2), temperature=37.8,
                               symptoms=["cough"], recorded_at=AT, recorded_by=5))  # fmt: skip
        session.add(TestRecordRow(declaration_id=row.id, day=date(2026, 3, 2),
                                  result="positive", recorded_at=AT, recorded_by=5))  # fmt: skip
        session.add(FsmStateRow(key="fsm:1", state="s", data={"phone": PHONE}, updated_at=AT))
        return int(row.id)


async def _raw(database: Database) -> list[str]:
    found = []
    async with database.session() as session:
        for _table, columns in sealed_columns():
            for column in columns:
                rows = await session.scalars(select(cast(column, Text)).where(column.isnot(None)))
                found += [str(value) for value in rows]
    return found


async def _readable(database: Database, declaration_id: int) -> None:
    async with database.session() as session:
        person = await session.get(PersonRow, 5)
        assert person is not None
        assert person.phone == PHONE
        checkin = await session.scalar(select(CheckinRow))
        assert checkin is not None
        assert (checkin.temperature, checkin.symptoms) == (37.8, ["cough"])
        assert await session.scalar(select(TestRecordRow.result)) == "positive"
        stored = await Repositories(session).declarations.get(declaration_id)
        assert stored is not None
        assert stored.declaration.phone == PHONE


def _kid(raw: str) -> str | None:
    return key_id_of(raw.removeprefix('"'))


async def test_values_are_sealed_and_name_their_key(
    database: Database, test_keyring: KeyRing
) -> None:
    declaration_id = await _fill(database)
    raw = await _raw(database)
    assert raw
    assert {_kid(value) for value in raw} == {test_keyring.current}
    joined = "\n".join(raw)
    assert PHONE not in joined
    assert ID_NUMBER not in joined
    assert "37.8" not in joined
    assert "38.6" not in joined
    assert await scan_clear(database, (MOBILE_PATTERN, ID_NUMBER_PATTERN)) == []
    await _readable(database, declaration_id)


async def test_rotation_keeps_every_record_readable(
    database: Database, test_keyring: KeyRing
) -> None:
    declaration_id = await _fill(database)
    rotated = test_keyring.with_new_key()
    install_keyring(rotated)
    report = await reseal(database, batch=2)
    assert (report.rows, report.left) == (5, 0)  # one row in each table
    assert {_kid(value) for value in await _raw(database)} == {rotated.current}
    await _readable(database, declaration_id)
    # The old key is kept for reading; with only the new one, everything still opens.
    install_keyring(KeyRing({rotated.current: rotated.keys[rotated.current]},
                            rotated.current, rotated.index_secret))  # fmt: skip
    await _readable(database, declaration_id)
    await check_database_keys(database)


async def test_a_missing_key_is_a_clear_error(database: Database, test_keyring: KeyRing) -> None:
    await _fill(database)
    other = KeyRing.generate()
    install_keyring(other)
    with pytest.raises(KeyRingError, match=re.escape(test_keyring.current)):
        await check_database_keys(database)
    with pytest.raises(KeyRingError, match=test_keyring.current):
        async with database.session() as session:
            await session.get(PersonRow, 5)
    install_keyring(None)
    with pytest.raises(KeyRingError, match="no key is configured"):
        await check_database_keys(database)
    with pytest.raises(KeyRingError, match="no encryption key is configured"):
        keyring()


async def test_clear_legacy_values_are_read_then_sealed(
    database: Database, test_keyring: KeyRing
) -> None:
    declaration_id = await _fill(database)
    async with database.transaction() as session:  # as a database from before 0013 holds it
        await session.execute(text(f"UPDATE people SET phone = '{PHONE}'"))
        await session.execute(text("UPDATE checkins SET temperature = '37.8'"))
        await session.execute(text("UPDATE declarations SET phone_index = NULL"))
    assert (await key_counts(database))["people.phone"][CLEAR] == 1
    assert await scan_clear(database, (MOBILE_PATTERN,)) == [("people", "phone", 1)]
    await _readable(database, declaration_id)
    await reseal(database)
    assert CLEAR not in (await key_counts(database))["people.phone"]
    await _readable(database, declaration_id)
    async with database.session() as session:
        assert await Repositories(session).declarations.ids_with_phone(PHONE) == [declaration_id]


async def test_the_blind_index_finds_a_declaration_by_phone(database: Database) -> None:
    declaration_id = await _fill(database)
    async with database.transaction() as session:
        repos = Repositories(session)
        stored = await repos.declarations.get(declaration_id)
        assert stored is not None
        await repos.declarations.relocate(declaration_id, stored.declaration, ())
    async with database.session() as session:
        declarations = Repositories(session).declarations
        assert await declarations.ids_with_phone("+86 139 1234 5678") == [declaration_id]
        assert await declarations.ids_with_phone("13900000000") == []
        index = await session.scalar(text("SELECT phone_index FROM declarations"))
        assert index is not None
        assert PHONE not in index


def test_a_wrong_key_under_the_same_id_does_not_open() -> None:
    ring = KeyRing.generate()
    envelope = ring.seal(PHONE.encode())
    assert envelope.startswith(f"v1:{ring.current}:")
    assert PHONE not in envelope
    assert ring.open(envelope) == PHONE.encode()
    impostor = KeyRing({ring.current: bytes(32)}, ring.current, ring.index_secret)
    with pytest.raises(KeyRingError, match="does not decrypt"):
        impostor.open(envelope)
    tampered = envelope[:-4] + ("AAAA" if not envelope.endswith("AAAA") else "BBBB")
    with pytest.raises(KeyRingError, match="does not decrypt"):
        ring.open(tampered)
