"""The JSON shape of a declaration and of its risk facts: `declaration_from_dict` /
`declaration_to_dict` read and write it (storage, `python -m bot policy explain FILE.json`);
a wrong value raises `DeclarationError` naming its key."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from domain.declarations import (
    CodeColour,
    ContactKind,
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    Origin,
    OverseasOrigin,
    RiskFacts,
    RiskLevel,
    Stay,
    Symptom,
    TestRecord,
    TestResult,
    Transport,
    TransportKind,
)
from domain.id_documents import UNTYPED, IdType


class DeclarationError(ValueError):
    """A declaration (or risk facts) read from data is invalid; the message names the key."""


_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


def _fail(key: str, message: str) -> DeclarationError:
    return DeclarationError(f"{key}: {message}")


def _table(value: Any, key: str, known: Iterable[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(key, "must be an object")
    unknown = sorted(set(value) - set(known))
    if unknown:
        where = f"{key}." if key else ""
        raise DeclarationError(f"{where}{unknown[0]}: unknown key")
    return value


def _enum(kind: type[_E], value: Any, key: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(item.value for item in kind)
        raise _fail(key, f"{value!r} is not one of {allowed}") from None


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(key, "must be a non-empty string")
    return value.strip()


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(key, "must be true or false")
    return value


def _count(value: Any, key: str, most: int) -> int:
    if type(value) is not int or not 0 <= value <= most:
        raise _fail(key, f"must be a whole number from 0 to {most}")
    return value


def _date(value: Any, key: str) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(key, f"{value!r} is not a date (YYYY-MM-DD)")


def _datetime(value: Any, key: str) -> datetime:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(key, f"{value!r} is not a date and time (YYYY-MM-DDTHH:MM)")


def _list(value: Any, key: str, item: Callable[[Any, str], _T]) -> tuple[_T, ...]:
    if not isinstance(value, list | tuple):
        raise _fail(key, "must be a list")
    return tuple(item(entry, f"{key}[{index}]") for index, entry in enumerate(value))


def _optional(data: Mapping[str, Any], name: str, key: str, read: Callable[[Any, str], _T]) -> Any:
    value = data.get(name)
    return None if value is None else read(value, f"{key}{name}")


def _origin(value: Any, key: str) -> Origin:
    if not isinstance(value, Mapping) or "kind" not in value:
        raise _fail(key, 'must be an object with kind = "domestic" or "overseas"')
    if value["kind"] == "domestic":
        data = _table(value, key, ("kind", "region_codes", "region_names"))
        codes = _list(data.get("region_codes", []), f"{key}.region_codes", _text)
        names = _list(data.get("region_names", []), f"{key}.region_names", _text)
        if not codes and not names:
            raise _fail(key, "a domestic origin needs region_codes or region_names")
        return DomesticOrigin(codes, names)
    if value["kind"] == "overseas":
        data = _table(
            value, key, ("kind", "country", "port_of_entry", "entry_date", "arrival_documents")
        )
        if "country" not in data:
            raise _fail(f"{key}.country", "required")
        return OverseasOrigin(
            country=_text(data["country"], f"{key}.country"),
            port_of_entry=_optional(data, "port_of_entry", f"{key}.", _text),
            entry_date=_optional(data, "entry_date", f"{key}.", _date),
            arrival_documents=_optional(data, "arrival_documents", f"{key}.", _bool),
        )
    raise _fail(f"{key}.kind", f"{value['kind']!r} is not one of domestic, overseas")


def _stay(value: Any, key: str) -> Stay:
    data = _table(
        value, key, ("place", "start", "end", "transit", "region_codes", "confirmed_unlisted")
    )
    if "place" not in data:
        raise _fail(f"{key}.place", "required")
    stay = Stay(
        place=_text(data["place"], f"{key}.place"),
        start=_optional(data, "start", f"{key}.", _date),
        end=_optional(data, "end", f"{key}.", _date),
        transit=_bool(data.get("transit", False), f"{key}.transit"),
        region_codes=_list(data.get("region_codes", []), f"{key}.region_codes", _text),
        confirmed_unlisted=_bool(
            data.get("confirmed_unlisted", False), f"{key}.confirmed_unlisted"
        ),
    )
    if stay.start and stay.end and stay.end < stay.start:
        raise _fail(f"{key}.end", "is before start")
    return stay


def _temperature(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(key, "must be a number of degrees Celsius")
    if not 34.0 <= value <= 43.0:
        raise _fail(key, f"{value} °C is not a body temperature (34-43)")
    return float(value)


_DECLARATION_KEYS = (
    "status",
    "origin",
    "planned_date",
    "departure_date",
    "stays",
    "transport",
    "arrival",
    "health_code",
    "itinerary_card",
    "last_test",
    "vaccination_doses",
    "symptoms",
    "temperature",
    "contacts",
    "companions",
    "attested",
    "name",
    "phone",
    "id_number",
    "id_type",
    "address",
)


def declaration_from_dict(value: Any) -> Declaration:
    """A declaration from its JSON shape (enum values, ISO dates); raises DeclarationError."""
    data = _table(value, "declaration", _DECLARATION_KEYS)
    for required in ("status", "origin"):
        if data.get(required) is None:
            raise _fail(f"declaration.{required}", "required")
    key = "declaration."
    transport = None
    if data.get("transport") is not None:
        raw = _table(data["transport"], f"{key}transport", ("kind", "number"))
        if "kind" not in raw:
            raise _fail(f"{key}transport.kind", "required")
        transport = Transport(
            _enum(TransportKind, raw["kind"], f"{key}transport.kind"),
            _optional(raw, "number", f"{key}transport.", _text),
        )
    last_test = None
    if data.get("last_test") is not None:
        raw = _table(data["last_test"], f"{key}last_test", ("day", "result"))
        for required in ("day", "result"):
            if required not in raw:
                raise _fail(f"{key}last_test.{required}", "required")
        last_test = TestRecord(
            _date(raw["day"], f"{key}last_test.day"),
            _enum(TestResult, raw["result"], f"{key}last_test.result"),
        )

    def symptom(item: Any, where: str) -> Symptom:
        return _enum(Symptom, item, where)

    def contact(item: Any, where: str) -> ContactKind:
        return _enum(ContactKind, item, where)

    def colour(item: Any, where: str) -> CodeColour:
        return _enum(CodeColour, item, where)

    id_number = _optional(data, "id_number", key, _text)
    id_type = _optional(data, "id_type", key, lambda v, k: _enum(IdType, v, k))
    if id_number is None and id_type is not None:
        raise _fail(f"{key}id_type", "given without id_number")
    if id_number is not None and id_type is None:
        id_type = UNTYPED  # stored before the types existed

    return Declaration(
        status=_enum(DeclarationStatus, data["status"], f"{key}status"),
        origin=_origin(data["origin"], f"{key}origin"),
        planned_date=_optional(data, "planned_date", key, _date),
        departure_date=_optional(data, "departure_date", key, _date),
        stays=_list(data.get("stays", []), f"{key}stays", _stay),
        transport=transport,
        arrival=_optional(data, "arrival", key, _datetime),
        # A bare date: the time was skipped (written so since; older rows hold T00:00).
        arrival_timed=not (isinstance(data.get("arrival"), str) and len(data["arrival"]) == 10),
        health_code=_optional(data, "health_code", key, colour),
        itinerary_card=_optional(data, "itinerary_card", key, colour),
        last_test=last_test,
        vaccination_doses=_optional(data, "vaccination_doses", key, lambda v, k: _count(v, k, 10)),
        symptoms=frozenset(_list(data.get("symptoms", []), f"{key}symptoms", symptom)),
        temperature=_optional(data, "temperature", key, _temperature),
        contacts=frozenset(_list(data.get("contacts", []), f"{key}contacts", contact)),
        # Left out (written so when skipped): not given. Rows before always held a number.
        companions=_optional(data, "companions", key, lambda v, k: _count(v, k, 1000)),
        attested=_bool(data.get("attested", False), f"{key}attested"),
        name=_optional(data, "name", key, _text),
        phone=_optional(data, "phone", key, _text),
        id_number=id_number,
        id_type=id_type,
        address=_optional(data, "address", key, _text),
    )


class LedgerFields(NamedTuple):
    """The answers a ledger shows (services/exports), as `ledger_fields` reads them."""

    status: DeclarationStatus
    origin: Origin
    stays: tuple[Mapping[str, Any], ...]  # as stored: place, region_codes, start, end, transit
    transport: tuple[str, str | None] | None  # kind, number
    arrival: datetime | date | None  # a date: the time was skipped
    name: str | None
    phone: str | None
    id_number: str | None
    address: str | None


def ledger_fields(value: Mapping[str, Any]) -> LedgerFields:
    """What a ledger shows of a stored declaration, read without `declaration_from_dict`'s
    checks of every answer: the stored shape was checked when it was written, and a ledger of
    100,000 declarations would spend 10 s on them. Status and origin are still checked."""
    transport = value.get("transport")
    arrival: datetime | date | None = None
    if value.get("arrival") is not None:
        text = value["arrival"]
        arrival = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    return LedgerFields(
        _enum(DeclarationStatus, value.get("status"), "declaration.status"),
        _origin(value.get("origin"), "declaration.origin"),
        tuple(value.get("stays") or ()),
        (transport["kind"], transport.get("number")) if transport else None,
        arrival,
        value.get("name"),
        value.get("phone"),
        value.get("id_number"),
        value.get("address"),
    )


def risk_facts_from_dict(value: Any) -> RiskFacts:
    data = _table(value, "facts", ("level", "city_has_cases", "matched"))
    return RiskFacts(
        level=_enum(RiskLevel, data.get("level", "low"), "facts.level"),
        city_has_cases=_bool(data.get("city_has_cases", False), "facts.city_has_cases"),
        matched=_list(data.get("matched", []), "facts.matched", _text),
    )


def declaration_to_dict(declaration: Declaration) -> dict[str, Any]:
    """The JSON shape declaration_from_dict reads (None values left out)."""
    origin: dict[str, Any]
    if isinstance(declaration.origin, OverseasOrigin):
        o = declaration.origin
        origin = {
            "kind": "overseas",
            "country": o.country,
            "port_of_entry": o.port_of_entry,
            "entry_date": o.entry_date.isoformat() if o.entry_date else None,
            "arrival_documents": o.arrival_documents,
        }
    else:
        origin = {
            "kind": "domestic",
            "region_codes": list(declaration.origin.region_codes),
            "region_names": list(declaration.origin.region_names),
        }
    d = declaration
    out: dict[str, Any] = {
        "status": d.status.value,
        "origin": {k: v for k, v in origin.items() if v is not None},
        "planned_date": d.planned_date.isoformat() if d.planned_date else None,
        "departure_date": d.departure_date.isoformat() if d.departure_date else None,
        "stays": [
            {
                k: v
                for k, v in {
                    "place": s.place,
                    "start": s.start.isoformat() if s.start else None,
                    "end": s.end.isoformat() if s.end else None,
                    "transit": s.transit,
                    "region_codes": list(s.region_codes),
                    # Written only when set: the stays of earlier declarations read the same.
                    "confirmed_unlisted": True if s.confirmed_unlisted else None,
                }.items()
                if v is not None
            }
            for s in d.stays
        ],
        "transport": (
            {
                k: v
                for k, v in {"kind": d.transport.kind.value, "number": d.transport.number}.items()
                if v is not None
            }
            if d.transport
            else None
        ),
        "arrival": _arrival(d),
        "health_code": d.health_code.value if d.health_code else None,
        "itinerary_card": d.itinerary_card.value if d.itinerary_card else None,
        "last_test": (
            {"day": d.last_test.day.isoformat(), "result": d.last_test.result.value}
            if d.last_test
            else None
        ),
        "vaccination_doses": d.vaccination_doses,
        "symptoms": sorted(s.value for s in d.symptoms),
        "temperature": d.temperature,
        "contacts": sorted(c.value for c in d.contacts),
        "companions": d.companions,
        "attested": d.attested,
        "name": d.name,
        "phone": d.phone,
        "id_number": d.id_number,
        "id_type": d.id_type.value if d.id_type else None,
        "address": d.address,
    }
    return {k: v for k, v in out.items() if v is not None}


def _arrival(d: Declaration) -> str | None:
    """An arrival whose time was skipped as its date alone: datetime.fromisoformat reads it
    back as midnight, so readers that know no marker see the value they always saw."""
    if d.arrival is None:
        return None
    return d.arrival.isoformat() if d.arrival_timed else d.arrival.date().isoformat()
