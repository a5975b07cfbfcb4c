"""The Declaration a finished dialog draft describes (domain/declaration_dialog.py)."""

from __future__ import annotations

from datetime import date, datetime, time

from domain import declaration_steps as steps
from domain import regions
from domain.declaration_dialog import Draft, complete
from domain.declaration_steps import Step
from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    OverseasOrigin,
    Stay,
    Symptom,
    TestRecord,
    TestResult,
    Transport,
    TransportKind,
)
from domain.id_documents import IdType


def build(draft: Draft) -> Declaration:
    """The declaration of a complete, attested draft; ValueError otherwise."""
    if not complete(draft):
        raise ValueError("the declaration is not complete and attested")
    a = draft.answers

    def day(key: str) -> date | None:
        value = a.get(key)
        return date.fromisoformat(value) if isinstance(value, str) else None

    origin: DomesticOrigin | OverseasOrigin
    if a[Step.ORIGIN] == steps.OVERSEAS:
        docs = a.get(Step.DOCS)
        origin = OverseasOrigin(
            a[Step.COUNTRY], a.get(Step.PORT), day(Step.ENTRY), docs == steps.YES
        )
    else:
        deepest = a.get(Step.DIST) or a.get(Step.CITY) or a[Step.PROV]
        chain = regions.path(deepest)
        names = tuple(r.name for r in chain) + ((a[Step.STREET],) if a.get(Step.STREET) else ())
        origin = DomesticOrigin(tuple(r.code for r in chain), names)
    arrival = None
    if day(Step.ARRDATE) is not None:
        at = time.fromisoformat(a[Step.ARRTIME]) if a.get(Step.ARRTIME) else time(0, 0)
        arrival = datetime.combine(day(Step.ARRDATE), at)  # type: ignore[arg-type]
    last_test = None
    if day(Step.TESTDATE) is not None and a.get(Step.TESTRES):
        last_test = TestRecord(day(Step.TESTDATE), TestResult(a[Step.TESTRES]))  # type: ignore[arg-type]
    transport = Transport(TransportKind(a[Step.TRANSPORT]), a.get(Step.TNUM))
    stays = tuple(
        Stay(
            s["place"],
            date.fromisoformat(s["start"]) if s.get("start") else None,
            date.fromisoformat(s["end"]) if s.get("end") else None,
            bool(s.get("transit", False)),
            tuple(s.get("codes", ())),
            confirmed_unlisted=s.get("checked") is True,
        )
        for s in a.get(Step.STAYS) or ()
    )
    return Declaration(
        status=DeclarationStatus(a[Step.STATUS]),
        origin=origin,
        planned_date=day(Step.PLANNED),
        departure_date=day(Step.DEPART),
        stays=stays,
        transport=transport,
        arrival=arrival,
        arrival_timed=arrival is None or bool(a.get(Step.ARRTIME)),
        health_code=CodeColour(a[Step.HCODE]),
        itinerary_card=CodeColour(a[Step.ICARD]),
        last_test=last_test,
        vaccination_doses=int(a[Step.VACC]),
        symptoms=frozenset(Symptom(s) for s in a[Step.SYMPTOMS]),
        temperature=a[Step.TEMP],
        contacts=frozenset(ContactKind(c) for c in a[Step.CONTACTS]),
        companions=a.get(Step.COMPANIONS),  # skipped stays None: "not given", not 0
        attested=True,
        name=a[Step.NAME],
        phone=a[Step.PHONE],
        id_number=a.get(Step.IDNO),
        address=a.get(Step.ADDRESS),
        id_type=IdType(a[Step.IDTYPE]) if a.get(Step.IDNO) else None,
    )
