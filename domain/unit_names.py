"""Units by name: what people type for a unit (a name, part of one, or the code) and the units
it may mean, so no one has to know the internal codes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from domain.answers import WIDE
from domain.org import OrgTree, Unit


def _folded(text: str) -> str:
    """Case, full-width letters and spaces do not matter: "Dong Guan" finds "dongguan"."""
    return "".join(text.translate(WIDE).casefold().split())


def find_units(text: str, among: Iterable[Unit]) -> list[Unit]:
    """The units of `among` that `text` names, best first: the unit whose code or whole name
    it is; else every unit whose name or code contains it (in the order given)."""
    wanted = _folded(text)
    if not wanted:
        return []
    candidates = list(among)
    exact = exact_units(text, candidates)
    if exact:
        return exact
    return [u for u in candidates if wanted in _folded(u.name) or wanted in _folded(u.code)]


def exact_units(text: str, among: Iterable[Unit]) -> list[Unit]:
    """The units of `among` whose code or whole name `text` is."""
    wanted = _folded(text)
    return [u for u in among if wanted and wanted in (_folded(u.code), _folded(u.name))]


def top_units(tree: OrgTree, codes: Iterable[str]) -> list[Unit]:
    """The units of `codes` with no ancestor among them, in tree order."""
    chosen = {code for code in codes if code in tree}
    tops = [
        tree.get(code)
        for code in chosen
        if not any(parent.code in chosen for parent in tree.ancestors(code))
    ]
    return sorted(tops, key=lambda unit: tree.path(unit.code))


def browse_level(
    tree: OrgTree, allowed: Sequence[str], at: str | None
) -> tuple[Unit | None, list[Unit]]:
    """What browsing shows at `at`: the unit itself (None at the top, or when it may not be
    chosen) and the units one level down that are allowed or lead to allowed ones. At the
    top with a single allowed top unit, browsing starts inside it."""
    chosen = set(allowed)
    if at is None:
        tops = top_units(tree, chosen)
        if len(tops) != 1:
            return None, tops
        at = tops[0].code
    if at not in tree:
        return None, []
    below = [
        child
        for child in tree.children(at)
        if any(unit.code in chosen for unit in tree.subtree(child.code))
    ]
    return (tree.get(at) if at in chosen else None), below
