"""`ledger_fields` (the declarations ledger's quick read of a stored declaration) reads what
`declaration_from_dict` reads, for every shape a ledger shows: domestic and overseas origins,
stays, transport with and without a number, arrival with and without its time, no personal
fields (a purged declaration)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.declaration_json import (
    DeclarationError,
    declaration_from_dict,
    declaration_to_dict,
    ledger_fields,
)
from domain.declarations import (
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    OverseasOrigin,
    Stay,
    Transport,
    TransportKind,
)

WUHAN = DomesticOrigin(("420000", "420100", "420102"))
CASES = [
    Declaration(
        status=DeclarationStatus.RETURNED,
        origin=WUHAN,
        stays=(
            Stay(
                "北京朝阳",
                date(2026, 11, 20),
                date(2026, 11, 22),
                region_codes=("110000", "110100", "110105"),
            ),
            Stay("某个服务区", None, None, transit=True),
        ),
        transport=Transport(TransportKind.TRAIN, "G1234"),
        arrival=datetime(2026, 11, 24, 18, 30),
        name="张三",
        phone="13900000000",
        address="东关村3组",
    ),
    Declaration(
        status=DeclarationStatus.PLANNING_RETURN,
        origin=OverseasOrigin("日本", "上海浦东"),
        transport=Transport(TransportKind.OWN_CAR),
        arrival=datetime(2026, 11, 25),
        arrival_timed=False,
    ),
    Declaration(status=DeclarationStatus.RETURNED, origin=DomesticOrigin((), ("某省", "某市"))),
]


@pytest.mark.parametrize("declaration", CASES)
def test_the_ledgers_read_agrees_with_the_full_parse(declaration: Declaration) -> None:
    stored = declaration_to_dict(declaration)
    full = declaration_from_dict(stored)
    quick = ledger_fields(stored)
    assert quick.status is full.status
    assert quick.origin == full.origin
    assert [stay["place"] for stay in quick.stays] == [stay.place for stay in full.stays]
    assert [tuple(stay.get("region_codes") or ()) for stay in quick.stays] == [
        stay.region_codes for stay in full.stays
    ]
    assert [(s.get("start"), s.get("end"), bool(s.get("transit"))) for s in quick.stays] == [
        (s.start and s.start.isoformat(), s.end and s.end.isoformat(), s.transit)
        for s in full.stays
    ]
    if full.transport is None:
        assert quick.transport is None
    else:
        assert quick.transport == (full.transport.kind.value, full.transport.number)
    if full.arrival is None:
        assert quick.arrival is None
    elif full.arrival_timed:
        assert quick.arrival == full.arrival
    else:
        assert quick.arrival == full.arrival.date()
        assert type(quick.arrival) is date
    assert (quick.name, quick.phone, quick.id_number, quick.address) == (
        full.name, full.phone, full.id_number, full.address)  # fmt: skip


def test_a_wrong_status_or_origin_is_still_refused() -> None:
    stored = declaration_to_dict(CASES[0])
    with pytest.raises(DeclarationError, match="status"):
        ledger_fields({**stored, "status": "gone"})
    with pytest.raises(DeclarationError, match="origin"):
        ledger_fields({**stored, "origin": {"kind": "moon"}})
