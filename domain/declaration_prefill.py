"""A dialog draft pre-filled from an earlier declaration: the inverse of
`declaration_build.build`, for "update my declaration".

The draft lands on the summary, where the resident changes what changed. An answer the stored
declaration does not hold (the address of one filed before it was kept) or that no longer fits
the dialog (a date now outside the dialog's window) is left out, so the dialog asks it first
and then comes back to the summary. The attestation is never carried over: an update is
attested anew.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from domain import declaration_steps as steps
from domain.declaration_dialog import Draft, DraftError
from domain.declaration_steps import ORDER, SUMMARY, Step
from domain.declarations import Declaration, OverseasOrigin


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _origin(declaration: Declaration) -> dict[str, Any]:
    origin = declaration.origin
    if isinstance(origin, OverseasOrigin):
        docs = None if origin.arrival_documents is None else steps.YES
        if origin.arrival_documents is False:
            docs = steps.NO
        return {
            Step.ORIGIN: steps.OVERSEAS,
            Step.COUNTRY: origin.country,
            Step.PORT: origin.port_of_entry,
            Step.ENTRY: _day(origin.entry_date),
            Step.DOCS: docs,
        }
    codes = origin.region_codes
    answers: dict[str, Any] = {Step.ORIGIN: steps.DOMESTIC, Step.STREET: None}
    for step, code in zip((Step.PROV, Step.CITY, Step.DIST), codes, strict=False):
        answers[step] = code
    if len(origin.region_names) > len(codes):  # the street was typed after the district
        answers[Step.STREET] = origin.region_names[-1]
    return answers


def answers_of(declaration: Declaration) -> dict[str, Any]:
    """The dialog's answers a declaration gives back (unchecked)."""
    d = declaration
    arrival = d.arrival
    answers: dict[str, Any] = {
        Step.NAME: d.name,
        Step.PHONE: d.phone,
        Step.IDTYPE: d.id_type.value if d.id_type is not None else None,
        Step.IDNO: d.id_number,
        Step.ADDRESS: d.address,
        Step.STATUS: d.status.value,
        Step.PLANNED: _day(d.planned_date),
        Step.DEPART: _day(d.departure_date),
        **_origin(d),
        Step.STAYS: [
            {
                "place": s.place,
                "codes": list(s.region_codes),
                "start": _day(s.start),
                "end": _day(s.end),
                "transit": s.transit,
                # Staff confirmed it lies in no division: not flagged again by an update.
                **({"checked": True} if s.confirmed_unlisted else {}),
            }
            for s in d.stays
        ],
        Step.TRANSPORT: d.transport.kind.value if d.transport is not None else None,
        Step.TNUM: d.transport.number if d.transport is not None else None,
        Step.ARRDATE: _day(arrival.date()) if arrival is not None else None,
        Step.ARRTIME: (
            arrival.time().strftime("%H:%M")
            if arrival is not None and arrival.time() != time(0, 0)
            else None
        ),
        Step.HCODE: d.health_code.value if d.health_code is not None else None,
        Step.ICARD: d.itinerary_card.value if d.itinerary_card is not None else None,
        Step.TESTDATE: _day(d.last_test.day) if d.last_test is not None else None,
        Step.TESTRES: d.last_test.result.value if d.last_test is not None else None,
        Step.VACC: str(d.vaccination_doses) if d.vaccination_doses is not None else None,
        Step.SYMPTOMS: sorted(s.value for s in d.symptoms),
        Step.TEMP: d.temperature,
        Step.CONTACTS: sorted(c.value for c in d.contacts),
        Step.COMPANIONS: d.companions,
    }
    return answers


def prefill(declaration: Declaration, *, today: date) -> Draft:
    """A draft holding the declaration's answers that still fit, at the summary (or at the
    first question still to answer)."""
    kept: dict[str, Any] = {}
    for key, value in answers_of(declaration).items():
        step = Step(key)
        try:
            steps.check_answer(step, value, today=today)
        except steps.StoredAnswerError:
            continue
        kept[step] = value
    try:
        steps.check_id_number(kept)
    except steps.StoredAnswerError:
        kept.pop(Step.IDNO, None)
        kept.pop(Step.IDTYPE, None)
    # Answers whose questions do not apply (an answer left out above changes that) go.
    while gone := [k for k in kept if k in ORDER and not steps.applies(Step(k), kept)]:
        for key in gone:
            del kept[key]
    if Step.TEMP in kept:  # confirmed when it was given: not asked about again
        kept[Step.TEMPOK] = kept[Step.TEMP]
    nxt = next((s for s in ORDER if s not in kept and steps.applies(s, kept)), SUMMARY)
    draft = Draft(step=nxt, answers=kept)
    try:  # the dialog's own check of a stored draft: what it cannot read, it restarts
        return Draft.from_data(draft.to_data(), today=today)
    except DraftError:
        return Draft()
