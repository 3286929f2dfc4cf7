"""Probe the Slurm cluster this node belongs to: node types from `sinfo -N -o` (with
`scontrol show node` as the fallback), GPUs in use from `sinfo -O GresUsed`.

Every call has a deadline (`probes.slurm_run.run_slurm`): `sinfo` blocks and retries for many
seconds when slurmctld is down, so a silent controller becomes the state "not_answering",
never a hang. Text formats are used on every version; Slurm's JSON changes shape with each
release (see reference/engines.md), so it is not needed here.
"""

from __future__ import annotations

import re
import shutil
import time

from capstone_tui.core.inventory.report import ClusterReport, cluster_machines
from capstone_tui.core.inventory.slurm import (
    SINFO_FORMAT,
    group_node_types,
    parse_gres_used,
    parse_scontrol_nodes,
    parse_sinfo_nodes,
    plausible_rows,
    rows_from_scontrol,
)
from capstone_tui.core.machine import Machine
from capstone_tui.probes.slurm_run import (
    SILENT_MESSAGE,
    SlurmCallFailed,
    SlurmSilent,
    one_line,
    run_slurm,
    slurm_failure,
)


def _failed(stderr: str, code: int, elapsed: float) -> ClusterReport:
    """A failed sinfo: no configuration at all, or a controller that does not answer."""
    state, message = slurm_failure(stderr, code, "sinfo")
    return ClusterReport(state, message, elapsed_s=elapsed)


def read_cluster(timeout_s: float = 3.0) -> ClusterReport:
    """The cluster's node types, or a state saying why there are none. Never raises."""
    start = time.monotonic()
    try:
        return _read_cluster(timeout_s, start)
    except Exception as err:  # odd output must become a state, never a dead probe thread
        return ClusterReport("error", f"Slurm: unreadable answer ({type(err).__name__}: {one_line(str(err))})",
                             elapsed_s=time.monotonic() - start)


def _read_cluster(timeout_s: float, start: float) -> ClusterReport:
    deadline = start + timeout_s
    sinfo = shutil.which("sinfo")
    if sinfo is None:
        return ClusterReport("absent", "no Slurm here (sinfo not on PATH)")
    try:
        out = run_slurm([sinfo, "-N", "-h", "-o", SINFO_FORMAT], deadline)
        if out.returncode != 0:
            return _failed(out.stderr, out.returncode, time.monotonic() - start)
        rows = parse_sinfo_nodes(out.stdout)
        source = "sinfo -N -o"
        if not rows:  # an odd sinfo: ask scontrol, whose format is older and stabler
            ctl = shutil.which("scontrol")
            if ctl:
                rows = rows_from_scontrol(parse_scontrol_nodes(run_slurm([ctl, "show", "node"], deadline).stdout))
                source = "scontrol show node"
        used: dict[str, int] = {}
        try:
            gres = run_slurm([sinfo, "-N", "-h", "-O", "NodeHost:|,GresUsed:|"], deadline)
            if gres.returncode == 0:
                used = parse_gres_used(gres.stdout)
        except SlurmCallFailed:
            pass  # GPUs in use are a nicety; the node types are already known
        version = None
        try:
            ver = run_slurm([sinfo, "--version"], deadline)
            match = re.search(r"(\d+\.\d+(?:\.\d+)?)", ver.stdout)
            version = match.group(1) if match else None
        except SlurmCallFailed:
            pass
    except SlurmSilent:
        return ClusterReport("not_answering", SILENT_MESSAGE.format(timeout_s=timeout_s),
                             elapsed_s=time.monotonic() - start)
    except SlurmCallFailed as err:  # not runnable, or more output than any cluster prints
        return ClusterReport(err.state, err.message, elapsed_s=time.monotonic() - start)
    rows, problems = plausible_rows(rows)
    flagged = ""
    if problems:
        more = f" (+{len(problems) - 2} more)" if len(problems) > 2 else ""
        flagged = f"; {len(problems)} node(s) left out, implausible: {'; '.join(problems[:2])}{more}"
    types = group_node_types(rows, used)
    if not types:
        what = (f"answered with implausible numbers only: {'; '.join(problems[:3])}" if problems
                else "answered but listed no nodes")
        return ClusterReport("error", f"Slurm {what}", version=version,
                             elapsed_s=time.monotonic() - start, source=source)
    partitions = sorted({t.partition for t in types})
    return ClusterReport("ok", f"Slurm {version or '?'}: {len(partitions)} partition(s){flagged}", node_types=types,
                         version=version, elapsed_s=time.monotonic() - start, source=source)


def slurm_machines(timeout_s: float = 3.0) -> tuple[Machine, ...]:
    """One `slurm:<partition>` machine per node type; () where Slurm is absent or silent."""
    try:
        return cluster_machines(read_cluster(timeout_s))
    except Exception:  # a reference machine list must never break because of the scheduler
        return ()
