"""Identity documents (domain/id_documents.py): each type's numbers, how they are stored, and
the refusals the dialog shows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import id_documents
from domain.answers import Parsed
from domain.id_documents import IdType, is_stored_number, parse_number
from domain.org import Language
from tests.unit.test_answers import with_check_digit
from texts.i18n import catalog

TODAY = date(2026, 11, 25)
PR_INVALID = id_documents.PERMANENT_RESIDENCE_INVALID
# A 2023 permanent residence card number: "9", 16 digits, the resident ID's check digit.
PR_2023 = with_check_digit("93011560019900101")


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        (IdType.RESIDENT_ID, "11010519491231002x", "11010519491231002X"),
        (IdType.PASSPORT, "e1234 5678", "E12345678"),
        (IdType.PASSPORT, "５３４２１８９", "5342189"),  # full-width digits
        (IdType.PASSPORT, "AB12345678901234567C", "AB12345678901234567C"),  # 20 characters
        (IdType.HK_MACAO_PERMIT, "h12345678", "H12345678"),
        (IdType.HK_MACAO_PERMIT, "M 1234 5678 90", "M1234567890"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.TAIWAN_PERMIT, "1234-567-890", "1234567890"),
        (IdType.PERMANENT_RESIDENCE, "usa 110 0890 1010 1", "USA110089010101"),
        (IdType.PERMANENT_RESIDENCE, PR_2023, PR_2023),
    ],
)
def test_each_type_accepts_its_numbers_normalised(kind: IdType, typed: str, stored: str) -> None:
    assert parse_number(kind, typed, today=TODAY) == Parsed(value=stored)
    assert is_stored_number(kind.value, stored)


@pytest.mark.parametrize(
    ("kind", "typed", "refusal"),
    [
        (IdType.RESIDENT_ID, "E12345678", "answer-id-invalid"),
        (IdType.PASSPORT, "E123", id_documents.PASSPORT_INVALID),  # 4 characters
        (IdType.PASSPORT, "A" + "1" * 20, id_documents.PASSPORT_INVALID),  # 21
        (IdType.PASSPORT, "ZHANGWEI", id_documents.PASSPORT_INVALID),  # a name, no digit
        (IdType.PASSPORT, "E1234/5678", id_documents.PASSPORT_INVALID),
        (IdType.HK_MACAO_PERMIT, "12345678", id_documents.HK_MACAO_INVALID),  # no H/M
        (IdType.HK_MACAO_PERMIT, "K12345678", id_documents.HK_MACAO_INVALID),
        (IdType.HK_MACAO_PERMIT, "H123456789", id_documents.HK_MACAO_INVALID),  # 9 digits
        (IdType.TAIWAN_PERMIT, "1234567", id_documents.TAIWAN_INVALID),
        (IdType.TAIWAN_PERMIT, "123456789", id_documents.TAIWAN_INVALID),
        (IdType.TAIWAN_PERMIT, "T1234567", id_documents.TAIWAN_INVALID),
        (IdType.PERMANENT_RESIDENCE, "US1100890101011", PR_INVALID),  # two letters
        (IdType.PERMANENT_RESIDENCE, "110105194912310021", PR_INVALID),  # a resident ID
        (IdType.PERMANENT_RESIDENCE, "", PR_INVALID),
    ],
)
def test_each_type_refuses_what_is_not_its_number(kind: IdType, typed: str, refusal: str) -> None:
    assert parse_number(kind, typed, today=TODAY) == Parsed(refusal=refusal)


def test_a_2023_permanent_residence_number_needs_its_check_digit() -> None:
    wrong = PR_2023[:-1] + ("1" if PR_2023[-1] != "1" else "2")
    assert parse_number(IdType.PERMANENT_RESIDENCE, wrong) == Parsed(
        refusal=id_documents.PERMANENT_RESIDENCE_CHECKSUM
    )


def test_a_stored_number_must_fit_its_type() -> None:
    assert not is_stored_number(IdType.PASSPORT.value, "e12345678")  # not normalised
    assert not is_stored_number(IdType.TAIWAN_PERMIT.value, "E12345678")
    assert not is_stored_number("driving_licence", "12345678")
    assert not is_stored_number(None, "12345678")
    assert not is_stored_number(IdType.PASSPORT.value, 12345678)


@pytest.mark.parametrize("language", list(Language))
def test_every_refusal_and_type_is_in_the_catalogs(language: Language) -> None:
    texts = catalog(language)
    assert [key for key in id_documents.REFUSALS if key not in texts] == []
    for kind in IdType:
        assert f"declare-opt-idtype-{kind.value}" in texts
        assert f"declare-q-idno-{kind.value}" in texts


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(list(IdType)), text=st.text(max_size=300))
def test_any_text_is_read_or_refused_never_raises(kind: IdType, text: str) -> None:
    parsed = parse_number(kind, text)
    if parsed.value is not None:
        assert is_stored_number(kind.value, parsed.value)
    else:
        assert parsed.refusal is not None
