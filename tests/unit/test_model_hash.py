"""The model's hash (Makefile MODEL_FILES → MODEL_HASH) covers every project module the served NLU
pipeline imports: the custom components of config.yml and components/, and, transitively, the
project modules they import (e.g. bma/text.py). A change to one of them must retrain the model."""
from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def module_file(name: str) -> Path | None:
    """The project file of a dotted module name (``a.b`` → a/b.py or a/b/__init__.py), else None."""
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def package_of(path: Path) -> str:
    """The package a project file belongs to (for a package's __init__.py: that package)."""
    return ".".join(path.relative_to(ROOT).parts[:-1])


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code (imports inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from the file's package, up level - 1
                package = package_of(path).split(".")
                base = ".".join(package[: len(package) - (node.level - 1)])
                module = ".".join(part for part in (base, node.module) if part)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from bma import text`
    return found


def project_files(module: str) -> list[Path]:
    """The files Python runs to import ``module`` from the project: its packages' __init__.py first."""
    parts = module.split(".")
    files = [module_file(".".join(parts[: i + 1])) for i in range(len(parts))]
    return [f for f in files if f is not None]


def served_closure() -> set[Path]:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    roots = {entry["name"].rsplit(".", 1)[0] for entry in config.get("pipeline", []) + config.get("policies", [])
             if "." in entry["name"]}
    roots |= {package_of(p) + "." + p.stem for p in (ROOT / "components").glob("*.py") if p.stem != "__init__"}
    seen: set[Path] = set()
    todo = [f for module in sorted(roots) for f in project_files(module)]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in imported_modules(path):
            todo.extend(project_files(module))
    return seen


def hashed_files() -> set[Path]:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    listed = subprocess.run([make, "-s", "--no-print-directory", "-C", str(ROOT), "model-files"],
                            capture_output=True, text=True, check=True).stdout.split()
    return {(ROOT / name).resolve() for name in listed}


def test_the_served_pipeline_imports_project_modules_beyond_components():
    closure = {p.relative_to(ROOT).as_posix() for p in served_closure()}
    assert {"components/tfidf_intent_classifier.py", "components/concepts.py", "bma/text.py"} <= closure


def test_every_module_the_served_pipeline_imports_is_in_the_model_hash():
    hashed = hashed_files()
    missing = sorted(p.relative_to(ROOT).as_posix() for p in served_closure() if p.resolve() not in hashed)
    assert not missing, f"add to MODEL_FILES in the Makefile (the model would not retrain when they change): {missing}"


def test_the_model_hash_covers_the_configuration_and_the_data():
    hashed = {p.relative_to(ROOT).as_posix() for p in hashed_files()}
    assert {"config.yml", "domain.yml", "requirements.txt", "components/lexicon_fr.yml"} <= hashed
    data = {p.relative_to(ROOT).as_posix() for p in (ROOT / "data").rglob("*.yml")}
    assert data and data <= hashed


def test_the_import_walk_sees_nested_relative_and_from_package_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from bma import text\n    import components.concepts\n", encoding="utf-8")
    assert {"bma.text", "components.concepts"} <= imported_modules(source)
