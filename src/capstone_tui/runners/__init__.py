"""Workload runners: launch a measured command at several worker counts (local, srun, dask, mpirun, sbatch)."""
