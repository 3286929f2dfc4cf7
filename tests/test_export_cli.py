"""`capstone-tui export`: the real command in a subprocess, on candidate files the tests write."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from capstone_tui.core.candidate import candidate_from_dict, parse_candidate
from capstone_tui.core.presets import load_presets

SECRET = "hf_" + "Xy7" * 11

CANDIDATE = """
name = "Serve code completion to 300 people"
[scaling]
s = 0.1
c = 0.004
pmax = 512
[data]
bytes = 2.5e11
[model]
params = 1.3e10
mode = "infer"
dtype = "bf16"
optimizer = "none"
layers = 40
hidden = 5120
heads = 40
kv_heads = 8
seq_len = 2048
kv_tokens = 60000
[serving]
rate_rps = 40.0
capacity_rps = 9.0
latency_slo_s = 1.0
latency_s = 0.4
[agents]
count = 1
[machine]
reference = "{machine}"
"""


def _preset() -> str:
    return load_presets()[0].id


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CAPSTONE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "capstone_tui", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def candidate_file(tmp_path: Path) -> Path:
    path = tmp_path / "my candidate.toml"
    path.write_text(CANDIDATE.format(machine=_preset()), encoding="utf-8")
    return path


def test_export_writes_json_and_markdown(candidate_file, tmp_path):
    before = datetime.now().astimezone().replace(microsecond=0)
    done = cli("export", candidate_file.name, "--out", "snaps", cwd=tmp_path, env={"HF_TOKEN": SECRET})
    assert done.returncode == 0, done.stderr
    paths = [tmp_path / line for line in done.stdout.split()]
    assert [p.suffix for p in paths] == [".json", ".md", ".svg"]
    assert paths[2].name == paths[0].stem + "-curve.svg" and "<svg" in paths[2].read_text()
    assert paths[0].parent == tmp_path / "snaps"
    assert paths[0].stem.startswith("serve-code-completion-to-300-people-")
    snap = json.loads(paths[0].read_text())
    assert list(snap)[:5] == ["schema_version", "created", "tool_version", "candidate", "assessment"]
    assert datetime.fromisoformat(snap["created"]) >= before
    assert candidate_from_dict(snap["candidate"]) == parse_candidate(candidate_file.read_text())
    # "exactly what assess --json prints for that candidate and machine"
    assessed = cli("assess", candidate_file.name, "--machine", _preset(), "--json", cwd=tmp_path)
    assert assessed.returncode == 0, assessed.stderr
    assert snap["assessment"] == json.loads(assessed.stdout)
    md = paths[1].read_text()
    recheck = f"capstone-tui assess {shlex.quote(candidate_file.name)} --machine {_preset()} --json"
    assert recheck in md
    assert snap["assessment"]["decision"] in md
    assert f"]({paths[2].name})" in md  # the Markdown links the chart beside it
    for text in (paths[0].read_text(), md, done.stdout, done.stderr):
        assert SECRET not in text  # no tokens, no environment


def test_exports_in_a_row_never_overwrite(candidate_file, tmp_path):
    outputs = [cli("export", str(candidate_file), "--out", str(tmp_path / "o"), cwd=tmp_path) for _ in range(3)]
    assert all(o.returncode == 0 for o in outputs)
    files = [line for o in outputs for line in o.stdout.split()]
    assert len(set(files)) == 9  # .json, .md and -curve.svg, three times
    assert sorted(os.listdir(tmp_path / "o")) == sorted(Path(f).name for f in files)


def test_machine_option_overrides_the_candidate(candidate_file, tmp_path):
    other = load_presets()[-1].id
    done = cli("export", str(candidate_file), "--out", "o", "--machine", other, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    snap = json.loads(Path(tmp_path, done.stdout.split()[0]).read_text())
    assert snap["assessment"]["machine"]["id"] == other
    assert snap["candidate"]["machine"]["reference"] == other


@pytest.mark.parametrize("content, needle", [
    (None, "CANDIDATE.toml"),
    ("name = \n", "must be valid TOML"),
    ("colour = 3\n", "colour"),
    ("[scaling]\ns = 1.5\n", "scaling.s"),
])
def test_bad_candidates_exit_2_with_one_line(tmp_path, content, needle):
    path = tmp_path / "c.toml"
    if content is not None:
        path.write_text(content)
    done = cli("export", str(path), "--out", "o", cwd=tmp_path)
    assert done.returncode == 2
    assert needle in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and not (tmp_path / "o").exists()


def test_unknown_machine_exits_2(candidate_file, tmp_path):
    done = cli("export", str(candidate_file), "--machine", "no-such-box", cwd=tmp_path)
    assert done.returncode == 2 and "--machine" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_unwritable_output_exits_2_with_one_line(candidate_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("keep me")
    done = cli("export", str(candidate_file), "--out", str(blocker), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"capstone-tui: --out: cannot write {blocker}: it exists and is not a folder"
    assert blocker.read_text() == "keep me"


def test_candidate_text_is_data_only(tmp_path):
    """Shell syntax in a name or a path is written as text, never run, and quoted for re-use."""
    marker = tmp_path / "pwned"
    path = tmp_path / "a;touch pwned.toml"
    path.write_text(f'name = "$(touch {marker}) `touch {marker}`"\n[scaling]\ns = 0.2\nc = 0.01\n'
                    f'[machine]\nreference = "{_preset()}"\n')
    done = cli("export", path.name, "--out", "o", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    md = Path(tmp_path, done.stdout.split()[1]).read_text()
    assert not marker.exists()
    assert f"capstone-tui assess {shlex.quote(path.name)} --machine" in md
