"""Returnee declarations after the dialog: submitting (classify, store, open the follow-up,
alert) and re-screening everything within the look-back window when the risk-area list
changes.

Everything happens in the caller's transaction: the declaration, its obligations, the alerts
in the outbox and the audit entry commit together, so a resident is never told a measure
nobody was alerted about. Alerts are private messages at alert priority, to the unit's
liaisons and trackers (and for an immediate report 即有即报 the supervisors of the unit and
the units above it); they name the resident and mask the phone, and never go to a group.

The outbox stores rendered text, so the configuration carries a `DeclarationTexts` renderer,
wired at the composition root (the bot's own lives in texts/, above this layer).
"""

from services.declarations.model import (
    NOT_ALLOWED,
    NOT_ATTESTED,
    NOT_ONBOARDED,
    RESCREEN,
    SUBMIT,
    UNKNOWN_UNIT,
    Alert,
    DeclarationRefused,
    DeclarationTexts,
    FollowupConfig,
    KeptForReview,
    PlaceFlag,
    Reclassified,
    RescreenCause,
    RescreenReport,
    ResidentUpdate,
    Submitted,
)
from services.declarations.rescreen import rescreen
from services.declarations.submission import DeclarationService

__all__ = [
    "NOT_ALLOWED",
    "NOT_ATTESTED",
    "NOT_ONBOARDED",
    "RESCREEN",
    "SUBMIT",
    "UNKNOWN_UNIT",
    "Alert",
    "DeclarationRefused",
    "DeclarationService",
    "DeclarationTexts",
    "FollowupConfig",
    "KeptForReview",
    "PlaceFlag",
    "Reclassified",
    "RescreenCause",
    "RescreenReport",
    "ResidentUpdate",
    "Submitted",
    "rescreen",
]
