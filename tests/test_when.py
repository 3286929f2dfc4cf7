"""Time to solution, pure parts: sizes, job shapes, MaxTime, cost, fastest / cheapest, and the
Slurm text parsers (`scontrol show partition`, `sbatch --test-only`, `sinfo -N -O`, `squeue`)."""

from __future__ import annotations

import pytest

from capstone_tui.core.candidate import parse_candidate
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.inventory.partitions import (
    parse_billing_weights,
    parse_capacity,
    parse_partitions,
    parse_squeue,
    parse_test_only,
    slurm_duration_s,
)
from capstone_tui.core.scaling import best_p, knee, speedup
from capstone_tui.core.time_to_solution import (
    NodeShape,
    Partition,
    StartAnswer,
    combine,
    nodes_for,
    plan,
    sizes_to_try,
)
from capstone_tui.core.time_to_solution_text import summary_line

GPU_PART = Partition("gpu", (NodeShape(4, 64, 512000, 8), NodeShape(2, 32, 256000, 4)), max_time_s=10 * 3600.0)


def cand(extra: str = "", t1: float = 36000.0, s: float = 0.01, c: float = 0.0005):
    return parse_candidate(f"[scaling]\ns = {s}\nc = {c}\nt1_s = {t1}\n{extra}")


@pytest.mark.parametrize(("text", "seconds"), [
    ("UNLIMITED", None), ("INFINITE", None), ("30", 1800.0), ("10:00", 600.0), ("02:00:00", 7200.0),
    ("1-00:00:00", 86400.0), ("2-12", 216000.0), ("1-02:30", 95400.0),
])
def test_slurm_durations(text, seconds):
    assert slurm_duration_s(text) == seconds


def test_billing_weights_per_cpu_gb_gpu():
    assert dict(parse_billing_weights("CPU=1.0,Mem=0.25G,GRES/gpu=2.0")) == {"cpu": 1.0, "mem_gb": 0.25, "gpu": 2.0}
    assert dict(parse_billing_weights("Mem=0.5")) == {"mem_gb": 512.0}  # bare memory weights are per MB
    assert dict(parse_billing_weights("GRES/gpu:a100=4,license/x=9")) == {"gpu": 4.0}
    assert parse_billing_weights("") == ()


def test_scontrol_partitions():
    text = ("PartitionName=gpu\r\n   AllowGroups=ALL Default=YES\r\n   MaxTime=2-00:00:00 Nodes=g[01-06]\r\n"
            "   TRES=cpu=320,mem=2500000M,node=6,billing=640 TRESBillingWeights=CPU=1.0,GRES/gpu=8.0\r\n\r\n"
            "PartitionName=cpu\n   MaxTime=UNLIMITED Default=NO\n")
    parts = parse_partitions(text)
    assert set(parts) == {"gpu", "cpu"}
    assert parts["gpu"]["MaxTime"] == "2-00:00:00" and parts["gpu"]["Default"] == "YES"
    assert parts["gpu"]["TRESBillingWeights"] == "CPU=1.0,GRES/gpu=8.0"
    assert parts["cpu"]["MaxTime"] == "UNLIMITED"


def test_test_only_answers():
    ok = parse_test_only("sbatch: Job 7 to start at 2026-11-30T20:12:29 using 2 processors on nodes vm in partition debug\n")
    assert (ok.start, ok.processors, ok.nodelist, ok.refused) == ("2026-11-30T20:12:29", 2, "vm", None)
    no = parse_test_only("allocation failure: Requested node configuration is not available\n")
    assert no.start is None and no.refused == "Requested node configuration is not available"
    bad = parse_test_only("sbatch: error: invalid partition specified: nope\nallocation failure: Invalid partition name specified\n")
    assert bad.refused == "Invalid partition name specified"


def test_capacity_counts_states_and_gpus():
    text = ("g1|gpu*|mixed|gpu:a100:8(S:0-1)|gpu:a100:3(IDX:0-2)|\n"
            "g2|gpu*|idle|gpu:a100:8(S:0-1)|gpu:a100:0(IDX:N/A)|\n"
            "g3|gpu*|down*|gpu:a100:8(S:0-1)|gpu:a100:0(IDX:N/A)|\n"
            "g4|gpu*|allocated+drain|gpu:a100:8|gpu:a100:8(IDX:0-7)|\n"
            "c1|cpu|allocated|(null)|(null)|\n"
            "c2|cpu|idle~|(null)|(null)|\n")
    caps = {c.name: c for c in parse_capacity(text)}
    gpu, cpu = caps["gpu"], caps["cpu"]
    assert (gpu.idle, gpu.mixed, gpu.allocated, gpu.down) == (1, 1, 0, 2) and gpu.default
    assert (gpu.gpus_total, gpu.gpus_used, gpu.gpus_free) == (16, 3, 13)
    # a powered-off idle node (idle~) is started on demand: it counts as idle
    assert (cpu.allocated, cpu.idle, cpu.down, cpu.nodes, cpu.gpus_total) == (1, 1, 0, 2, 0) and not cpu.default


def test_squeue_rows():
    jobs = parse_squeue("12|train|PENDING|0:00|2026-12-01T08:00:00|gpu\n13|n\xe9e|RUNNING|1:02:03|2026-11-30T19:00:00|cpu\n")
    assert [(j.job_id, j.state, j.start) for j in jobs] == [("12", "pending", "2026-12-01T08:00:00"),
                                                            ("13", "running", "2026-11-30T19:00:00")]
    assert parse_squeue("14|x|PENDING|0:00|N/A|gpu\n")[0].start is None


@pytest.mark.parametrize(("s", "c"), [(0.05, 0.002), (0.01, 0.0005), (0.3, 0.1), (0.0, 0.0001), (0.5, 0.0)])
def test_knee_is_the_smallest_p_within_90_percent(s, c):
    p_star, best = best_p(s, c, 4096)
    assert knee(s, c, 4096).p == next(p for p in range(1, p_star + 1) if speedup(s, p, c) >= 0.9 * best)


def test_nodes_fill_the_roomiest_first():
    assert nodes_for(8, GPU_PART, 1, 1, None) == 1
    assert nodes_for(33, GPU_PART, 1, 1, None) == 5  # 4 x 8 + 1 x 4
    assert nodes_for(40, GPU_PART, 1, 1, None) == 6
    assert nodes_for(41, GPU_PART, 1, 1, None) is None
    assert nodes_for(4, GPU_PART, 1, 2, 200 * 1024) == 2  # memory holds 2 workers per big node


def test_sizes_stop_after_the_first_power_of_two_past_capacity():
    assert sizes_to_try(4096, 40, (23, 12, 4096)) == [1, 2, 4, 8, 12, 16, 23, 32, 64, 4096]
    assert sizes_to_try(6, 40, (6,)) == [1, 2, 4, 6]


def test_plan_explains_maxtime_and_oversize():
    result = plan(cand(), GPU_PART)
    shapes = {s.p: s for s in result.shapes}
    left = dict(result.left_out)
    assert result.capacity == 40 and result.gpus_per_worker == 1
    assert "MaxTime" in left[1] and "12.0 h > 10.0 h" in left[1]  # 10 h x 1.2 > the 10 h MaxTime
    assert 2 in shapes
    assert 64 in left and "too big" in left[64] and 4096 in left
    assert shapes[8].nodes == 1 and shapes[8].time_limit_s == pytest.approx(shapes[8].run_s * 1.2)
    args = shapes[8].sbatch_args("gpu")
    assert args[:9] == ["--test-only", "-p", "gpu", "-N", "1", "-n", "8", "--cpus-per-task", "1"]
    assert "--gpus-per-task" in args and args[args.index("-t") + 1] == str(-(-int(shapes[8].time_limit_s) // 60))


def test_plan_bad_input_names_the_field():
    with pytest.raises(ValidationError) as err:
        plan(parse_candidate("[scaling]\ns = 0.1\n"), GPU_PART)
    assert err.value.field == "scaling.t1_s"
    with pytest.raises(ValidationError) as err:
        plan(cand(), GPU_PART, pmax=41)
    assert err.value.field == "pmax" and "40" in err.value.message
    with pytest.raises(ValidationError) as err:
        plan(cand("[job]\ngpus_per_worker = 16\n"), GPU_PART)
    assert err.value.field == "job"


def test_combine_picks_fastest_and_cheapest_and_keeps_refusals():
    c = cand("[cost]\ngpu_hour = 3.0\ncpu_hour = 0.1\n[job]\ncpus_per_worker = 4\n", s=0.1, c=0.0, t1=3600)
    p = Partition("gpu", (NodeShape(4, 64, 512000, 8),), max_time_s=None)
    the_plan = plan(c, p, pmax=16)
    answers = (StartAnswer(1, "2026-01-01T00:00:00", 0.0), StartAnswer(2, "2026-01-01T00:00:00", 0.0),
               StartAnswer(4, "2026-01-01T01:00:00", 3600.0), StartAnswer(8, refused="QOSMaxGRESPerUser"))
    result = combine(c, p, the_plan, answers, "test")
    by = {o.p: o for o in result.options}
    assert set(by) == {1, 2, 4}
    assert by[4].finish_s == pytest.approx(3600 + 3600 * (0.1 + 0.9 / 4))
    assert result.fastest.p == 2  # 1980 s, starting now, beats p = 4's 3600 s wait + 1170 s
    assert by[1].cost == pytest.approx(1 * 3.0 + 4 * 0.1) and result.cheapest.p == 1
    left = dict(result.left_out)
    assert left[8] == "refused by Slurm: QOSMaxGRESPerUser"
    assert left[16] == "Slurm did not answer before the deadline"
    line = summary_line(result)
    assert line.startswith("fastest to finish: p=2 (starts now")


def test_billing_units_from_tres_weights():
    c = cand("[job]\ncpus_per_worker = 2\nmem_per_worker_gb = 10\n", s=0.0, c=0.0, t1=7200)
    p = Partition("gpu", (NodeShape(4, 64, 512000, 8),), billing=parse_billing_weights("CPU=1,Mem=0.5G,GRES/gpu=10"),
                  billing_text="CPU=1,Mem=0.5G,GRES/gpu=10")
    the_plan = plan(c, p, pmax=2)
    result = combine(c, p, the_plan, (StartAnswer(2, "x", 0.0),), "test")
    (option,) = [o for o in result.options if o.p == 2]
    hours = 1.0  # 7200 s / S(2) = 3600 s
    mem_gb = 2 * (-(-10 * 1000**3 // 2**20)) * 2**20 / 1000**3
    assert option.cost == pytest.approx(hours * (2 * 2 * 1 + 2 * 1 * 10 + mem_gb * 0.5), rel=1e-6)
    assert "TRESBillingWeights=CPU=1,Mem=0.5G,GRES/gpu=10" in result.cost_unit
