"""Every setting the code reads is declared in newsroom/settings.py, and documented in the README.

Scans the project's runtime code (AST) for settings reads (``settings.X``,
``getattr(settings, "X", ...)``) and environment reads (``os.environ.get``,
``os.environ[...]``, ``os.getenv``, and the settings module's ``env_*`` helpers).
A setting must be Django's own (``django.conf.global_settings``) or assigned in
``newsroom/settings.py``; a project setting must appear in the README, by its
own name or by the environment variable that sets it; every environment
variable read must appear in the README.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import global_settings

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ("newsroom", "articles", "rankings")
TOP_FILES = ("gunicorn.conf.py", "manage.py")
SETTINGS_FILE = ROOT / "newsroom" / "settings.py"
ENV_HELPERS = ("env_bool", "env_int", "env_list", "env_seconds")
# Set by the platform, not by the site's operator.
PLATFORM_VARIABLES = frozenset({"DJANGO_SETTINGS_MODULE"})


def runtime_files() -> list[Path]:
    files = [ROOT / name for name in TOP_FILES]
    for package in RUNTIME:
        files += [path for path in sorted((ROOT / package).rglob("*.py")) if "tests" not in path.parts]
    return files


def literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def is_environ(node: ast.AST) -> bool:
    """``os.environ`` (a WSGI ``environ`` argument is a request's, not the process's)."""
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)


def environment_reads(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and (name := literal(node.args[0])) is not None:
            func = node.func
            if (
                (
                    isinstance(func, ast.Attribute)
                    and func.attr in ("get", "pop", "setdefault")
                    and is_environ(func.value)
                )
                or (isinstance(func, ast.Attribute) and func.attr == "getenv")
                or (isinstance(func, ast.Name) and func.id in ENV_HELPERS)
            ):
                found.add(name)
        elif (
            isinstance(node, ast.Subscript)
            and is_environ(node.value)
            and isinstance(node.ctx, ast.Load)
            and (name := literal(node.slice)) is not None
        ):
            found.add(name)
    return found


def settings_reads(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "settings"
            and node.attr.isupper()
        ):
            found.add(node.attr)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "settings"
            and (name := literal(node.args[1]))
        ):
            found.add(name)
    return found


def declared_settings() -> dict[str, set[str]]:
    """Setting name -> the environment variables its value is read from, for newsroom/settings.py."""
    tree = ast.parse(SETTINGS_FILE.read_text())
    declared: dict[str, set[str]] = {}
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
        elif isinstance(node, ast.If):  # CACHES = {...} in both branches, and the like
            for inner in ast.walk(node):
                if isinstance(inner, ast.Assign):
                    targets += [target.id for target in inner.targets if isinstance(target, ast.Name)]
        for name in targets:
            if name.isupper():
                declared.setdefault(name, set()).update(environment_reads(node))
    return declared


def readme() -> str:
    return (ROOT / "README.md").read_text()


def test_every_setting_read_is_declared_in_settings_py():
    declared = declared_settings()
    missing = []
    for path in runtime_files():
        for name in sorted(settings_reads(ast.parse(path.read_text()))):
            if name not in declared and not hasattr(global_settings, name):
                missing.append(f"{path.relative_to(ROOT)}: settings.{name}")
    assert not missing, "settings read but not declared in newsroom/settings.py:\n" + "\n".join(missing)


def test_every_project_setting_read_is_in_the_readme():
    declared, text = declared_settings(), readme()
    missing = []
    for path in runtime_files():
        for name in sorted(settings_reads(ast.parse(path.read_text()))):
            if hasattr(global_settings, name) or name not in declared:
                continue
            if f"`{name}`" not in text and not any(f"`{variable}`" in text for variable in declared[name]):
                missing.append(f"{path.relative_to(ROOT)}: settings.{name}")
    assert not missing, "settings the README does not name (nor their variable):\n" + "\n".join(missing)


def test_every_environment_variable_read_is_in_the_readme():
    text = readme()
    missing = []
    for path in [*runtime_files(), SETTINGS_FILE]:
        for name in sorted(environment_reads(ast.parse(path.read_text())) - PLATFORM_VARIABLES):
            if f"`{name}`" not in text:
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, "environment variables the README's table does not name:\n" + "\n".join(missing)


def test_the_scan_sees_every_way_of_reading(tmp_path):
    tree = ast.parse(
        "import os\n"
        "from django.conf import settings\n"
        "a = settings.ALPHA\n"
        "b = getattr(settings, 'BETA', 1)\n"
        "c = os.environ.get('GAMMA')\n"
        "d = os.environ['DELTA']\n"
        "e = os.getenv('EPSILON')\n"
        "f = env_int('ZETA', 3)\n"
        "g = settings.lower_case_attribute\n"
    )
    assert settings_reads(tree) == {"ALPHA", "BETA"}
    assert environment_reads(tree) == {"GAMMA", "DELTA", "EPSILON", "ZETA"}
