"""The risk-area list in the database: replacing it, the load report, the re-screen it
triggers, who may load, and `python -m bot risk load|show`."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings
from bot.wiring import followup_config
from domain.declarations import (
    Declaration,
    DeclarationStatus,
    DomesticOrigin,
    RiskLevel,
)
from domain.org import Language
from domain.policy import Category
from domain.risk_areas import RiskArea, RiskList
from services import declarations, risk
from storage import Repositories
from tests.storage.conftest import NOW
from texts.i18n import Translator
from texts.risk import report_text

CONFIG = followup_config(Settings.model_validate({"admins": {"telegram_ids": [9]}}))
JIANGHAN, WUHAN, CHAOYANG = "420103", "420100", "110105"
CHANGE = declarations.Reclassified(
    7, "张三", "东关村", Category.HOME_HEALTH_MONITORING, Category.HOME_QUARANTINE, False, 13, 2
)


def area(code: str, level: RiskLevel = RiskLevel.HIGH, start: date = date(2026, 2, 20)) -> RiskArea:
    return RiskArea(code, level, start, None, f"name {code}")


async def test_replace_makes_the_new_list_whole_and_returns_the_old(repos: Repositories) -> None:
    assert await repos.risk_areas.all() == []
    assert await repos.risk_areas.loaded() is None
    first = [area(JIANGHAN), RiskArea(WUHAN, RiskLevel.MID, date(2026, 2, 1), date(2026, 2, 28))]
    assert await repos.risk_areas.replace(first, by=9, now=NOW) == []
    assert await repos.risk_areas.all() == sorted(first, key=lambda a: a.region_code)
    later = NOW + timedelta(hours=1)
    assert await repos.risk_areas.replace([area(CHAOYANG)], by=None, now=later) == sorted(
        first, key=lambda a: a.region_code
    )
    assert await repos.risk_areas.all() == [area(CHAOYANG)]
    stamp = await repos.risk_areas.loaded()
    assert stamp is not None
    assert (stamp.at, stamp.by) == (later, None)
    current = await repos.risk_areas.current()
    assert current.facts([], date(2026, 3, 1), 14).level is RiskLevel.LOW
    assert current.areas == (area(CHAOYANG),)


async def test_a_large_list_is_stored_in_chunks(repos: Repositories) -> None:
    codes = [c for c in ("110101", "110102", "110105", "110106", "110107", "110108")]
    many = [
        RiskArea(codes[i % len(codes)], RiskLevel.MID, date(2020, 1, 1) + timedelta(days=i))
        for i in range(1200)
    ]
    await repos.risk_areas.replace(many, by=None, now=NOW)
    assert await repos.risk_areas.count() == 1200


async def test_load_reports_what_changed_and_audits(org: Repositories) -> None:
    repos = org
    await risk.load(repos, CONFIG, [area(JIANGHAN), area(WUHAN, RiskLevel.MID)], by=None, now=NOW)
    report = await risk.load(
        repos,
        CONFIG,
        [area(JIANGHAN), area(WUHAN, RiskLevel.HIGH), area(CHAOYANG)],
        by=1001,  # the office's supervisor
        now=NOW,
    )
    assert (report.total, report.unchanged) == (3, 1)
    assert [a.region_code for a in report.added] == [CHAOYANG]
    assert [(a.region_code, a.level) for a in report.changed] == [(WUHAN, RiskLevel.HIGH)]
    assert report.removed == ()
    report = await risk.load(repos, CONFIG, [], by=9, now=NOW, confirmed=True)
    assert sorted(a.region_code for a in report.removed) == [CHAOYANG, WUHAN, JIANGHAN]
    entries = [e for e in await repos.audit.recent() if e.action == risk.ACTION]
    assert [(e.actor_id, e.allowed) for e in entries] == [(9, True), (1001, True), (None, True)]
    assert entries[0].detail is not None
    assert entries[0].detail.startswith("added=0 removed=3 changed=0 unchanged=0; rescreen")


async def test_a_list_lifting_most_areas_is_loaded_only_when_confirmed(
    org: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    repos = org
    await risk.load(repos, CONFIG, [area(JIANGHAN), area(WUHAN), area(CHAOYANG)], by=None, now=NOW)
    before = await repos.risk_areas.all()
    audited = len(await repos.audit.recent())
    screened: list[RiskList] = []
    real = risk.rescreen

    async def counting(
        repos: Repositories,
        config: declarations.FollowupConfig,
        risk_list: RiskList,
        *,
        now: datetime,
    ) -> declarations.RescreenReport:
        screened.append(risk_list)
        return await real(repos, config, risk_list, now=now)

    monkeypatch.setattr(risk, "rescreen", counting)
    for areas, key, params in (
        ([], "risk-confirm-empty", {"lifted": 3, "listed": 3}),
        ([area(WUHAN), area("110108")], "risk-confirm-lifts", {"lifted": 2, "listed": 3}),
    ):
        with pytest.raises(risk.RiskLoadUnconfirmed) as asked:
            await risk.load(repos, CONFIG, areas, by=1001, now=NOW)
        assert (asked.value.key, asked.value.params) == (key, params)
    assert await repos.risk_areas.all() == before
    assert len(await repos.audit.recent()) == audited
    assert screened == []
    # Rights come first: someone not allowed is refused and audited, not asked.
    with pytest.raises(risk.RiskLoadRefused):
        await risk.load(repos, CONFIG, [], by=1003, now=NOW, confirmed=True)
    assert await repos.risk_areas.all() == before
    report = await risk.load(repos, CONFIG, [area(WUHAN)], by=1001, now=NOW, confirmed=True)
    assert sorted(a.region_code for a in report.removed) == [CHAOYANG, JIANGHAN]
    assert await repos.risk_areas.all() == [area(WUHAN)]
    entry = (await repos.audit.recent())[0]
    assert (entry.actor_id, entry.allowed) == (1001, True)
    assert entry.detail is not None
    assert entry.detail.endswith("; confirmed: lifts 2 of 3")
    await risk.load(repos, CONFIG, [area(WUHAN), area(CHAOYANG)], by=1001, now=NOW)
    # Lifting exactly half (1 of 2) needs no confirmation.
    await risk.load(repos, CONFIG, [area(JIANGHAN), area(CHAOYANG)], by=1001, now=NOW)
    assert len(screened) == 3


async def test_only_admins_and_office_supervisors_may_load(org: Repositories) -> None:
    repos = org
    # 1002 is the village's liaison and the township's deputy; 1003 is nobody.
    for person in (1002, 1003):
        with pytest.raises(risk.RiskLoadRefused) as refused:
            await risk.load(repos, CONFIG, [area(JIANGHAN)], by=person, now=NOW)
        assert refused.value.key == "risk-load-not-allowed"
    assert await repos.risk_areas.all() == []
    refusals = [e for e in await repos.audit.recent() if e.action == risk.ACTION]
    assert [(e.actor_id, e.allowed, e.detail) for e in refusals] == [
        (1003, False, "risk-load-not-allowed"),
        (1002, False, "risk-load-not-allowed"),
    ]
    await risk.load(repos, CONFIG, [area(JIANGHAN)], by=9, now=NOW)  # admin, no role at all
    assert len(await repos.risk_areas.all()) == 1


async def test_load_calls_the_rescreen_with_the_new_list(
    org: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[tuple[RiskArea, ...], datetime]] = []

    async def fake(
        repos: Repositories,
        config: declarations.FollowupConfig,
        risk_list: RiskList,
        *,
        now: datetime,
    ) -> declarations.RescreenReport:
        seen.append((risk_list.areas, now))
        return declarations.RescreenReport(5, 2, (CHANGE,), ())

    monkeypatch.setattr(risk, "rescreen", fake)
    report = await risk.load(org, CONFIG, [area(JIANGHAN)], by=None, now=NOW)
    assert seen == [((area(JIANGHAN),), NOW)]
    assert report.rescreen.reclassifications == (CHANGE,)


def wuhan_returnee(district: str) -> Declaration:
    return Declaration(
        status=DeclarationStatus.RETURNED,
        origin=DomesticOrigin(region_codes=("420000", WUHAN, district)),
        arrival=datetime(2026, 2, 27, 10, 0),
        attested=True,
        name="张三",
        phone="13800000000",
    )


async def test_a_load_reclassifies_an_earlier_declaration(org: Repositories) -> None:
    repos = org
    submitted = await declarations.DeclarationService(CONFIG).submit(
        repos,
        wuhan_returnee(JIANGHAN),
        unit_code="dongguan",
        filed_by=1002,  # the village's liaison, for a resident without the messenger
        resident_id=None,
        now=NOW,
    )
    assert submitted.facts.level is RiskLevel.LOW
    report = await risk.load(repos, CONFIG, [area(JIANGHAN)], by=None, now=NOW)
    assert (report.rescreen.screened, report.rescreen.changed, report.rescreen.reclassified) == (
        1,
        1,
        1,
    )
    # The report names the resident and the unit, and the categories as the catalogs do.
    [change] = report.rescreen.reclassifications
    assert (change.declaration_id, change.resident_name, change.unit_name) == (
        submitted.declaration_id,
        "张三",
        "东关村",
    )
    assert (change.previous, change.category) == (
        Category.REGISTRATION_ONLY,
        Category.CENTRALISED_QUARANTINE,
    )
    chinese = report_text(Translator(Language.ZH_CN), report)
    assert (
        f"张三（东关村，报备第 {submitted.declaration_id} 号）：仅登记 → <b>集中隔离</b>" in chinese
    )
    assert "registration_only" not in chinese
    assert "dongguan" not in chinese
    english = report_text(Translator(Language.EN), report)
    assert "registration only → <b>centralised quarantine</b>" in english
    again = await risk.load(repos, CONFIG, [area(JIANGHAN)], by=None, now=NOW)
    assert (again.rescreen.changed, again.rescreen.reclassified) == (0, 0)
    assert again.unchanged == 1
    stored = await repos.declarations.many([submitted.declaration_id])
    assert (
        stored[submitted.declaration_id].classification.category is Category.CENTRALISED_QUARANTINE
    )


# --- The command line ------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("BOT_CONFIG", raising=False)
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    return tmp_path


def test_cli_loads_shows_and_refuses_a_bad_file(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = env / "list.csv"
    good.write_text(
        "\ufeff地区,风险等级,生效日期,截止日期\n北京市朝阳区,高,2020-01-01,\n湖北武汉,中,2020-01-02,2099-12-31\n",
        encoding="utf-8",
    )
    assert main(["risk", "load", str(good)]) == 0
    out = capsys.readouterr().out
    assert "The list is updated: 2 entries (2 added, 0 lifted, 0 changed, 0 unchanged)." in out
    assert "added 北京市朝阳区 (110105) high risk, from 2020-01-01" in out
    assert "added 湖北省武汉市 (420100) mid risk, 2020-01-02 to 2099-12-31" in out
    assert "Re-screening: 0 declarations" in out

    assert main(["risk", "show"]) == 0
    out = capsys.readouterr().out
    assert "High/mid-risk areas (" in out
    assert "1 high-risk, 1 mid-risk" in out
    assert "· 北京市朝阳区 (110105), from 2020-01-01" in out
    assert "<b>" not in out

    bad = env / "bad.csv"
    bad.write_text("region,level,effective_from\n朝阳区,high,2020-01-01\n110105,低,x\n", "utf-8")
    assert main(["risk", "load", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "nothing was loaded" in captured.err
    assert "Line 2: “朝阳区” fits more than one region" in captured.err
    assert "Line 3: Low-risk areas are not listed" in captured.err
    assert "Line 3: Date “x” (effective_from) is not valid" in captured.err
    assert main(["risk", "show"]) == 0  # still the good list
    assert "1 high-risk, 1 mid-risk" in capsys.readouterr().out

    missing = env / "missing.csv"
    assert main(["risk", "load", str(missing)]) == 2
    assert "No such file" in capsys.readouterr().err


def test_cli_asks_for_yes_before_lifting_most_areas(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    header = "region,level,effective_from\n"
    listed = env / "list.csv"
    listed.write_text(
        header + "110105,high,2020-01-01\n110108,mid,2020-01-01\n420100,mid,2020-01-01\n"
    )
    assert main(["risk", "load", str(listed)]) == 0
    capsys.readouterr()

    empty = env / "empty.csv"
    empty.write_text(header, encoding="utf-8")
    assert main(["risk", "load", str(empty)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{empty}: nothing was loaded" in captured.err
    assert "This list is empty: loading it lifts every area listed now (3)" in captured.err
    assert "run the command again with --yes" in captured.err
    short = env / "short.csv"
    short.write_text(header + "110105,high,2020-01-01\n", encoding="utf-8")
    assert main(["risk", "load", str(short)]) == 2
    assert "This list lifts 2 of the 3 areas listed now" in capsys.readouterr().err
    assert main(["risk", "show"]) == 0
    assert "1 high-risk, 2 mid-risk" in capsys.readouterr().out  # unchanged

    assert main(["risk", "load", str(short), "--yes"]) == 0
    assert "1 entry (0 added, 2 lifted, 0 changed, 1 unchanged)" in capsys.readouterr().out
    assert main(["risk", "load", "--yes", str(empty)]) == 0
    assert "0 entries (0 added, 1 lifted" in capsys.readouterr().out
    assert main(["risk", "show"]) == 0
    assert "no area is listed" in capsys.readouterr().out
