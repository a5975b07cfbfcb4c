"""Imports point down only, with no cycles: the rules test without Telegram or a database.

    bot/        composition root: CLI, configuration, middlewares, the per-update context
    handlers/   aiogram routers
    texts/      presentation: catalogs, renderers, callback data and keyboards
    services/   application services
    scheduler/  the obligation clock and the calendar jobs
    outbox/     the sender of the bot's own messages (beside the scheduler)
    storage/    models, repositories, migrations
    domain/     pure rules

Imports are read from the source, function-level and `importlib.import_module("...")` ones
included, so an import hidden from the module's top cannot slip through.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "texts", "outbox", "scheduler", "services", "storage", "domain")
TOOLS = {"sandbox", "bench"}  # run the product; nothing of the product imports them
DRIVERS = {"aiogram", "sqlalchemy", "aiohttp", "asyncpg", "aiosqlite", "redis", "apscheduler"}
FORBIDDEN = {
    "domain": DRIVERS | set(PACKAGES[:-1]) | TOOLS,
    "storage": {"bot", "handlers", "texts", "outbox", "services", "scheduler"} | TOOLS,
    "scheduler": {"aiogram", "bot", "handlers", "texts", "outbox"} | TOOLS,
    "outbox": {"bot", "handlers", "texts", "scheduler"} | TOOLS,
    "services": {"aiogram", "bot", "handlers", "texts", "outbox", "scheduler"} | TOOLS,
    "texts": {"bot", "handlers"} | TOOLS,
    "handlers": TOOLS,
    "bot": TOOLS - {"sandbox"},  # the CLI starts the sandbox
}


def _imports(path: Path) -> Iterator[str]:
    """Every module name `path` imports: `import a.b`, `from a.b import c` (as a.b.c too,
    which may be a module), and `importlib.import_module("a.b")`."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value


def imported_packages(path: Path) -> set[str]:
    return {name.split(".")[0] for name in _imports(path)}


def imported_modules(path: Path) -> set[str]:
    return set(_imports(path))


def _modules() -> dict[str, Path]:
    found = {}
    for package in (*PACKAGES, *sorted(TOOLS)):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down_only(layer: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[layer])
        for path in (ROOT / layer).rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_every_package_has_its_rule() -> None:
    packages = {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in TOOLS | {"tests"}
    }
    assert packages == set(FORBIDDEN)


def test_a_dynamic_import_counts(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text('import importlib\nimportlib.import_module("handlers.risk")\n', "utf-8")
    assert "handlers" in imported_packages(path)


def _dependencies(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project's modules it imports. `from a import b` names the module a.b when
    there is one, else a; importing a submodule is not taken as importing its package."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_modules(path):
            if imported in modules:
                targets.add(imported)
        # `from a import b` yields both "a" and "a.b": keep "a" only when b is no module.
        # Judged against all the imports, not what is left: the order of a set must not matter.
        found = frozenset(targets)
        for imported in found:
            if any(other.startswith(imported + ".") for other in found):
                nested = {other for other in found if other.rpartition(".")[0] == imported}
                if nested and not _imports_names_from(path, imported, nested):
                    targets.discard(imported)
        targets.discard(name)
        graph[name] = targets
    return graph


def _imports_names_from(path: Path, package: str, submodules: set[str]) -> bool:
    """Whether `path` takes from `package` something other than the given submodules."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == package
            and node.level == 0
            and any(f"{package}.{alias.name}" not in submodules for alias in node.names)
        ):
            return True
        if isinstance(node, ast.Import) and any(a.name == package for a in node.names):
            return True
    return False


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_there_are_no_import_cycles() -> None:
    assert _cycles(_dependencies(_modules())) == []


def test_a_cycle_would_be_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_only_the_fsm_storage_knows_aiogram() -> None:
    users = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "storage").rglob("*.py")
        if "aiogram" in imported_packages(path)
    }
    assert users <= {"storage/fsm.py"}


COMPOSITION_ROOT = {"bot.app", "bot.cli", "bot.__main__"}


def test_only_the_composition_root_wires_handlers() -> None:
    """bot/ holds the composition root and the Telegram-side infrastructure handlers use
    (config, context, menus, retry, session); only the root may import handlers."""
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
