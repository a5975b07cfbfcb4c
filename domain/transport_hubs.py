"""Railway stations, airports and ports as typed places: the words that name one, and the
hubs whose name does not say their city.

Most hubs are named after their city (南京南站, 天津港, 深圳湾口岸): the city is read from the
name itself (domain/place_match.py). `HUBS` lists only the major ones named after a district,
a town or a landmark instead (虹桥, 白云, 双流…), or after a city other than the one they lie
in (西安咸阳 lies in 咸阳). Each entry is the distinctive part of the hub's official name: the
airport's as the Civil Aviation Administration of China names it (e.g. 上海虹桥国际机场), the
station's as China Railway does (上海虹桥站, 汉口站), the port of entry's as the National
Immigration Administration does (皇岗口岸). The entries were typed from those official names.

A hub leads to the city it lies in (for a municipality, the municipality), never to its
district: several hubs straddle districts or even provinces (虹桥 airport: terminal 1 in 长宁区,
terminal 2 in 闵行区; 白云 airport: 白云区 and 花都区; 大兴 airport: Beijing and 河北廊坊), a
traveller passes through rather than stays, and a city-level place still tells the risk screening
that its city has a listed area (domain/risk_areas.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class HubKind(StrEnum):
    AIRPORT = "airport"
    STATION = "station"
    PORT = "port"


@dataclass(frozen=True, slots=True)
class Hub:
    landmark: str  # the part of the official name that is not the city: 虹桥
    kinds: frozenset[HubKind]
    city: str  # division code of the city it lies in
    english: str = ""  # the English name when it is a translation, not pinyin (首都 Capital)


_AIR, _RAIL, _PORT = (frozenset({kind}) for kind in HubKind)

HUBS: Final = (
    Hub("首都", _AIR, "110000", english="Capital"),  # 北京首都国际机场
    Hub("大兴", _AIR, "110000"),  # 北京大兴国际机场
    Hub("虹桥", frozenset({HubKind.AIRPORT, HubKind.STATION}), "310000"),  # 上海虹桥
    Hub("浦东", _AIR, "310000"),  # 上海浦东国际机场
    Hub("外高桥", _PORT, "310000"),  # 上海外高桥港
    Hub("滨海", _AIR, "120000"),  # 天津滨海国际机场
    Hub("江北", _AIR, "500000"),  # 重庆江北国际机场
    Hub("白云", _AIR, "440100"),  # 广州白云国际机场
    Hub("宝安", _AIR, "440300"),  # 深圳宝安国际机场
    Hub("皇岗", _PORT, "440300"),  # 皇岗口岸
    Hub("文锦渡", _PORT, "440300"),  # 文锦渡口岸
    Hub("蛇口", _PORT, "440300"),  # 蛇口港
    Hub("拱北", _PORT, "440400"),  # 拱北口岸 (珠海)
    Hub("横琴", _PORT, "440400"),  # 横琴口岸 (珠海)
    Hub("虎门", _RAIL, "441900"),  # 虎门站 (东莞)
    Hub("双流", _AIR, "510100"),  # 成都双流国际机场
    Hub("天府", _AIR, "510100"),  # 成都天府国际机场
    Hub("天河", _AIR, "420100"),  # 武汉天河国际机场
    Hub("汉口", _RAIL, "420100"),  # 汉口站
    Hub("萧山", _AIR, "330100"),  # 杭州萧山国际机场
    Hub("禄口", _AIR, "320100"),  # 南京禄口国际机场
    Hub("硕放", _AIR, "320200"),  # 苏南硕放国际机场 (无锡)
    Hub("栎社", _AIR, "330200"),  # 宁波栎社国际机场
    Hub("胶东", _AIR, "370200"),  # 青岛胶东国际机场
    Hub("遥墙", _AIR, "370100"),  # 济南遥墙国际机场
    Hub("高崎", _AIR, "350200"),  # 厦门高崎国际机场
    Hub("长乐", _AIR, "350100"),  # 福州长乐国际机场
    Hub("长水", _AIR, "530100"),  # 昆明长水国际机场
    Hub("黄花", _AIR, "430100"),  # 长沙黄花国际机场
    Hub("新郑", _AIR, "410100"),  # 郑州新郑国际机场
    Hub("桃仙", _AIR, "210100"),  # 沈阳桃仙国际机场
    Hub("周水子", _AIR, "210200"),  # 大连周水子国际机场
    Hub("太平", _AIR, "230100"),  # 哈尔滨太平国际机场
    Hub("龙嘉", _AIR, "220100"),  # 长春龙嘉国际机场
    Hub("西安咸阳", _AIR, "610400"),  # 西安咸阳国际机场, in 咸阳
    Hub("潮汕", _AIR, "445200"),  # 揭阳潮汕国际机场
    Hub("美兰", _AIR, "460100"),  # 海口美兰国际机场
    Hub("凤凰", _AIR, "460200"),  # 三亚凤凰国际机场
    Hub("龙洞堡", _AIR, "520100"),  # 贵阳龙洞堡国际机场
    Hub("吴圩", _AIR, "450100"),  # 南宁吴圩国际机场
    Hub("昌北", _AIR, "360100"),  # 南昌昌北国际机场
    Hub("新桥", _AIR, "340100"),  # 合肥新桥国际机场
    Hub("武宿", _AIR, "140100"),  # 太原武宿国际机场
    Hub("正定", _AIR, "130100"),  # 石家庄正定国际机场
    Hub("白塔", _AIR, "150100"),  # 呼和浩特白塔国际机场
    Hub("中川", _AIR, "620100"),  # 兰州中川国际机场
    Hub("河东", _AIR, "640100"),  # 银川河东国际机场
)

# Endings that make a typed Chinese place a hub, longest first.
CHINESE_ENDINGS: Final = (
    ("国际机场", HubKind.AIRPORT),
    ("机场", HubKind.AIRPORT),
    ("高铁站", HubKind.STATION),
    ("火车站", HubKind.STATION),
    ("动车站", HubKind.STATION),
    ("汽车站", HubKind.STATION),
    ("客运站", HubKind.STATION),
    ("站", HubKind.STATION),
    ("口岸", HubKind.PORT),
    ("港口", HubKind.PORT),
    ("码头", HubKind.PORT),
    ("港", HubKind.PORT),
)

# English words that make a typed place a hub, and the words that then only qualify it.
ENGLISH_WORDS: Final = {
    "airport": HubKind.AIRPORT,
    "station": HubKind.STATION,
    "railway": HubKind.STATION,
    "train": HubKind.STATION,
    "port": HubKind.PORT,
    "seaport": HubKind.PORT,
    "harbour": HubKind.PORT,
    "harbor": HubKind.PORT,
    "checkpoint": HubKind.PORT,
    "crossing": HubKind.PORT,
    "wharf": HubKind.PORT,
    "pier": HubKind.PORT,
}
ENGLISH_QUALIFIERS: Final = frozenset(
    {
        "international",
        "intl",
        "high",
        "speed",
        "hsr",
        "bus",
        "coach",
        "border",
        "ferry",
        "terminal",
        "east",
        "west",
        "south",
        "north",
    }
)


def chinese_hub(text: str) -> tuple[str, HubKind] | None:
    """The place before a hub ending and the kind of hub (南京南站 → 南京南, station), when what
    is left has at least two characters (香港 is no port of 香)."""
    for ending, kind in CHINESE_ENDINGS:
        if text.endswith(ending) and len(text) - len(ending) >= 2:
            return text[: -len(ending)], kind
    return None


def english_hub(words: list[str]) -> tuple[list[str], HubKind] | None:
    """The words that name the place and the kind of hub, when a word names one
    (Nanjing South Railway Station → [nanjing], station)."""
    kinds = [ENGLISH_WORDS[word] for word in words if word in ENGLISH_WORDS]
    if not kinds:
        return None
    place = [w for w in words if w not in ENGLISH_WORDS and w not in ENGLISH_QUALIFIERS]
    return place, kinds[0]
