"""What one node and its cluster offer: the inventory's frozen report, its parsers (host, cgroup, Slurm), and its text."""
