"""One verdict voice: the bar, the tree, `assess`, `export` and `verdict` say the same sentences;
gate 2 (the speedup alone) never reads as the decision; E(p*) < 50 % is always explained
(Exercise 41.1.3, the costume cluster); the knee is exact and in `verdict --json`."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from textual.widgets import Tree

from capstone_tui.core.assessment import assess
from capstone_tui.core.candidate import Candidate, DataInputs, ScalingInputs
from capstone_tui.core.presets import preset
from capstone_tui.core.scaling import best_p, knee, speedup
from capstone_tui.core.snapshot import build_snapshot, snapshot_markdown
from capstone_tui.core.verdict_text import efficiency_note
from capstone_tui.tui.panes.verdict import VerdictBar
from support.app_factory import make_app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COSTUME = Candidate(name="Costume cluster", scaling=ScalingInputs(s=0.6, c=0.0, pmax=16),
                    data=DataInputs(bytes=4e12), machine="dgx-h100")


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "capstone_tui", *args], capture_output=True, text=True, cwd=cwd)


def test_knee_is_the_first_p_within_ten_percent_of_the_best() -> None:
    rng = random.Random(11)
    for _ in range(3000):
        s = rng.random()
        c = rng.choice([0.0, rng.random() * 1e-2, rng.random() * 1e-5])
        pmax = rng.randint(1, 2000)
        k = knee(s, c, pmax)
        _, best = best_p(s, c, pmax)
        brute = next(p for p in range(1, pmax + 1) if speedup(s, p, c) >= 0.9 * best)
        assert k.p == brute, (s, c, pmax)
        assert k.speedup == speedup(s, brute, c) and k.efficiency == k.speedup / brute
    assert knee(0.05, 0.002, 10_000_000).p == 13  # bounded time on the largest pmax


def test_verdict_json_has_the_knee_of_both_links() -> None:
    done = cli("verdict", "--s", "0.05", "--c", "0.002", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["knee"] == {"p": 13, "speedup": speedup(0.05, 13, 0.002), "efficiency": speedup(0.05, 13, 0.002) / 13}
    geo = knee(0.05, 0.008, 4096)
    assert data["geo"]["knee"] == {"p": geo.p, "speedup": geo.speedup, "efficiency": geo.efficiency}
    text = cli("verdict", "--s", "0.05", "--c", "0.002").stdout
    assert "knee, datacenter link: p = 13, S = 6.80x" in text


def test_costume_cluster_says_how_much_of_the_cluster_works() -> None:
    a = assess(COSTUME, preset("dgx-h100"))
    assert a.decision == "distribute" and a.justification.p_star == 16
    assert "E(p*)=10%: of the 16 workers only 1.6 workers' worth do useful work" in a.reason
    assert "serial part (90%)" in a.reason
    assert "knee p=5: S=1.47x E=29%" in a.reason
    assert efficiency_note(0.05, 0.002, 13) is None  # 52 %: nothing to explain


async def test_the_bar_puts_the_decision_first_and_labels_gate_2(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=COSTUME)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        lines = str(app.query_one(VerdictBar).render()).split("\n")
        assert lines[0].startswith("Decision: DISTRIBUTE:")
        assert "1.6 workers' worth" in " ".join(lines)
        joined = " ".join(lines)  # the rows as painted: the bar wraps its own text
        gate = joined.split(" 1/s=", 1)[1].split("datacenter p*=")[0]  # after the inputs, before the result
        assert "gate 2" in gate  # gate 2 labels the speedup test
        assert "-> distribute" not in joined
    stay = Candidate(name="Stay", scaling=ScalingInputs(s=0.05, c=0.002, pmax=4096), data=DataInputs(bytes=1e9),
                     machine="dgx-h100")  # gate 2 passes alone, gate 1 fails
    app = make_app(tmp_path, candidate=stay)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = str(app.query_one(VerdictBar).render()).split("\n")
        assert lines[0].startswith("Decision: STAY SINGLE-MACHINE (gate 1 fail, gate 2 pass)")
        assert "gate 2" in " ".join(lines).split("datacenter")[0]  # the speedup result never stands unlabelled


async def test_every_face_says_the_same_reason(tmp_path: Path) -> None:
    path = EXAMPLES / "finetune-70b-full.toml"
    assessed = cli("assess", str(path), "--json")
    assert assessed.returncode == 0, assessed.stderr
    reason = json.loads(assessed.stdout)["reason"]
    assert "one accelerator's usable memory" in reason and "one machine's limit" not in reason
    text = cli("assess", str(path)).stdout
    assert "Gate 2, the justification test (the speedup alone, not the decision)" in text
    assert "knee, datacenter link:" in text
    # the snapshot's Markdown carries the same sentence, unchanged
    doc = json.loads(assessed.stdout)
    snapshot = build_snapshot(Candidate(name="x"), doc, created=datetime(2026, 1, 2, tzinfo=timezone.utc),
                              tool_version="t")
    assert reason in snapshot_markdown(snapshot)


async def test_an_empty_candidate_is_not_assessed_not_four_nos(tmp_path: Path) -> None:
    app = make_app(tmp_path, candidate=Candidate(machine="dgx-h100"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        a = app.model.assessment
        assert "not assessed" in a.reason
        tree = app.query_one(Tree)
        terminal = next(n for n in tree.root.children if n.data == "terminal")
        assert not str(terminal.label).startswith("All four no")
        assert str(terminal.label).startswith("None cleared, 4 not assessed")
