"""The ID number's mask and an arrival whose time was skipped, as stored and read back."""

from dataclasses import replace
from datetime import datetime

from domain.declaration_json import declaration_from_dict, declaration_to_dict
from domain.declarations import Declaration, DeclarationStatus, DomesticOrigin
from services.declaration_support import mask_id_number
from texts.case_details import arrival_text

BASE = Declaration(
    status=DeclarationStatus.RETURNED,
    origin=DomesticOrigin(("420000",)),
    arrival=datetime(2026, 11, 22, 0, 0),
)


def test_an_id_number_is_masked_like_the_phone() -> None:
    assert mask_id_number("11010119900307451X") == "110***********451X"
    assert mask_id_number("E12345678") == "E******78"  # a passport keeps less of itself
    assert mask_id_number("A123") == "****"
    assert mask_id_number(None) is None
    assert mask_id_number("") is None


def test_an_arrival_without_its_time_is_stored_as_a_bare_date() -> None:
    untimed = replace(BASE, arrival_timed=False)
    data = declaration_to_dict(untimed)
    assert data["arrival"] == "2026-11-22"
    assert declaration_from_dict(data) == untimed
    assert arrival_text(untimed) == "2026-11-22"
    # A midnight arrival typed as such, and rows stored before the marker: a time.
    timed = declaration_to_dict(BASE)
    assert timed["arrival"] == "2026-11-22T00:00:00"
    assert declaration_from_dict(timed).arrival_timed
    assert arrival_text(BASE) == "2026-11-22 00:00"
