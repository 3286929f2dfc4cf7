"""Install as a user would: build the wheel, install it into a fresh venv, run it from elsewhere.

The wheel is built offline from a copy of the source (`pip wheel --no-build-isolation --no-index`,
with the setuptools and wheel of the test extras) and installed with `--no-deps --no-index` into a
new venv outside the repository; the dependencies are made visible through one `.pth` line naming
this venv's site-packages (a plain path line, so the editable install's own `.pth` there is not
processed and cannot shadow the wheel). From a folder outside the repository the installed
`capstone-tui` then starts the dashboard in tmux, prints `table` and `serve --help`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from support.tmux import TmuxApp
from test_seed_table import seed_output

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
# The data files the package reads at run time, by glob under the package (pyproject package-data).
DATA_GLOBS = ("themes/*.toml", "core/*.toml", "tui/*.tcss")


def _run(argv: list[str], **kw) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
    assert done.returncode == 0, f"{argv[:4]} exit {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """Build the wheel, make a fresh venv, install the wheel into it; the paths involved."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build"))
    dist = root / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--disable-pip-version-check", "-q", "-w", str(dist), str(source)])
    (wheel,) = dist.glob("capstone_tui-*.whl")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
          "--disable-pip-version-check", "-q", str(wheel)])
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zz_test_dependencies.pth").write_text("".join(f"{path}\n" for path in sorted(ours)))
    away = root / "elsewhere"  # a folder outside the repository, with its own config home
    away.mkdir()
    return {"wheel": wheel, "package": source / "src" / "capstone_tui", "venv": venv, "python": python, "bin": venv / "bin" / "capstone-tui", "away": away}


def _env(away: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CAPSTONE_THEMES_DIR", "VIRTUAL_ENV")}
    return {**env, "HOME": str(away), "XDG_CONFIG_HOME": str(away / "config")}


def test_the_wheel_holds_the_package_and_its_data(installed):
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    package = installed["package"]  # the copy the wheel was built from
    for pattern in DATA_GLOBS:
        expected = {f"capstone_tui/{p.relative_to(package).as_posix()}" for p in package.glob(pattern)}
        assert expected and expected <= names, (pattern, sorted(expected - names))
    modules = {f"capstone_tui/{p.relative_to(package).as_posix()}" for p in package.rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert len([n for n in names if n.startswith("capstone_tui/themes/")]) >= 4
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "capstone-tui = capstone_tui.cli:main" in zipfile.ZipFile(installed["wheel"]).read(entry_points).decode()


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    where = _run([str(installed["python"]), "-c",
                  "import capstone_tui, capstone_tui.tui.themes as t; print(capstone_tui.__file__); "
                  "print(t.builtin_themes_dir()); print(sorted(t.load_themes()))"],
                 cwd=installed["away"], env=_env(installed["away"])).stdout.splitlines()
    assert all(line.startswith(str(installed["venv"])) for line in where[:2]), where
    assert "capstone-dark" in where[2] and "capstone-16" in where[2]


def test_table_and_serve_help_from_elsewhere(installed):
    env, away = _env(installed["away"]), installed["away"]
    table = _run([str(installed["bin"]), "table"], cwd=away, env=env)
    assert table.stdout == seed_output() and table.stderr == ""
    serve = _run([str(installed["bin"]), "serve", "--help"], cwd=away, env=env)
    assert serve.stdout.startswith("usage: capstone-tui serve") and "--port" in serve.stdout


def test_the_dashboard_starts_from_elsewhere(installed):
    away = installed["away"]
    candidate = away / "candidate.toml"
    shutil.copy2(REPO / "examples" / "dedupe-4tb-crawl.toml", candidate)
    env = _env(away)
    # `env` in front: a tmux server that is already running would not pass our variables on.
    command = ["env", "-u", "PYTHONPATH", *(f"{k}={env[k]}" for k in ("HOME", "XDG_CONFIG_HOME")),
               str(installed["bin"]), str(candidate), "--export-dir", str(away / "out"), "--refresh", "30"]
    app = TmuxApp(command, cwd=away, env=env)
    try:
        app.wait_for(lambda text: "p*" in text, timeout=60)
        app.press("q")
        assert app.exit_code(timeout=20) == 0
    finally:
        app.close()
