"""The public processes import nothing of the staff console (docs: the house's « never » rows): the
web page, the channels, the actions, the domain, the NLU components and the stores, nor the
``feedback`` package they share with the staff side. The analytics are headless: no console, no
Sanic. Read from the source with ``ast``, so an import inside a function counts too."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PUBLIC = ("web", "channels", "actions", "bma", "components", "stores", "feedback")


def imported(path: Path) -> set[str]:
    """Every module an ``import``, ``from … import``, ``importlib.import_module("…")`` or
    ``__import__("…")`` of the file names (relative imports resolved against its package)."""
    package = path.relative_to(ROOT).parent.parts
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1]) if node.level else ""
            module = ".".join(filter(None, (base, node.module)))
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
    return names


def modules(*folders: str) -> list[Path]:
    found = [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]
    assert found, folders
    return found


def takes(path: Path, top: str) -> list[str]:
    return sorted(name for name in imported(path) if name == top or name.startswith(top + "."))


@pytest.mark.parametrize("path", modules(*PUBLIC), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_public_side_never_imports_the_console(path):
    assert takes(path, "console") == [], f"{path.relative_to(ROOT)} imports the staff console"


@pytest.mark.parametrize("path", modules("analytics"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_analytics_are_headless(path):
    assert takes(path, "console") == [] and takes(path, "sanic") == [], path.relative_to(ROOT)


def test_the_check_sees_an_import(tmp_path, monkeypatch):
    """The parser finds each way of importing the console (else the tests above prove nothing)."""
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    sample = tmp_path / "web" / "sample.py"
    sample.parent.mkdir()
    for code in ("import console.app", "from console import feedback", "from console.db import x",
                 "def f():\n    import console", "import importlib\nimportlib.import_module('console.events')",
                 "__import__('console')"):
        sample.write_text(code + "\n", encoding="utf-8")
        assert takes(sample, "console"), code
    sample.write_text("import consoles\nfrom feedback import votes\n", encoding="utf-8")
    assert takes(sample, "console") == []
