"""The domain must stay free of Telegram and database libraries so its rules test without them."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "domain": {
        "aiogram",
        "sqlalchemy",
        "aiohttp",
        "asyncpg",
        "aiosqlite",
        "redis",
        "bot",
        "handlers",
        "storage",
        "services",
        "scheduler",
        "sandbox",
    },
    "storage": {"bot", "handlers", "services", "scheduler"},
    "services": {"aiogram", "bot", "handlers"},
}


def imported_packages(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down_only(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_only_the_fsm_storage_knows_aiogram() -> None:
    users = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "storage").rglob("*.py")
        if "aiogram" in imported_packages(path)
    }
    assert users <= {"storage/fsm.py"}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


COMPOSITION_ROOT = {"bot.app", "bot.cli", "bot.__main__"}


def test_only_the_composition_root_wires_handlers() -> None:
    """bot/ holds the composition root and the Telegram-side infrastructure handlers use
    (config, i18n, menus, messaging, retry); only the root may import handlers."""
    offenders = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "bot").rglob("*.py")
        if f"bot.{path.stem}" not in COMPOSITION_ROOT
        and any(name.split(".")[0] == "handlers" for name in imported_modules(path))
    }
    assert offenders == set()


def test_handlers_never_import_the_root_or_the_sandbox() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in imported_modules(path)
            if name in COMPOSITION_ROOT or name.split(".")[0] == "sandbox"
        )
        for path in (ROOT / "handlers").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
