"""Property tests: whatever is typed or pressed at any step, the dialog never raises, a refusal
leaves the draft unchanged, and whatever it accepts survives storage and builds a valid
declaration."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import declaration_dialog as dialog
from domain import declaration_steps as steps
from domain.declaration_build import build as build_declaration
from domain.declaration_dialog import Draft
from domain.declaration_json import declaration_from_dict, declaration_to_dict
from tests.unit.test_declaration_dialog import TODAY, Walk


def _drafts() -> list[Draft]:
    """A draft sitting at every step of the dialog (recorded along complete walks)."""
    seen: list[Draft] = []

    class Recording(Walk):
        def type(self, text: str, refusal: str | None = None) -> Walk:
            seen.append(self.draft)
            return super().type(text, refusal)

        def press(self, value: str = "", action: str = "pick") -> dialog.Outcome:
            seen.append(self.draft)
            outcome = super().press(value, action)
            seen.append(self.draft)
            return outcome

    walk = Recording().personal()
    walk.press("planning_return")
    walk.type("11/30")
    walk.press("domestic")
    walk.press("420000")
    walk.type("武汉")
    walk.press("420100")
    walk.type("江汉")
    walk.press("420103")
    walk.type("民族街道")
    walk.press("add")
    walk.type("上海")
    walk.press("310000")
    walk.type("11/10").type("11/12")
    walk.press("no")
    walk.press("done")
    walk.press("flight")
    walk.type("CA1234")
    walk.press("green")
    walk.press("green")
    walk.type("11/20")
    walk.press("negative")
    walk.press("2")
    walk.press("fever")
    walk.press("done")
    walk.type("36.8")
    walk.press("none")
    walk.type("1")
    walk.press("confirm")
    overseas = Recording().type("Jane Doe").type("13800138000")
    overseas.press("passport")
    overseas.type("e1234567")
    overseas.type("河西街道3号")
    overseas.press("returned")
    overseas.press("overseas")
    overseas.type("日本").type("浦东机场").type("11/10")
    overseas.press("yes")
    overseas.press("add")
    overseas.type("somewhere")
    overseas.press("440000")  # picked level by level: a province, then up again, then none
    overseas.press(dialog.PICK_UP)
    overseas.press(dialog.UNLISTED)
    overseas.press(action="skip")
    overseas.press(action="skip")
    overseas.press("yes")
    overseas.press("done")
    overseas.press("train")
    overseas.type("G1").type("昨天").type("8:00")
    overseas.press("green")
    overseas.press("green")
    overseas.press(action="skip")
    overseas.press("1")
    overseas.press("none")
    overseas.type("38.5")  # and no symptoms: asked to confirm
    overseas.press("confirm")
    leaving = Recording().personal()
    leaving.press("planning_leave")
    leaving.type("11/30").type("12/20")  # the departure, then the planned return
    leaving.press("overseas")
    leaving.type("日本")  # the destination
    return [*seen, walk.draft, overseas.draft, leaving.draft]


DRAFTS = _drafts()


def test_every_step_is_covered() -> None:
    covered = {draft.step for draft in DRAFTS}
    assert (steps.ALL_STEPS - covered) == set()


NASTY = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(
        [
            "",
            " ",
            "<b>x</b>",
            "<script>alert(1)</script>",
            "😷🤒",
            "\u202e\u0000",
            "a" * 10_000,
            "1" * 10_000,
            "&amp;",
            "11/20",
            "13800138000",
            "36.5",
            "G1234",
            "武汉",
            "0",
            "-1",
            "NaN",
            "1e400",
        ]
    ),
    st.integers(-(10**20), 10**20).map(str),
)


def _stored_ok(draft: Draft) -> None:
    assert Draft.from_data(draft.to_data(), today=TODAY) == draft


@settings(max_examples=400, deadline=None)
@given(draft=st.sampled_from(DRAFTS), text=NASTY)
def test_any_text_at_any_step(draft: Draft, text: str) -> None:
    outcome = dialog.answer(draft, text, today=TODAY)
    if outcome.refusal is not None:
        assert outcome.draft == draft
        assert outcome.refusal.startswith(("answer-", "declare-"))
    _stored_ok(outcome.draft)


@settings(max_examples=400, deadline=None)
@given(
    draft=st.sampled_from(DRAFTS),
    step=st.one_of(st.sampled_from(sorted(steps.ALL_STEPS)), st.text(max_size=10)),
    action=st.sampled_from(["pick", "back", "skip", "edit", "page", "x"]),
    value=st.one_of(NASTY, st.sampled_from(sorted(steps.ALL_STEPS)), st.just("420000")),
)
def test_any_press_at_any_step(draft: Draft, step: str, action: str, value: str) -> None:
    outcome = dialog.press(draft, step, action, value, today=TODAY)
    if outcome.refusal is not None:
        assert outcome.draft == draft
    _stored_ok(outcome.draft)
    if outcome.submit:
        built = build_declaration(outcome.draft)
        assert declaration_from_dict(declaration_to_dict(built)) == built


@settings(max_examples=200, deadline=None)
@given(name=NASTY, address=NASTY, place=NASTY, street=NASTY, day=st.dates(), companions=NASTY)
def test_whatever_is_accepted_builds_a_valid_declaration(
    name: str, address: str, place: str, street: str, day: date, companions: str
) -> None:
    draft = Draft()

    def feed(text: str) -> None:
        nonlocal draft
        outcome = dialog.answer(draft, text, today=TODAY)
        if outcome.refusal is not None and dialog.can_skip(draft):
            outcome = dialog.skip(draft)
        elif outcome.refusal is not None:
            outcome = dialog.answer(draft, FALLBACK[draft.step], today=TODAY)
        assert outcome.refusal is None, (draft.step, text)
        draft = outcome.draft

    def pick(value: str) -> None:
        nonlocal draft
        outcome = dialog.press(draft, draft.step, "pick", value, today=TODAY)
        assert outcome.refusal is None
        draft = outcome.draft

    feed(name)
    feed("13800138000")
    pick("resident")
    feed("110101199003074477")
    feed(address)
    pick("returned")
    pick("domestic")
    pick("310000")
    pick("310115")
    feed(street)
    pick("add")
    feed(place)
    if draft.step == "smatch":
        pick(dialog.KEEP_TYPED)
    assert draft.step == "spick"  # never kept without a division, or the person saying none
    pick(dialog.UNLISTED)
    feed(day.isoformat())
    feed(day.isoformat())
    pick("yes")
    pick("done")
    pick("coach")
    feed(day.isoformat())
    feed("9:00")
    for value in ("red", "yellow"):
        pick(value)
    feed(day.isoformat())
    if draft.step == "testres":
        pick("pending")
    pick("0")
    pick("none")
    feed("37.3")  # a fever at the default threshold, and no symptoms: confirmed
    pick("confirm")
    pick("none")
    feed(companions)
    assert draft.step == "summary"
    pick("confirm")
    outcome = dialog.press(draft, "attest", "pick", "agree", today=TODAY)
    assert outcome.submit
    built = build_declaration(outcome.draft)
    assert declaration_from_dict(declaration_to_dict(built)) == built
    assert built.name is not None
    assert 0 < len(built.name) <= 50
    assert all(0 < len(s.place) <= 100 for s in built.stays)


FALLBACK = {
    "name": "王五",
    "address": "某小区1栋",
    "splace": "某地",
    "arrdate": "昨天",
}


def test_every_step_renders_in_both_languages_within_telegram_limits() -> None:
    from domain.org import Language
    from texts.declaration_keyboards import question_keyboard, question_text
    from texts.i18n import Translator

    for language in Language:
        tr = Translator(language)
        for draft in DRAFTS:
            assert question_text(tr, draft, "declare-stale")
            keyboard = question_keyboard(tr, draft, "abcd1234")
            for row in keyboard.inline_keyboard:
                for button in row:
                    assert button.text
                    assert button.callback_data is not None
                    assert len(button.callback_data.encode()) <= 64
