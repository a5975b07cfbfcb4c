"""Typed places matched to divisions (domain/place_match.py): a table of what people type, in
Chinese, pinyin and English, with stations, airports, ports, typos and things that are no
place in China; the share matched; the time a match takes; `python -m bot region match`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.cli import main
from domain import place_names, regions, transport_hubs
from domain.place_match import MAX_TEXT_CHARS, match_place

# (typed, expected codes): the first expected code must come first, the others must follow
# among the candidates; no codes: nothing may match.
PLACES: list[tuple[str, tuple[str, ...]]] = [
    # Chinese, full and short names, qualified by the units above
    ("武汉", ("420100",)),
    ("武汉市", ("420100",)),
    ("湖北武汉", ("420100",)),
    ("湖北省武汉市", ("420100",)),
    ("湖北省武汉市江岸区", ("420102",)),
    ("北京朝阳", ("110105",)),
    ("长春朝阳区", ("220104",)),
    ("上海浦东", ("310115",)),
    ("浦东新区", ("310115",)),
    ("浦东，上海", ("310115",)),
    ("深圳", ("440300",)),
    ("广州", ("440100",)),
    ("杭州", ("330100",)),
    ("重庆", ("500000",)),
    ("内蒙古", ("150000",)),
    ("广西", ("450000",)),
    ("新疆乌鲁木齐", ("650100",)),
    ("香港", ("810000",)),
    ("澳门", ("820000",)),
    ("恩施", ("422800", "422801")),
    ("仙桃", ("429004",)),
    ("西安", ("610100",)),
    ("拉萨", ("540100",)),
    ("防城港", ("450600",)),  # a city ending in 港 is no port
    ("连云港", ("320700",)),
    # pinyin: spaces or none, any case, tone marks, the Chinese suffix spelled out
    ("Wuhan", ("420100",)),
    ("wu han", ("420100",)),
    ("WUHAN", ("420100",)),
    ("wuhanshi", ("420100",)),
    ("Wǔhàn", ("420100",)),
    ("wu3 han4", ("420100",)),
    ("Beijing", ("110000",)),
    ("bei jing", ("110000",)),
    ("Shanghai", ("310000",)),
    ("Guangzhou", ("440100",)),
    ("shen zhen", ("440300",)),
    ("Chongqing", ("500000",)),
    ("Chengdu", ("510100",)),
    ("Hangzhou", ("330100",)),
    ("Nanjing", ("320100",)),
    ("Xi'an", ("610100",)),
    ("xian", ("610100",)),
    ("Changsha", ("430100",)),
    ("Zhengzhou", ("410100",)),
    ("Xiamen", ("350200",)),
    ("Qingdao", ("370200",)),
    ("Dongguan", ("441900",)),
    ("Lu'an", ("341500",)),  # 六 read lù here
    ("Changzhi", ("140400",)),  # 长 read cháng
    ("Minhang", ("310112",)),  # 行 read háng
    ("Jiangan Qu", ("420102",)),
    ("Hubei Wuhan", ("420100",)),
    ("Beijing Chaoyang", ("110105",)),
    ("Chaoyang, Beijing", ("110105",)),
    ("Chaoyang Qu Beijing Shi", ("110105",)),
    ("Hubei Wuhan Jiang'an", ("420102",)),
    ("Guangdong Shenzhen Nanshan", ("440305",)),
    ("Tianjin Binhai", ("120116",)),
    ("Lüliang", ("141100",)),
    ("Lvliang", ("141100",)),
    ("Xinjiang", ("650000",)),
    ("Xizang", ("540000",)),
    # ambiguous: every candidate, the higher level first
    ("Chaoyang", ("211300", "110105", "220104")),
    ("Jilin", ("220000", "220200")),
    ("Suzhou", ("320500", "341300")),
    ("Taizhou", ("321200", "331000")),
    ("Fuzhou", ("350100", "361000")),
    ("Shanxi", ("140000", "610000")),  # 山西 and 陕西 read alike
    # English: type words, official English names, word order
    ("Pudong, Shanghai", ("310115",)),
    ("Shanghai Pudong New Area", ("310115",)),
    ("Pudong New Area", ("310115",)),
    ("Binhai New Area", ("120116",)),
    ("Jiang'an District", ("420102",)),
    ("Wuhan Jiang'an District, Hubei", ("420102",)),
    ("Nanshan District, Shenzhen", ("440305",)),
    ("Haidian District", ("110108",)),
    ("Changning District", ("310105",)),
    ("Chaoyang District", ("110105", "220104", "211300")),
    ("Hubei Province", ("420000",)),
    ("Jilin City", ("220200", "220000")),
    ("Xiantao City", ("429004",)),
    ("Shennongjia Forestry District", ("429021",)),
    ("Enshi Tujia and Miao Autonomous Prefecture", ("422800",)),
    ("Guangxi Zhuang Autonomous Region", ("450000",)),
    ("Inner Mongolia", ("150000",)),
    ("Tibet", ("540000",)),
    ("Hong Kong SAR", ("810000",)),
    ("Macau", ("820000",)),
    ("Macao", ("820000",)),
    ("Shaanxi", ("610000",)),
    ("Harbin", ("230100",)),
    ("Urumqi", ("650100",)),
    ("Hohhot", ("150100",)),
    ("Lhasa", ("540100",)),
    ("Wuhan, China", ("420100",)),
    ("Wuhan University", ("420100",)),
    ("Nanjing Road, Shanghai", ("310000", "320100")),
    # stations, airports, ports: their city
    ("南京南站", ("320100",)),
    ("北京西站", ("110000",)),
    ("上海虹桥站", ("310000",)),
    ("上海站", ("310000",)),
    ("广州南站", ("440100",)),
    ("杭州东站", ("330100",)),
    ("郑州东站", ("410100",)),
    ("成都东站", ("510100",)),
    ("武汉站", ("420100",)),
    ("汉口站", ("420100",)),
    ("虹桥机场", ("310000",)),
    ("浦东机场", ("310000",)),
    ("首都机场", ("110000",)),
    ("北京首都国际机场", ("110000",)),
    ("北京大兴国际机场", ("110000",)),
    ("广州白云国际机场", ("440100",)),  # not 白云区: the airport lies mostly in 花都区
    ("成都双流国际机场", ("510100",)),
    ("武汉天河国际机场", ("420100",)),  # not Guangzhou's 天河区
    ("重庆江北国际机场", ("500000",)),
    ("西安咸阳国际机场", ("610400",)),  # it lies in 咸阳
    ("天津港", ("120000",)),
    ("宁波港", ("330200",)),
    ("深圳湾口岸", ("440300",)),
    ("皇岗口岸", ("440300",)),
    ("拱北口岸", ("440400",)),
    ("虹桥", ("310000",)),
    ("Shanghai Hongqiao Airport", ("310000",)),
    ("Shanghai Hongqiao Railway Station", ("310000",)),
    ("Nanjing South Railway Station", ("320100",)),
    ("Beijing West Railway Station", ("110000",)),
    ("Beijing Capital International Airport", ("110000",)),
    ("Guangzhou Baiyun International Airport", ("440100",)),
    ("Wuhan Tianhe Airport", ("420100",)),
    ("Hankou Railway Station", ("420100",)),
    ("Chengdu East Station", ("510100",)),
    ("Pudong Airport", ("310000",)),
    ("Hong Kong International Airport", ("810000",)),
    ("Tianjin Port", ("120000",)),
    ("Shenzhen Bay Port", ("440300",)),
    ("Shanghai Hongqiao", ("310000",)),
    # one typo in a longer name
    ("Shenzen", ("440300",)),
    ("Guangzou", ("440100",)),
    ("Hangzhuo", ("330100",)),
    ("Chongqin", ("500000",)),
    ("Shangahi", ("310000",)),
    ("Zhengzou", ("410100",)),
    ("Urumqui", ("650100",)),
    # hard: old spellings, a typo inside a longer text (counted in the share, may miss)
    ("Canton", ("440100",)),
    ("Peking", ("110000",)),
    ("Urumchi", ("650100",)),
    ("Beijing Chaoyng", ("110105",)),
    # no place in China: nothing
    ("London", ()),
    ("New York", ()),
    ("Berlin", ()),
    ("Tokyo", ()),
    ("Paris", ()),
    ("Singapore", ()),
    ("Kuala Lumpur", ()),
    ("hello world", ()),
    ("a remote ranch", ()),
    ("asdf", ()),
    ("12345", ()),
    ("😷", ()),
    ("", ()),
    ("上海朝阳区", ()),  # no 朝阳区 in Shanghai
    ("不存在的地方xyz", ()),
    ("南站", ()),
    ("airport", ()),
]
MUST_MATCH = [(text, codes) for text, codes in PLACES if codes]
SHARE_FLOOR = 0.95


def found_as_expected(text: str, codes: tuple[str, ...]) -> bool:
    found = [region.code for region in match_place(text, limit=8)]
    if not codes:
        return not found
    return bool(found) and found[0] == codes[0] and set(codes) <= set(found)


def test_the_table_is_large_and_its_codes_real() -> None:
    assert len(PLACES) >= 100
    assert len({text for text, _ in PLACES}) == len(PLACES)
    for _, codes in PLACES:
        assert all(regions.get(code) is not None for code in codes), codes


def test_share_matched(capsys: pytest.CaptureFixture[str]) -> None:
    missed = [text for text, codes in MUST_MATCH if not found_as_expected(text, codes)]
    share = 1 - len(missed) / len(MUST_MATCH)
    with capsys.disabled():
        print(f"\nplaces matched: {share:.1%} of {len(MUST_MATCH)}; missed: {missed}")
    assert share >= SHARE_FLOOR, missed


@pytest.mark.parametrize(("text", "codes"), [(t, c) for t, c in PLACES if not c])
def test_no_place_matches_nothing(text: str, codes: tuple[str, ...]) -> None:
    assert match_place(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Wuhan",
        "南京南站",
        "Shanghai Hongqiao Airport",
        "Chaoyang",
        "Beijing Chaoyang",
        "Pudong, Shanghai",
    ],
)
def test_what_the_issue_names(text: str) -> None:
    expected = dict(PLACES)[text]
    assert found_as_expected(text, expected), [r.code for r in match_place(text)]


def test_every_division_is_found_by_its_own_english_name() -> None:
    # The names shown on English buttons lead back to their division.
    pending = regions.provinces()
    missed = []
    while pending:
        region = pending.pop()
        pending.extend(regions.children(region.code))
        english = place_names.english_full_name(region.code)
        if region.code not in {r.code for r in match_place(english, limit=50)}:
            missed.append((region.code, english))
    assert missed == []


def test_every_hub_leads_to_a_city_and_by_its_own_name() -> None:
    for hub in transport_hubs.HUBS:
        city = regions.get(hub.city)
        assert city is not None
        municipality = {r.level for r in regions.children(hub.city)} == {regions.Level.DISTRICT}
        assert city.level is regions.Level.CITY or municipality, hub
        ending = "机场" if transport_hubs.HubKind.AIRPORT in hub.kinds else "站"
        ending = "口岸" if transport_hubs.HubKind.PORT in hub.kinds else ending
        assert [r.code for r in match_place(hub.landmark + ending)] == [hub.city], hub


def test_limit_and_oversized_text() -> None:
    assert len(match_place("Chaoyang", limit=2)) == 2
    assert match_place("Chaoyang", limit=0) == []
    assert match_place("Wuhan " * (MAX_TEXT_CHARS // 6 + 1)) == []
    assert match_place("an" * 40) == []


def test_cli_prints_codes_and_full_names_best_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["region", "match", "Chaoyang"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["211300\t辽宁省朝阳市", "110105\t北京市朝阳区"]
    assert "220104\t吉林省长春市朝阳区" in lines
    assert main(["region", "match", "Beijing", "Chaoyang"]) == 0  # words need no quotes
    assert capsys.readouterr().out == "110105\t北京市朝阳区\n"


def test_cli_prints_nothing_when_nothing_matches() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "region", "match", "London"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
