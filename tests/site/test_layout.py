"""The layout the README promises: the booking path reads top-down, the apps depend
one way, no module outgrows a sitting, and no migration touches another app's tables.

Imports are read from the source (ast), so a function-level import counts too.
"""

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ("medspa", "treatments", "practitioners", "bookings")

# bookings/ by layer, lowest first. A module may import its own layer and those below.
LAYERS = {
    "bookings.models": 0,
    "bookings.availability": 1,
    "bookings.selectors": 2,
    "bookings.services": 3,
    "bookings.forms": 4,
    "bookings.views": 5,
    "bookings.admin": 5,
    "bookings.urls": 6,
    "bookings.management": 6,
    "bookings.tasks": 6,
    "bookings.demo": 6,
}
# treatments <- practitioners <- bookings (DESIGN.md).
APP_MAY_NOT_IMPORT = {
    "treatments": ("practitioners", "bookings"),
    "practitioners": ("bookings",),
}
MAX_LINES = 400


def _modules(*apps: str, with_migrations: bool = False) -> list[pathlib.Path]:
    return [
        path
        for app in apps
        for path in sorted((ROOT / app).rglob("*.py"))
        if with_migrations or "migrations" not in path.parts
    ]


def _name(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from bookings.services import messages` imports bookings.services.messages.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _layer(module: str) -> int | None:
    for prefix, rank in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            return rank
    return None


def test_each_bookings_module_imports_only_its_own_layer_and_those_below():
    upward = []
    for path in _modules("bookings"):
        here = _layer(_name(path))
        if here is None:
            continue
        for imported in _imports(path):
            there = _layer(imported)
            if there is not None and there > here:
                upward.append(f"{_name(path)} imports {imported}")
    assert upward == []


def test_every_bookings_module_sits_in_a_layer():
    loose = [
        _name(path)
        for path in _modules("bookings")
        if _layer(_name(path)) is None and _name(path) not in ("bookings", "bookings.apps")
    ]
    assert loose == []


@pytest.mark.parametrize("app", sorted(APP_MAY_NOT_IMPORT))
def test_apps_depend_one_way(app):
    wrong = [
        f"{_name(path)} imports {imported}"
        for path in _modules(app, with_migrations=True)
        for imported in _imports(path)
        if imported.split(".")[0] in APP_MAY_NOT_IMPORT[app]
    ]
    assert wrong == []


def test_no_module_is_over_400_lines():
    long = [
        f"{_name(path)}: {lines}"
        for path in _modules(*APPS)
        if "demo" not in path.parts and (lines := len(path.read_text().splitlines())) > MAX_LINES
    ]
    assert long == []


@pytest.mark.parametrize("app", APPS[1:])
def test_no_migration_touches_another_apps_tables(app):
    others = "|".join(other for other in APPS[1:] if other != app)
    table = re.compile(rf"\b({others})_[a-z]+")
    wrong = [
        f"{path.name}: {match.group(0)}"
        for path in sorted((ROOT / app / "migrations").glob("*.py"))
        for match in table.finditer(path.read_text())
    ]
    assert wrong == []
