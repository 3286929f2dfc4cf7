"""Fitting s and c from measured runs: the runs CSV, the solvers (NNLS, linear, USL as in R usl), warnings."""
