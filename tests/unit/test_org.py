import pytest

from domain.org import Language, OrgTree, Unit, UnitKind, UnknownUnitError


@pytest.fixture
def tree() -> OrgTree:
    return OrgTree.of(
        [
            Unit("xian", "示范县", UnitKind.OFFICE),
            Unit("chengguan", "城关镇", UnitKind.TOWNSHIP, "xian"),
            Unit("hexi", "河西街道", UnitKind.STREET, "xian"),
            Unit("dongguan", "东关村", UnitKind.VILLAGE, "chengguan"),
            Unit("grid1", "一网格", UnitKind.GRID, "dongguan"),
        ]
    )


def test_ancestors_are_nearest_first(tree: OrgTree) -> None:
    assert [u.code for u in tree.ancestors("grid1")] == ["dongguan", "chengguan", "xian"]
    assert tree.ancestors("xian") == []


def test_subtree_includes_the_unit_and_everything_below(tree: OrgTree) -> None:
    assert [u.code for u in tree.subtree("chengguan")] == ["chengguan", "dongguan", "grid1"]
    assert [u.code for u in tree.subtree("hexi")] == ["hexi"]


def test_contains_is_reflexive_and_only_downwards(tree: OrgTree) -> None:
    assert tree.contains("xian", "grid1")
    assert tree.contains("dongguan", "dongguan")
    assert not tree.contains("hexi", "dongguan")
    assert not tree.contains("grid1", "xian")


def test_path_and_unknown_units(tree: OrgTree) -> None:
    assert tree.path("dongguan") == "示范县 / 城关镇 / 东关村"
    with pytest.raises(UnknownUnitError):
        tree.get("nowhere")
    assert [u.code for u in tree.roots()] == ["xian"]
    assert [u.code for u in tree.children("xian")] == ["chengguan", "hexi"]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("zh-hans", Language.ZH_CN),
        ("zh-CN", Language.ZH_CN),
        ("en-US", Language.EN),
        ("en", Language.EN),
        ("ru", Language.ZH_CN),
        (None, Language.ZH_CN),
    ],
)
def test_language_from_telegram_tag(code: str | None, expected: Language) -> None:
    assert Language.from_telegram(code, Language.ZH_CN) is expected
