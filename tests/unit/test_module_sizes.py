"""Issue #23, item 8: no source module over 400 lines (tests, migrations' template and vendored files aside)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 400
NOT_SOURCE = {".venv", "node_modules", "tests", ".git", "site", "build", "var", "results", "models"}


def source_modules() -> list[Path]:
    return [path for path in ROOT.rglob("*.py")
            if not NOT_SOURCE & set(path.relative_to(ROOT).parts[:-1])]


def test_the_walk_finds_the_packages():
    found = {path.relative_to(ROOT).parts[0] for path in source_modules()}
    assert {"bma", "actions", "channels", "components", "console", "analytics", "stores", "rasa_patches"} <= found


def test_no_source_module_is_over_400_lines():
    long = {str(path.relative_to(ROOT)): n for path in source_modules()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long
