"""Command line: `python -m bot run | db upgrade | org load FILE | policy explain FILE.json |
risk load FILE [--yes] | risk show | region match TEXT | audit | export KIND | check-config |
sandbox`."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot import audit_cli, export_cli, privacy_cli
from bot.clock import SystemClock
from bot.config import ConfigError, Settings, load_settings
from bot.keys import check_database_keys, install_keys, seal_legacy_values
from bot.logsafety import protect_logs
from bot.wiring import followup_config
from domain.declaration_dialog import MATCH_LIMIT
from domain.declaration_json import DeclarationError, declaration_from_dict, risk_facts_from_dict
from domain.org import Language
from domain.orgfile import OrgFileError
from domain.place_match import match_place
from domain.policy import explain
from domain.regions import full_name
from domain.risk_areas import RiskArea
from domain.risk_csv import ParsedList, decode_csv, parse_csv
from services.org import load_org_file
from services.risk import LoadReport, RiskLoadUnconfirmed
from services.risk import load as load_risk_list
from storage import Database, Repositories
from storage.crypto import KeyRingError
from storage.migrate import is_current, upgrade
from texts.i18n import Translator

logger = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Epidemic-prevention reporting bot for Telegram groups."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the bot (long polling, or a webhook if configured)")
    _config_option(run)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_upgrade = db_commands.add_parser("upgrade", help="apply Alembic migrations up to the latest")
    _config_option(db_upgrade)

    org = commands.add_parser("org", help="organisation tree")
    org_commands = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    org_load = org_commands.add_parser(
        "load", help="load (insert or update) units, members and groups from a TOML file"
    )
    org_load.add_argument("file", type=Path, help="organisation file, see README")
    _config_option(org_load)

    policy = commands.add_parser("policy", help="classification of declarations")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    policy_explain = policy_commands.add_parser(
        "explain", help="show which rule fires for a declaration (JSON file) and why"
    )
    policy_explain.add_argument(
        "file",
        type=Path,
        help='JSON object {"declaration": {...}, "facts": {"level": ..., "city_has_cases": ...}}',
    )
    _config_option(policy_explain)

    risk = commands.add_parser("risk", help="the high/mid-risk area list")
    risk_commands = risk.add_subparsers(dest="risk_command", required=True, metavar="ACTION")
    risk_load = risk_commands.add_parser(
        "load", help="replace the list with a CSV file and re-screen the declarations"
    )
    risk_load.add_argument(
        "file", type=Path, help="CSV: region,level,effective_from,effective_to (see README)"
    )
    risk_load.add_argument(
        "--yes",
        action="store_true",
        help="load even a list that is empty or lifts more than half of the listed areas",
    )
    _config_option(risk_load)
    risk_show = risk_commands.add_parser("show", help="print the list in effect today")
    _config_option(risk_show)

    region = commands.add_parser("region", help="China's administrative divisions")
    region_commands = region.add_subparsers(dest="region_command", required=True, metavar="ACTION")
    region_match = region_commands.add_parser(
        "match",
        help="print the divisions a typed place may be (CODE<TAB>full name), best first",
    )
    region_match.add_argument(
        "text", nargs="+", help="the place, in Chinese, pinyin or English (words are joined)"
    )

    audit_cli.add_parser(commands)
    export_cli.add_parser(commands)

    privacy_cli.add_commands(commands, _config_option)

    check = commands.add_parser("check-config", help="validate a configuration file and exit")
    check.add_argument("path", nargs="?", type=Path, help="file to check (default: BOT_CONFIG)")

    sandbox = commands.add_parser(
        "sandbox", help="run the bot against the local Bot API emulator with a demo organisation"
    )
    sandbox.add_argument("--port", type=int, default=8080, help="emulator port (default 8080)")
    sandbox.add_argument("--reset", action="store_true", help="start from an empty demo database")
    sandbox.add_argument(
        "--time",
        metavar="YYYY-MM-DDTHH:MM",
        help="start the simulated clock at this local time (default: 09:00 on the coming "
        "working day, or where this database's clock had got to if that is later; it never "
        "goes back for a database: an earlier time needs --reset)",
    )
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="configuration file (default: BOT_CONFIG)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        # The demo's page shows every Bot API call; its terminal shows only what goes wrong.
        level=logging.WARNING if args.command == "sandbox" else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    protect_logs()
    try:
        if args.command == "check-config":
            return check_config(args.path)
        if args.command == "region":
            return print_region_matches(" ".join(args.text))
        if args.command == "sandbox":
            from sandbox.demo import run_demo

            return asyncio.run(run_demo(port=args.port, reset=args.reset, start_at=args.time))
        settings = load_settings(args.config)
        protect_logs(settings.secrets())
        if args.command in privacy_cli.COMMANDS:
            return privacy_cli.run(args, settings)
        # Every command below may read or write sealed personal fields.
        install_keys(settings)
        if args.command == "run":
            return run_bot(settings)
        if args.command == "policy":
            return explain_policy(settings, args.file)
        if args.command == "audit":
            return audit_cli.print_audit(settings, args)
        if args.command == "export":
            return export_cli.run(settings, args)
        if args.command == "risk":
            if args.risk_command == "show":
                return asyncio.run(show_risk_list(settings))
            return load_risk_file(settings, args.file, confirmed=args.yes)
        if args.command == "db":
            upgrade(settings.database.url)
            print("database is up to date")
            return 0
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as error:
            print(f"{args.file}: {error.strerror}", file=sys.stderr)
            return 2
        return asyncio.run(load_org(settings, args.file, text))
    except ConfigError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    except KeyRingError as error:
        print(f"key error: {error}", file=sys.stderr)
        return 2


def explain_policy(settings: Settings, file: Path) -> int:
    """Print which rule of the configured policy fires for the declaration in `file`."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        print(f"{file}: {error.strerror}", file=sys.stderr)
        return 2
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"{file}: not valid JSON: {error}", file=sys.stderr)
        return 2
    try:
        if not isinstance(data, dict) or "declaration" not in data:
            raise DeclarationError('the file must hold an object with a "declaration" key')
        unknown = sorted(set(data) - {"declaration", "facts"})
        if unknown:
            raise DeclarationError(f"{unknown[0]}: unknown key (expected declaration, facts)")
        declaration = declaration_from_dict(data["declaration"])
        facts = risk_facts_from_dict(data.get("facts", {}))
    except DeclarationError as error:
        print(f"{file}: invalid declaration: {error}", file=sys.stderr)
        return 2
    for line in explain(declaration, facts, settings.policy.to_policy()).lines():
        print(line)
    return 0


def print_region_matches(text: str) -> int:
    """The candidates for a typed place, one a line, best first, as many as the declaration
    dialog offers; nothing when there is none (admins use it to prepare risk lists)."""
    for region in match_place(text, limit=MATCH_LIMIT):
        print(f"{region.code}\t{full_name(region.code)}")
    return 0


def check_config(path: Path | None) -> int:
    settings = load_settings(path)
    print("configuration is valid")
    print(f"  telegram.mode = {settings.telegram.mode}")
    print(f"  database.url = {_redact(settings.database.url)}")
    print(f"  fsm.storage = {settings.fsm.storage}")
    print(f"  i18n.default_locale = {settings.i18n.default_locale.value}")
    print(f"  time.timezone = {settings.time.timezone}")
    print(f"  admins = {len(settings.admins.telegram_ids)}")
    try:
        settings.require_runnable()
    except ConfigError as error:
        print(f"note: not ready to run yet:\n{error}")
    return 0


def _redact(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":")[0]
        return f"{scheme}{sep}{user}:***@{host}"
    return url


def run_bot(settings: Settings) -> int:
    from bot.app import App

    settings.require_runnable()
    from texts.charts import ChartFontError, check_font

    try:  # charts with boxes for every Chinese character are worse than no start
        check_font()
    except ChartFontError as error:
        raise ConfigError(f"charts: {error}") from error
    if settings.database.auto_migrate and not is_current(settings.database.url):
        upgrade(settings.database.url)
    asyncio.run(_check_keys(settings))
    try:
        asyncio.run(App.build(settings).run())
    except KeyboardInterrupt:
        logger.info("stopped")
    except TelegramUnauthorizedError:
        logger.critical("Telegram refuses the bot's token: check BOT_TOKEN (telegram.token)")
        return 2
    except TelegramNetworkError as error:
        # Through logging rather than a bare traceback, so that the redaction applies.
        api = settings.telegram.api_base or "api.telegram.org"
        logger.critical("cannot reach the Bot API at %s: %s", api, error)
        return 1
    except Exception:
        logger.critical("the bot stopped on an unexpected error", exc_info=True)
        return 1
    return 0


async def _check_keys(settings: Settings) -> None:
    # Before anything starts: a missing key found by the first reminder would be too late.
    database = Database.connect(settings.database.url)
    try:
        await check_database_keys(database)
        await seal_legacy_values(database)
    finally:
        await database.dispose()


async def load_org(settings: Settings, file: Path, text: str) -> int:
    if settings.database.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database.url)
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            try:
                result = await load_org_file(
                    Repositories(session),
                    text,
                    now=SystemClock().now(),
                    progress=_terminal_progress(),
                )
            except OrgFileError as error:
                print(f"{file}: nothing was loaded:", file=sys.stderr)
                for problem in error.problems:
                    where = f"{file}:{problem.line}" if problem.line else str(file)
                    print(f"  {where}: {problem.message}", file=sys.stderr)
                return 1
            await session.commit()
    finally:
        await database.dispose()
    print(
        f"{file}: units {result.units_created} new, {result.units_updated} updated; "
        f"people {result.people_created} new, {result.people_updated} updated; "
        f"roles {result.roles_added} added; groups {result.groups_bound} bound"
    )
    return 0


def _terminal_progress() -> Callable[[str, int, int], None] | None:
    """How far a long load has got, on one line of the terminal (nothing when not a terminal,
    so that logs and scripts see only the result)."""
    if not sys.stderr.isatty():
        return None

    def show(what: str, done: int, of: int) -> None:
        end = "\n" if done >= of else ""
        print(f"\r  {what}: {done:,}/{of:,}", end=end, file=sys.stderr, flush=True)

    return show


def _plain(text: str) -> str:
    """A chat message (Telegram HTML) as terminal text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def load_risk_file(settings: Settings, file: Path, *, confirmed: bool = False) -> int:
    """Replace the risk-area list with the CSV `file`; exit status 2 and every problem for a
    bad file, nothing loaded. A list that is empty or lifts more than half of the listed
    areas exits with status 2 too unless `confirmed` (--yes)."""
    from texts.risk import problems_text, report_text

    tr = Translator(Language.EN)
    try:
        data = file.read_bytes()
    except OSError as error:
        print(f"{file}: {error.strerror}", file=sys.stderr)
        return 2
    decoded = decode_csv(data)
    parsed = parse_csv(decoded) if isinstance(decoded, str) else ParsedList(problems=(decoded,))
    if not parsed.ok:
        print(f"{file}: nothing was loaded", file=sys.stderr)
        print(_plain(problems_text(tr, parsed.problems, limit=None)), file=sys.stderr)
        return 2
    try:
        report = asyncio.run(_store_risk_list(settings, parsed.areas, confirmed=confirmed))
    except RiskLoadUnconfirmed as asked:
        print(
            f"{file}: nothing was loaded: {_plain(tr(asked.key, **asked.params))}", file=sys.stderr
        )
        print("If that is what you mean, run the command again with --yes.", file=sys.stderr)
        return 2
    print(_plain(report_text(tr, report)))
    return 0


async def _store_risk_list(
    settings: Settings, areas: Sequence[RiskArea], *, confirmed: bool
) -> LoadReport:
    if settings.database.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database.url)
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            report = await load_risk_list(
                Repositories(session),
                followup_config(settings),
                areas,
                by=None,
                now=SystemClock().now(),
                confirmed=confirmed,
            )
            await session.commit()
    finally:
        await database.dispose()
    return report


async def show_risk_list(settings: Settings) -> int:
    from texts.risk import list_text

    if settings.database.auto_migrate:
        await asyncio.to_thread(upgrade, settings.database.url)
    database = Database.connect(settings.database.url)
    try:
        async with database.session() as session:
            repos = Repositories(session)
            risk_list, stamp = await repos.risk_areas.current(), await repos.risk_areas.loaded()
    finally:
        await database.dispose()
    zone = settings.time.zone
    today = SystemClock().now().astimezone(zone).date()
    loaded = stamp.at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if stamp else None
    print(_plain(list_text(Translator(Language.EN), risk_list, today, loaded)))
    return 0
