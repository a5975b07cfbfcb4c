"""A missed check-in or test: the resident who owes it is spoken to (their own text, both
languages); the tracker who hears of the same step keeps the staff's text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.escalation import Step, Target
from domain.obligations import ObligationKind
from domain.org import Language, Person
from domain.recipients import Recipient
from tests.unit.test_obligation_texts import message
from texts.i18n import Translator
from texts.obligations import ObligationTexts

RESIDENT = Person(3001, "胡军", Language.ZH_CN)  # the obligation's assignee (3001)
TRACKER = 2007

CASES = [
    (ObligationKind.HEALTH_CHECKIN, "obligation-checkin-missed"),
    (ObligationKind.TEST_DUE, "obligation-test-missed"),
]


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize(("kind", "key"), CASES)
def test_the_resident_gets_their_own_text(
    kind: ObligationKind, key: str, language: Language
) -> None:
    step = Step(timedelta(0), (Target.ASSIGNEE, Target.DEPUTY), key)
    tr = Translator(language)
    to_resident = message(
        step, Recipient(3001, Target.ASSIGNEE), kind=kind, language=language, assignees=(RESIDENT,)
    )
    text = ObligationTexts().step(to_resident).text
    assert text == tr(f"{key}-self", who="胡军", due="11-22 17:00")
    assert "包保责任人" not in text
    assert "Tracker" not in text
    to_tracker = message(
        step,
        Recipient(TRACKER, Target.DEPUTY),
        kind=kind,
        language=language,
        assignees=(RESIDENT,),
    )
    assert ObligationTexts().step(to_tracker).text == tr(
        key, who="胡军", unit="东关村", due="11-22 17:00"
    )
