"""rankings/ reads no underscore attribute of another object (Django's documented ``_meta`` aside)."""

import ast
from pathlib import Path

import rankings

ROOT = Path(rankings.__file__).parent


def private_attribute_uses(source: str) -> list[str]:
    """``obj._name`` reads and writes, and ``getattr(obj, "_name")``, except on ``self``/``cls`` and ``_meta``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute):
            name, owner = node.attr, node.value
            if not name.startswith("_") or name.startswith("__") or name == "_meta":
                continue
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) > 1
            and isinstance(node.args[1], ast.Constant)
            and str(node.args[1].value).startswith("_")
            and node.args[1].value != "_meta"
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_scan_finds_what_it_looks_for():
    source = (
        "request._cache = 1\nx = cursor._query\ny = getattr(request, '_seen', None)\n"
        "z = model._meta\nself._mine = 2\nclass A:\n    def f(cls): return cls._x\n"
    )
    assert private_attribute_uses(source) == [
        "1: request._cache",
        "2: cursor._query",
        "3: getattr(request, '_seen', None)",
    ]


def test_rankings_code_uses_no_private_attributes():
    found = {
        str(path.relative_to(ROOT)): uses
        for path in sorted(ROOT.rglob("*.py"))
        if "tests" not in path.parts and (uses := private_attribute_uses(path.read_text()))
    }
    assert found == {}
