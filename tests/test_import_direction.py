"""Imports only ever point down (STYLE.md, "The house"): an AST walk over every module in the
package, including imports inside functions (lazy imports count: they run sooner or later).

    cli.py                 may import anything (it is the top: it picks the face)
    commands/              the CLI faces; no Textual UI (see ALLOWED for the two exceptions)
    tui/                   the dashboard face; never imports commands/
    session.py             the use cases both faces share; no tui/, commands/, Textual
    runners/               workload runners (launch a command at several worker counts); no tui/,
                           commands/, session, Textual
    probes/                the outside world; no runners/, tui/, commands/, session
    core/                  pure: no probes/, tui/, commands/, session, Textual, psutil, subprocess

The dashboard's launcher is `tui/launch.py`, called by `cli.py`, so tui/ needs no exception to
reach commands/. `commands/serve.py` checks a `--theme` name with the dashboard's own theme
loader (`tui/themes.py`) before serving, so a typo fails at once rather than in every browser
session; that is the one allowed edge from commands/ to tui/ besides the launcher.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "capstone_tui"
ROOT = "capstone_tui"

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "core": ("capstone_tui.probes", "capstone_tui.runners", "capstone_tui.tui", "capstone_tui.commands", "capstone_tui.session",
             "capstone_tui.cli", "textual", "textual_plotext", "textual_serve", "psutil", "subprocess"),
    "probes": ("capstone_tui.runners", "capstone_tui.tui", "capstone_tui.commands", "capstone_tui.session",
               "capstone_tui.cli", "textual"),
    "runners": ("capstone_tui.tui", "capstone_tui.commands", "capstone_tui.session", "capstone_tui.cli", "textual"),
    "session": ("capstone_tui.tui", "capstone_tui.commands", "capstone_tui.cli", "textual"),
    "tui": ("capstone_tui.commands", "capstone_tui.cli"),
    "commands": ("capstone_tui.tui", "capstone_tui.cli", "textual"),
}
ALLOWED: dict[str, tuple[str, ...]] = {  # module -> imports allowed despite FORBIDDEN (documented above)
    "capstone_tui.commands.serve": ("capstone_tui.tui.themes", "capstone_tui.tui.launch"),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # `from capstone_tui import session` imports the submodule `capstone_tui.session`
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names if target == ROOT]
    return found


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return parts[1] if parts[1] in FORBIDDEN else None


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def violations() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        layer = layer_of(module)
        if layer is None:
            continue
        allowed = ALLOWED.get(module, ())
        for line, target in imports_of(path):
            if any(_under(target, a) for a in allowed):
                continue
            for banned in FORBIDDEN[layer]:
                if _under(target, banned):
                    out.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {layer} imports {target}")
    return out


def test_every_import_points_down() -> None:
    assert violations() == []


def test_the_walk_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The checker itself: a lazy import inside a function is found (else the test proves nothing)."""
    found = [name for _, name in imports_of(PACKAGE / "session.py")]
    assert "capstone_tui.probes.datasets" in found  # imported inside size_candidate_data
    nested = [name for _, name in imports_of(PACKAGE / "core" / "fitting" / "fit.py")]
    assert "numpy" in nested  # imported inside fit_runs


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_has_modules(layer: str) -> None:
    """Every rule applies to real files: a renamed folder must not silently empty a rule."""
    modules = [p for p in PACKAGE.rglob("*.py") if layer_of(module_name(p)) == layer]
    assert modules, layer


def test_relative_imports_resolve_to_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`from . import x` and `from ..probes import y` resolve to absolute names the rules can see."""
    package = tmp_path / "capstone_tui"
    (package / "core").mkdir(parents=True)
    module = package / "core" / "sample.py"
    module.write_text("from . import units\nfrom ..probes import host\nfrom .scaling import best_p\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)  # this test file's constant
    names = [name for _, name in imports_of(module)]
    assert names == ["capstone_tui.core", "capstone_tui.probes", "capstone_tui.core.scaling"]
