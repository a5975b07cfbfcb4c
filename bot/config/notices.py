"""The [notices] section: the templates a /notice can start from.

Templates are configuration so that an office can word them as its own county does; the
defaults are the topics of the prevention brief. Each has both languages, so recipients read
it in theirs, and may name `{unit}`, filled with the recipient's unit."""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from bot.config.base import Section
from domain.org import Language

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


class NoticeTemplate(Section):
    key: str
    title_zh_CN: str = Field(min_length=1, max_length=40)
    title_en: str = Field(min_length=1, max_length=40)
    text_zh_CN: str = Field(min_length=1, max_length=3000)
    text_en: str = Field(min_length=1, max_length=3000)

    def title(self, language: Language) -> str:
        return self.title_zh_CN if language is Language.ZH_CN else self.title_en

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        # The key travels in callback data (64 bytes in all): short and plain.
        if not _KEY.match(value):
            raise ValueError("1-24 characters of a-z, 0-9 and '_', starting with a letter")
        return value

    @model_validator(mode="after")
    def _placeholders(self) -> NoticeTemplate:
        for text in (self.text_zh_CN, self.text_en):
            names = set(re.findall(r"{([^{}]*)}", text))
            if names - {"unit"}:
                unknown = ", ".join(sorted(names - {"unit"}))
                raise ValueError(f"template {self.key!r}: only {{unit}} may be used, not {unknown}")
        return self


DEFAULT_TEMPLATES: tuple[dict[str, str], ...] = (
    {
        "key": "masks",
        "title_zh_CN": "戴口罩、勤洗手",
        "title_en": "Masks and hand hygiene",
        "text_zh_CN": "【{unit}防控提示】进入公共场所请全程规范佩戴口罩，勤洗手、常通风，"
        "保持一米以上社交距离。",
        "text_en": "[{unit} prevention notice] Wear a mask properly in every public place, "
        "wash your hands often, air rooms regularly and keep a metre apart.",
    },
    {
        "key": "gatherings",
        "title_zh_CN": "减少聚集",
        "title_en": "Avoid gatherings",
        "text_zh_CN": "【{unit}防控提示】非必要不聚集、不聚餐，减少走亲访友，"
        "确需举办的活动请提前向村（社区）报备。",
        "text_en": "[{unit} prevention notice] Avoid gatherings and shared meals unless "
        "necessary, and limit visits; report any event that must take place to your village "
        "or community first.",
    },
    {
        "key": "weddings",
        "title_zh_CN": "喜事缓办、丧事简办",
        "title_en": "Weddings postponed, funerals simple",
        "text_zh_CN": "【{unit}防控提示】提倡喜事缓办、丧事简办、宴会不办，"
        "确需办理的须控制规模并向村（社区）报备。",
        "text_en": "[{unit} prevention notice] Please postpone weddings, keep funerals "
        "simple and hold no banquets; anything that must take place is kept small and "
        "reported to your village or community.",
    },
    {
        "key": "travel",
        "title_zh_CN": "非必要不前往风险地区",
        "title_en": "No non-essential travel to risk areas",
        "text_zh_CN": "【{unit}防控提示】非必要不前往中高风险地区，"
        "确需前往的请提前向村（社区）报告，返回后及时报备。",
        "text_en": "[{unit} prevention notice] Do not travel to medium- or high-risk areas "
        "unless necessary; tell your village or community before you go and declare when "
        "you return.",
    },
    {
        "key": "fever",
        "title_zh_CN": "有症状到发热门诊",
        "title_en": "Symptoms: go to a fever clinic",
        "text_zh_CN": "【{unit}防控提示】如出现发热、干咳、乏力、咽痛、嗅（味）觉减退等症状，"
        "请做好防护，及时到就近发热门诊就诊，不要自行用药。",
        "text_en": "[{unit} prevention notice] With fever, a dry cough, fatigue, a sore "
        "throat or a loss of smell or taste, wear a mask and go to the nearest fever clinic; "
        "do not treat yourself.",
    },
    {
        "key": "declare",
        "title_zh_CN": "返乡主动报备",
        "title_en": "Declare on return",
        "text_zh_CN": "【{unit}防控提示】从外地返回的人员，请于抵达后12小时内向村（社区）主动报备，"
        "可在本机器人中发送 /declare 完成报备。",
        "text_en": "[{unit} prevention notice] Anyone returning from elsewhere declares to "
        "their village or community within 12 hours of arrival: send /declare to this bot.",
    },
    {
        "key": "coldchain",
        "title_zh_CN": "进口冷链食品",
        "title_en": "Cold-chain food",
        "text_zh_CN": "【{unit}防控提示】购买进口冷链食品请选择正规渠道，查验检疫和核酸检测证明，"
        "处理时戴手套，生熟分开，烧熟煮透。",
        "text_en": "[{unit} prevention notice] Buy imported cold-chain food through "
        "regular channels with its inspection and test certificates; wear gloves handling "
        "it, keep raw and cooked apart and cook it through.",
    },
    {
        "key": "vaccination",
        "title_zh_CN": "疫苗接种",
        "title_en": "Vaccination drive",
        "text_zh_CN": "【{unit}防控提示】新冠疫苗接种正在进行，符合条件的居民请携带身份证"
        "到指定接种点接种，行动不便者可联系村（社区）安排。",
        "text_en": "[{unit} prevention notice] The vaccination drive is on: eligible "
        "residents bring their ID card to the vaccination point; anyone who cannot get there "
        "asks their village or community for help.",
    },
)


def _default_templates() -> list[NoticeTemplate]:
    return [NoticeTemplate.model_validate(template) for template in DEFAULT_TEMPLATES]


class NoticesSettings(Section):
    # The templates /notice offers, in this order; giving the list replaces the defaults.
    templates: list[NoticeTemplate] = Field(default_factory=_default_templates, max_length=30)

    @field_validator("templates")
    @classmethod
    def _unique(cls, value: list[NoticeTemplate]) -> list[NoticeTemplate]:
        keys = [template.key for template in value]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"template keys given twice: {', '.join(twice)}")
        return value

    def template(self, key: str) -> NoticeTemplate | None:
        return next((t for t in self.templates if t.key == key), None)

    def texts(self) -> dict[str, dict[Language, str]]:
        """Template key -> language -> text: texts.notice_render.NoticeTemplates."""
        return {
            t.key: {Language.ZH_CN: t.text_zh_CN, Language.EN: t.text_en} for t in self.templates
        }
