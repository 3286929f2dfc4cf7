"""Every reference machine the user can pick: presets, this node, and Slurm node types."""

from __future__ import annotations

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.machine import Machine, find_machine, is_slurm
from capstone_tui.core.presets import load_presets


def available_machines(*, include_live: bool = True, include_slurm: bool = True,
                       slurm_timeout_s: float = 3.0) -> tuple[Machine, ...]:
    """this-node first (live), then Slurm partitions, then the shipped presets."""
    machines: list[Machine] = []
    if include_live:
        from capstone_tui.probes.host import this_node_machine

        machines.append(this_node_machine())
    if include_slurm:
        from capstone_tui.probes.slurm import slurm_machines

        machines.extend(slurm_machines(timeout_s=slurm_timeout_s))
    machines.extend(load_presets())
    return tuple(machines)


def resolve_machine(machine_id: str, field: str = "--machine") -> Machine:
    """The machine with this id; a ValidationError lists the ids that exist.

    An older node-type id, `slurm:<partition>.<n>` (before the comma, see core.machine), still
    finds `slurm:<partition>,<n>` when no partition of that dotted name exists."""
    live = machine_id == "this-node"
    slurm = is_slurm(machine_id)
    machines = available_machines(include_live=live, include_slurm=slurm)
    found = find_machine(machine_id, machines)  # the dashboard's lookup too (DashboardState.machine)
    if found is not None:
        return found
    if slurm:
        listed = [m.id for m in machines if is_slurm(m.id)]
        hint = "; ".join(listed) if listed else "no Slurm partitions answered"
        raise ValidationError(field, f"must name a Slurm partition that exists ({hint})", machine_id)
    known = ["this-node", *sorted(m.id for m in load_presets())]
    raise ValidationError(field, "must be one of " + ", ".join(known) + ", or slurm:<partition>", machine_id)
