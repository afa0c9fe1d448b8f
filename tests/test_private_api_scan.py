"""No code of the project reads or writes another package's underscore attributes.

Scans every Python file of the project (AST) for ``<expr>._name`` where
``_name`` has one leading underscore and is not the project's own. The
project's own are: ``self._x`` / ``cls._x`` of a project class that defines
``_x`` itself (and whose third-party bases have no ``_x``), and ``module._x``
or ``Class._x`` of a module or class of this project. ``_meta`` and
``_state`` are Django's documented model APIs. Nothing else is allowed, so
neither Django's, psycopg's, redis-py's or Jinja2's internals nor private
attributes pinned on other objects (model instances, requests) pass.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("newsroom", "articles", "rankings", "tests", "edge_tests", "bench", "scripts")
TOP_FILES = ("conftest.py", "manage.py", "gunicorn.conf.py")
# Django's model APIs, and the documented methods of named tuples (underscored to avoid field names).
DOCUMENTED = frozenset({"_meta", "_state", "_replace", "_asdict", "_fields", "_make", "_field_defaults"})


def project_files() -> list[Path]:
    files = [ROOT / name for name in TOP_FILES if (ROOT / name).exists()]
    for package in PACKAGES:
        files += sorted((ROOT / package).rglob("*.py"))
    return [path for path in files if ".venv" not in path.parts and "node_modules" not in path.parts]


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__") and name not in DOCUMENTED


def is_project_module(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in PACKAGES


def module_name(relative: Path) -> str:
    return ".".join(relative.with_suffix("").parts)


class Scanner(ast.NodeVisitor):
    """Collects the offending attribute accesses of one file."""

    def __init__(self, path: Path, tree: ast.Module, *, label: str):
        self.path, self.label = path, label
        self.found: list[str] = []
        self.classes: list[ast.ClassDef] = []
        # Private names the classes of this file define (methods, class attributes, self._x = ...):
        # a subclass reading its project base class's name reads the project's own.
        self.class_defined = {
            name
            for cls in ast.walk(tree)
            if isinstance(cls, ast.ClassDef)
            for node in ast.walk(cls)
            if (name := self.defined_name(node)) and is_private(name)
        }
        # Names bound to project modules or classes in this file: their private names are our own.
        self.own_names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if is_project_module(alias.name):
                        self.own_names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.ImportFrom):
                if is_project_module(node.module) or node.level:
                    self.own_names.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.ClassDef):
                self.own_names.add(node.name)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node)
        # Overriding a private method of a third-party base class is using its internals too.
        for item in node.body:
            if (
                isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
                and is_private(item.name)
                and any(item.name in dir(base) for base in self.third_party_bases(node))
            ):
                self.found.append(f"{self.label}:{item.lineno}: def {node.name}.{item.name} (overrides a base's)")
        self.generic_visit(node)
        self.classes.pop()

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if is_private(node.attr) and not self.allowed(node):
            self.found.append(f"{self.label}:{node.lineno}: {ast.unparse(node)}")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        # getattr(obj, "_x"), setattr(obj, "_x", v), hasattr, delattr: the same access, spelled as a call.
        if (
            isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and is_private(node.args[1].value)
        ):
            access = ast.Attribute(value=node.args[0], attr=node.args[1].value, ctx=ast.Load())
            if not self.allowed(access):
                self.found.append(f"{self.label}:{node.lineno}: {ast.unparse(node)}")
        self.generic_visit(node)

    def allowed(self, node: ast.Attribute) -> bool:
        value = node.value
        if not isinstance(value, ast.Name):
            return False
        if value.id in ("self", "cls"):
            return bool(self.classes) and self.class_owns(self.classes[-1], node.attr)
        return value.id in self.own_names

    def class_owns(self, cls: ast.ClassDef, name: str) -> bool:
        """``name`` is defined by a project class of this file and by none of ``cls``'s third-party bases."""
        if name not in self.class_defined:
            return False
        return not any(name in dir(base) for base in self.third_party_bases(cls))

    @staticmethod
    def defined_name(node: ast.AST) -> str | None:
        """The name ``node`` defines in a class: a method, a class attribute or ``self.x = ...``."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return node.name
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            return node.id
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            return node.attr
        return None

    def third_party_bases(self, cls: ast.ClassDef) -> list[type]:
        if not cls.bases:
            return []
        try:
            module = importlib.import_module(module_name(self.path.relative_to(ROOT)))
            runtime = getattr(module, cls.name)
        except Exception:  # noqa: BLE001 - a class defined in a function, or a script: judged by its source only
            return []
        return [base for base in runtime.__mro__[1:] if not is_project_module(base.__module__)]


def scan(path: Path, *, label: str | None = None) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    scanner = Scanner(path, tree, label=label or str(path.relative_to(ROOT)))
    scanner.visit(tree)
    return scanner.found


@pytest.mark.parametrize("path", project_files(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_underscore_attributes_of_other_packages(path):
    found = scan(path)
    assert not found, "underscore attributes that are not the project's own:\n" + "\n".join(found)


def test_the_scan_finds_what_it_forbids(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from django.http import HttpResponse\n"
        "from articles import models\n"
        "class Mine:\n"
        "    def __init__(self):\n"
        "        self._own = 1\n"
        "    def read(self, other):\n"
        "        return self._own, self._missing, models._private, other._meta, other._state.adding\n"
        "def bad(response, queryset, item):\n"
        "    item._pinned = 1\n"
        "    getattr(item, '_cache', None)\n"
        "    return response.headers._store, queryset._result_cache, HttpResponse()._container\n"
    )
    found = [entry.split(": ", 1)[1] for entry in scan(source, label="sample.py")]
    assert found == [
        "self._missing",
        "item._pinned",
        "getattr(item, '_cache', None)",
        "response.headers._store",
        "queryset._result_cache",
        "HttpResponse()._container",
    ]
