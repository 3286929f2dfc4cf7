"""From a model's shape to a GPU plan: exact parameter counts, per-GPU layouts, #SBATCH lines."""
