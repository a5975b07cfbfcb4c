"""The Declaration a finished dialog draft describes (domain/declaration_dialog.py)."""

from __future__ import annotations

from datetime import date, datetime, time

from domain import declaration_steps as steps
from domain import regions
from domain.declaration_dialog import Draft, complete
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


def build(draft: Draft) -> Declaration:
    """The declaration of a complete, attested draft; ValueError otherwise."""
    if not complete(draft):
        raise ValueError("the declaration is not complete and attested")
    a = draft.answers

    def day(key: str) -> date | None:
        value = a.get(key)
        return date.fromisoformat(value) if isinstance(value, str) else None

    origin: DomesticOrigin | OverseasOrigin
    if a["origin"] == steps.OVERSEAS:
        docs = a.get("docs")
        origin = OverseasOrigin(a["country"], a.get("port"), day("entry"), docs == steps.YES)
    else:
        deepest = a.get("dist") or a.get("city") or a["prov"]
        chain = regions.path(deepest)
        names = tuple(r.name for r in chain) + ((a["street"],) if a.get("street") else ())
        origin = DomesticOrigin(tuple(r.code for r in chain), names)
    arrival = None
    if day("arrdate") is not None:
        at = time.fromisoformat(a["arrtime"]) if a.get("arrtime") else time(0, 0)
        arrival = datetime.combine(day("arrdate"), at)  # type: ignore[arg-type]
    last_test = None
    if day("testdate") is not None and a.get("testres"):
        last_test = TestRecord(day("testdate"), TestResult(a["testres"]))  # type: ignore[arg-type]
    transport = Transport(TransportKind(a["transport"]), a.get("tnum"))
    stays = tuple(
        Stay(
            s["place"],
            date.fromisoformat(s["start"]) if s.get("start") else None,
            date.fromisoformat(s["end"]) if s.get("end") else None,
            bool(s.get("transit", False)),
            tuple(s.get("codes", ())),
        )
        for s in a.get("stays") or ()
    )
    return Declaration(
        status=DeclarationStatus(a["status"]),
        origin=origin,
        planned_date=day("planned"),
        stays=stays,
        transport=transport,
        arrival=arrival,
        health_code=CodeColour(a["hcode"]),
        itinerary_card=CodeColour(a["icard"]),
        last_test=last_test,
        vaccination_doses=int(a["vacc"]),
        symptoms=frozenset(Symptom(s) for s in a["symptoms"]),
        temperature=a["temp"],
        contacts=frozenset(ContactKind(c) for c in a["contacts"]),
        companions=a.get("companions") or 0,
        attested=True,
        name=a["name"],
        phone=a["phone"],
        id_number=a.get("idno"),
    )
