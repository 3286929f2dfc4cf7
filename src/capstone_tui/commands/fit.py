"""`capstone-tui fit RUNS.csv [--method M] [--pmax N] [--json]`: s, c, USL, Karp-Flatt, p*, verdict."""

from __future__ import annotations

import argparse
import sys

from capstone_tui.commands._common import emit_json
from capstone_tui.core.fitting.fit import METHODS, FitResult
from capstone_tui.core.fitting.runs import AGGREGATES, TIME
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.scaling import MIN_SPEEDUP, PMAX_DEFAULT, validate_scaling
from capstone_tui.session import open_runs


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", metavar="RUNS.csv",
                        help="CSV with a header 'p,time' or 'p,throughput' (repeated p allowed)")
    parser.add_argument("--method", default="linear3", choices=list(METHODS),
                        help="fitting method (the loss) [linear3: " + METHODS["linear3"] + "]")
    parser.add_argument("--aggregate", default="all", choices=list(AGGREGATES),
                        help="fit every repeat (all) or one row per p: the best (min) or the median [all]")
    parser.add_argument("--pmax", default=str(PMAX_DEFAULT), help=f"largest p considered [{PMAX_DEFAULT}]")
    parser.add_argument("--json", action="store_true", help="print the fit as JSON")


def run(args: argparse.Namespace) -> int:
    _, _, pmax = validate_scaling(0.0, 0.0, args.pmax)
    fit = open_runs(args.runs, method=args.method, pmax=pmax, aggregate=args.aggregate)
    if args.json:
        emit_json(fit.to_json())
    else:
        sys.stdout.write(render_fit(fit))
    return 0


def _se(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2g}"


def render_fit(fit: FitResult) -> str:
    """The fit as plain text: every number with its unit and how it is known."""
    u, b = fit.usl, fit.bootstrap
    unit = "s" if fit.kind == TIME else "(1/throughput)"
    rate = "runs/s" if fit.kind == TIME else "(throughput units)"
    peak = "none (kappa = 0)" if u.peak is None else f"{u.peak:.1f} workers"
    lines = [
        f"runs: {len(fit.runs.rows)} rows at p = {', '.join(map(str, fit.runs.ps))} "
        f"({fit.kind}, from {fit.runs.source}; measured)",
        f"method: {fit.method}: {METHODS[fit.method]}; repeats: {fit.aggregate}",
        f"s = {fit.s:.4f} (SE {_se(fit.se_s)})   c = {fit.c:.5f} (SE {_se(fit.se_c)})   "
        f"(fractions of t1; fitted from measurements)",
        f"single-worker time t1 = {fit.t1:.4g} {unit} "
        f"({'fitted' if fit.method in ('linear3', 'usl') else 'measured p = 1 median'})",
        f"p* = {fit.p_star} workers, S(p*) = {fit.speedup:.3f}x, E(p*) = {100 * fit.efficiency:.1f} % "
        f"(pmax = {fit.pmax}; computed from the fit)",
        f"verdict: {fit.verdict}",
        f"bootstrap ({b.replicates} replicates, seed {b.seed}; estimated): p* in "
        f"[{b.p_star[0]}, {b.p_star[1]}], S(p*) in [{b.speedup[0]:.3f}, {b.speedup[1]:.3f}], "
        f"P(S(p*) > {MIN_SPEEDUP:g}) = {b.prob_distribute:.2f}",
        f"USL (throughput loss, R usl): sigma = {u.sigma:.6g} (SE {_se(u.se_sigma)}), "
        f"kappa = {u.kappa:.6g} (SE {_se(u.se_kappa)}), gamma = {u.gamma:.6g} {rate} "
        f"(SE {_se(u.se_gamma)}), "
        f"peak = {peak}",
        "Karp-Flatt e(p) (measured) vs fitted line s + c p:",
    ]
    lines += [f"  p = {p:>5}  e = {e:+.4f}  line = {fit.s + fit.c * p:.4f}" for p, e in fit.karp_flatt]
    lines += [f"warning: {w}" for w in fit.warnings]
    return safe_text("\n".join(lines), multiline=True) + "\n"  # the CSV source name is file-derived
