"""Verdict snapshots: the document (core/snapshot.py) and writing it safely (probes/export.py).

Writes go to real folders: a real symlink planted in the export folder, a real umask in a
child process, a real read-only and a real full tmpfs (mounted by the test; root needed).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from capstone_tui.core.jsontext import dumps_json
from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, candidate_from_dict, parse_candidate
from capstone_tui.core.machine import Machine, usable_accelerator, usable_memory
from capstone_tui.core.scaling import justify
from capstone_tui.core.snapshot import (
    BASE_KEYS,
    build_snapshot,
    slugify,
    snapshot_basename,
    snapshot_markdown,
)
from capstone_tui.probes.export import ExportError, write_snapshot
from support.mounts import fill, tmpfs

CANDIDATE_TOML = """
name = "Dedupe a 4 TB web-crawl slice"
[scaling]
s = 0.05
c = 0.002
pmax = 4096
[data]
bytes = 4.0e12
[model]
params = 7.0e9
layers = 32
hidden = 4096
heads = 32
kv_heads = 8
seq_len = 4096
[serving]
rate_rps = 30.0
capacity_rps = 12.0
latency_slo_s = 0.5
latency_s = 0.3
[agents]
count = 3
interacting = true
[machine]
reference = "test-box"
"""
WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=1)))


def _machine() -> Machine:
    ram, gpu = 512e9, 80e9
    return Machine(id="test-box", label="a test box", source="preset", memory_total_bytes=ram,
                   memory_bytes=usable_memory(ram, None), disk_bytes=8e12, accelerators=4,
                   accelerator_name="H100", accelerator_total_bytes=gpu,
                   accelerator_bytes=usable_accelerator(gpu), cpus=64, confidence="spec",
                   sources=("made up for a test",))


def _candidate() -> Candidate:
    return parse_candidate(CANDIDATE_TOML)


def _full_snapshot() -> dict:
    candidate = _candidate()
    assessment = json.loads(dumps_json(assess(candidate, _machine()).to_json()))
    return build_snapshot(candidate, assessment, created=WHEN, tool_version="9.9.9")


def _brute_force(s: float, c: float, pmax: int) -> tuple[int, float]:
    """The seed's Code 41.1.1 search, written out here independently of core/scaling.py."""
    def speedup(p: int) -> float:
        return 1.0 / (s + (1.0 - s) / p + c * (p - 1))
    p = max(range(1, pmax + 1), key=speedup)
    return p, speedup(p)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the document -----------------------------------------------------------------------------


def test_snapshot_has_the_spec_keys_and_round_trips_the_candidate():
    snap = _full_snapshot()
    assert tuple(snap) == BASE_KEYS == ("schema_version", "created", "tool_version", "candidate", "assessment")
    assert snap["schema_version"] == 1 and isinstance(snap["schema_version"], int)
    created = datetime.fromisoformat(snap["created"])
    assert created == WHEN and created.utcoffset() == timedelta(hours=1)
    assert candidate_from_dict(snap["candidate"]) == _candidate()  # every input, re-readable
    assert set(snap["assessment"]) >= {"machine", "ceilings", "route", "justification", "decision", "reason"}
    assert json.loads(json.dumps(snap, allow_nan=False)) == snap


def test_snapshot_keeps_the_assessment_as_given_and_appends_extras():
    candidate = _candidate()
    partial = {"justification": justify(0.1, 0.01).to_json()}
    snap = build_snapshot(candidate, partial, created=WHEN, tool_version="1", extras={"fit": {"s": 0.1}})
    assert snap["assessment"] == partial
    assert list(snap)[-1] == "fit"
    with pytest.raises(ValueError):
        build_snapshot(candidate, partial, created=WHEN, tool_version="1", extras={"assessment": {}})
    with pytest.raises(ValueError):
        build_snapshot(candidate, partial, created=datetime(2026, 1, 1), tool_version="1")  # no timezone


def test_snapshot_never_carries_the_environment(monkeypatch):
    secret = "hf_" + "Zq9" * 10
    monkeypatch.setenv("HF_TOKEN", secret)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret + "aws")
    snap = _full_snapshot()
    text = json.dumps(snap) + snapshot_markdown(snap)
    assert secret not in text
    assert "HF_TOKEN" not in text and "AWS_SECRET" not in text


def test_markdown_names_everything_a_report_needs():
    snap = _full_snapshot()
    md = snapshot_markdown(snap, candidate_file="cands/dedupe run.toml")
    p_fast, s_fast = _brute_force(0.05, 0.002, 4096)
    p_geo, s_geo = _brute_force(0.05, 0.008, 4096)
    assert f"| datacenter (c) | 0.002 | {p_fast} | {s_fast:.2f}x | {100 * s_fast / p_fast:.1f} % | 20.00x |" in md
    assert f"| geo-distributed (4c) | 0.008 | {p_geo} | {s_geo:.2f}x | {100 * s_geo / p_geo:.1f} % | 20.00x |" in md
    for name in ("data", "model", "throughput", "coordination"):
        assert re.search(rf"^\| {name} \| yes \| (yes|no) \| .+ \| .+ \|$", md, re.M), name
    # 4e12 bytes in both conventions: 4.0 TB and 4e12 / 2**40 = 3.6 TiB.
    assert "4.0 TB (3.6 TiB)" in md
    # The machine with its usable fractions: 10 % RAM reserve, 90 % of each accelerator.
    assert "10 %" in md and "90 %" in md and "a test box" in md
    assert "**Decision: " + snap["assessment"]["decision"] + ".**" in md
    assert snap["assessment"]["reason"] in md
    assert "### How each number is known" in md and "assumed" in md
    assert "capstone-tui assess 'cands/dedupe run.toml' --machine test-box --json" in md
    # The candidate block is TOML that reads back to the same candidate.
    block = re.search(r"```toml\n(.*?)```", md, re.S)
    assert block and parse_candidate(block.group(1)) == _candidate()


def test_markdown_renders_a_partial_assessment():
    candidate = Candidate(name="Only the test")
    partial = {"justification": justify(0.2, 0.05, 64).to_json()}
    md = snapshot_markdown(build_snapshot(candidate, partial, created=WHEN, tool_version="1"))
    p, _ = _brute_force(0.2, 0.05, 64)
    assert "## Verdict snapshot: Only the test" in md
    assert f"| datacenter (c) | 0.05 | {p} |" in md
    assert "### The four ceilings" not in md and "### Reference machine" not in md
    assert "capstone-tui assess candidate.toml --machine this-node --json" in md
    # Even an empty document gives a page rather than an exception.
    assert snapshot_markdown({}).startswith("## Verdict snapshot")


def test_markdown_mentions_measured_s_and_c_when_a_fit_is_attached():
    snap = build_snapshot(_candidate(), {}, created=WHEN, tool_version="1",
                          extras={"fit": {"s": 0.07, "c": 0.001, "method": "usl"}})
    md = snapshot_markdown(snap)
    assert "measured" in md and "s = 0.07" in md


def test_slug_and_basename():
    assert slugify("Dedupe a 4 TB web-crawl slice!") == "dedupe-a-4-tb-web-crawl-slice"
    assert slugify("Café ünïcode / ../etc") == "cafe-unicode-etc"
    assert slugify("!!!") == slugify("") == "candidate"
    assert len(slugify("x" * 500)) <= 60
    assert snapshot_basename("My run", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "my-run-20260102-030405"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_slug_is_always_a_safe_file_name(name):
    slug = slugify(name)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 60


# --- writing ----------------------------------------------------------------------------------


FILES = {".json": '{"a": 1}\n', ".md": "# hi\n", ".svg": b"<svg/>"}


def test_write_creates_the_folder_and_every_file(tmp_path):
    out = tmp_path / "a" / "b"
    paths = write_snapshot(out, "run-20260101-000000", FILES)
    assert [p.name for p in paths] == ["run-20260101-000000.json", "run-20260101-000000.md",
                                       "run-20260101-000000.svg"]
    assert paths[2].read_bytes() == b"<svg/>" and paths[0].read_text() == '{"a": 1}\n'
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)  # no temp files left


def test_exports_in_the_same_second_never_overwrite(tmp_path):
    seen: set[str] = set()
    for i in range(12):
        paths = write_snapshot(tmp_path, "same", {".json": f"{i}\n", ".md": f"{i}\n"})
        assert len({p.stem for p in paths}) == 1
        seen.add(paths[0].stem)
    assert len(seen) == 12
    assert (tmp_path / "same.json").read_text() == "0\n" and (tmp_path / "same-12.md").read_text() == "11\n"
    # A name taken for only ONE suffix still moves the whole set on.
    (tmp_path / "lonely.md").write_text("keep")
    paths = write_snapshot(tmp_path, "lonely", {".json": "x", ".md": "y"})
    assert [p.name for p in paths] == ["lonely-2.json", "lonely-2.md"]
    assert (tmp_path / "lonely.md").read_text() == "keep"


def test_concurrent_exports_get_distinct_complete_files(tmp_path):
    results: list[tuple[int, tuple[Path, ...]]] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        paths = write_snapshot(tmp_path, "race", {".json": f"{i}" * 5000, ".md": f"{i}"})
        with lock:
            results.append((i, paths))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({paths[0] for _, paths in results}) == 10
    for i, paths in results:
        assert paths[0].read_text() == f"{i}" * 5000 and paths[1].read_text() == f"{i}"
        assert paths[0].stem == paths[1].stem
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_a_planted_symlink_is_never_followed(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "snap.json").symlink_to(victim)
    (out / "snap-2.md").symlink_to(tmp_path / "would-be-created")  # dangling
    paths = write_snapshot(out, "snap", {".json": "evil?", ".md": "m"})
    assert [p.name for p in paths] == ["snap-3.json", "snap-3.md"]
    assert victim.read_text() == "precious"
    assert not (tmp_path / "would-be-created").exists()
    assert os.readlink(out / "snap.json") == str(victim)


def test_files_honour_the_umask(tmp_path):
    code = (
        "import os, sys; from pathlib import Path\n"
        "from capstone_tui.probes.export import write_snapshot\n"
        "os.umask(int(sys.argv[2], 8))\n"
        "write_snapshot(Path(sys.argv[1]) / 'sub', 'u', {'.json': '1', '.md': '2'})\n"
    )
    for mask, file_mode, dir_mode in (("077", 0o600, 0o700), ("022", 0o644, 0o755), ("002", 0o664, 0o775)):
        root = tmp_path / mask
        subprocess.run([sys.executable, "-c", code, str(root), mask], check=True)
        assert stat.S_IMODE((root / "sub").stat().st_mode) == dir_mode
        for name in ("u.json", "u.md"):
            assert stat.S_IMODE((root / "sub" / name).stat().st_mode) == file_mode


def test_a_path_that_is_a_file(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    for out in (blocker, blocker / "below"):
        with pytest.raises(ExportError) as info:
            write_snapshot(out, "snap", FILES)
        assert str(out) in info.value.message and "\n" not in info.value.message
    assert blocker.read_text() == "x"


def test_an_unwritable_folder(tmp_path):
    if os.geteuid() != 0:
        out = tmp_path / "locked"
        out.mkdir()
        out.chmod(0o555)
        try:
            with pytest.raises(ExportError) as info:
                write_snapshot(out, "snap", FILES)
        finally:
            out.chmod(0o755)
        assert "Permission denied" in info.value.message
        return
    # root ignores permission bits: a read-only filesystem is what stops it.
    with tmpfs(tmp_path / "ro", readonly=True) as out:
        with pytest.raises(ExportError) as info:
            write_snapshot(out, "snap", FILES)
        assert info.value.message.startswith(f"cannot write {out}")
        assert "Read-only file system" in info.value.message
        assert os.listdir(out) == []


def test_a_full_disk_loses_nothing(tmp_path):
    with tmpfs(tmp_path / "small", size="64k") as out:
        earlier = write_snapshot(out, "earlier", {".json": "{}\n", ".md": "# earlier\n"})
        before = {p: _digest(p) for p in earlier}
        assert fill(out) > 0
        with pytest.raises(ExportError) as info:
            write_snapshot(out, "later", {".json": "x" * 200_000, ".md": "y" * 10, ".svg": "z"})
        assert "No space left on device" in info.value.message
        assert "\n" not in info.value.message
        assert {p: _digest(p) for p in earlier} == before
        assert sorted(os.listdir(out)) == sorted([*(p.name for p in earlier), "filler.bin"])
        # Once space is freed, the next export works and the earlier files are still there.
        (out / "filler.bin").unlink()
        later = write_snapshot(out, "earlier", {".json": "[]\n"})
        assert later[0].name == "earlier-2.json" and {p: _digest(p) for p in earlier} == before
