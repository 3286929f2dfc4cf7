"""One inventory reading: host, GPUs and Slurm gathered side by side, each with a deadline.

`read_inventory` is the function the dashboard's refresh worker calls (in a thread) and
the one behind `capstone-tui inventory`. The GPU and Slurm probes run in daemon threads,
so a hung driver or a silent slurmctld costs at most `timeout_s` and shows as a state.
"""

from __future__ import annotations

import threading
import time

from capstone_tui.core.inventory.report import ClusterReport, Inventory
from capstone_tui.probes.gpus import read_gpus_within
from capstone_tui.probes.host import read_cpu, read_disks, read_host, read_memory, read_network


# The last Slurm answer and when it came: the dashboard asks slurmctld at most every
# `slurm_max_age_s` (cluster views are costly for the controller and change slowly).
_last_cluster: list[tuple[float, ClusterReport]] = []


def read_inventory(*, slurm: bool = True, timeout_s: float = 3.0, slurm_max_age_s: float = 0.0) -> Inventory:
    """Read everything once; GPU and Slurm probes each get at most timeout_s.

    With `slurm_max_age_s` > 0, a Slurm answer younger than that is reused instead of asking again.
    """
    start = time.monotonic()
    cluster_box: list[ClusterReport] = []
    cluster_thread = None
    if slurm and _last_cluster and start - _last_cluster[0][0] < slurm_max_age_s:
        cluster_box.append(_last_cluster[0][1])
        slurm = False
    if slurm:
        from capstone_tui.probes.slurm import read_cluster

        def run_cluster() -> None:
            from capstone_tui.probes.slurm_queue import with_queue  # live capacity and my jobs

            cluster_box.append(with_queue(read_cluster(timeout_s), start + timeout_s))

        cluster_thread = threading.Thread(target=run_cluster, name="capstone-slurm", daemon=True)
        cluster_thread.start()
    host, cpu, memory, disks, network = read_host(), read_cpu(), read_memory(), read_disks(), read_network()
    gpus = read_gpus_within(max(0.1, timeout_s - (time.monotonic() - start)))
    if cluster_box and cluster_thread is None:
        cluster = cluster_box[0]
    elif cluster_thread is None:
        cluster = ClusterReport("skipped", "Slurm not queried")
    else:
        # read_cluster enforces its own deadline; the join only guards against a stuck fork
        cluster_thread.join(max(0.1, timeout_s + 0.5 - (time.monotonic() - start)))
        cluster = cluster_box[0] if cluster_box else ClusterReport(
            "not_answering", f"Slurm: not answering (timeout {timeout_s:g} s)")
        _last_cluster[:] = [(time.monotonic(), cluster)]
    return Inventory(host=host, cpu=cpu, memory=memory, disks=disks, network=network, gpus=gpus,
                     cluster=cluster, elapsed_s=time.monotonic() - start)
