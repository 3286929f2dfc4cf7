"""The outside world (psutil, cgroups, NVML, Slurm, datasets, launchers); no Textual here."""
