"""The use cases both faces share: open a candidate, size its data, open and fit runs, assess,
export a snapshot, save a candidate.

This is the only code that composes probes and core for a user's action. A CLI command and
the dashboard worker for the same action each call one function here, so they read the same
bytes the same way, give the same one-line `ValidationError` (field, accepted range) on bad
input, and can never disagree on a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from capstone_tui.core.candidate import Candidate, MeasuredData, parse_candidate
from capstone_tui.core.errors import ValidationError
from capstone_tui.core.machine import Machine, slurm_partition
from capstone_tui.probes.files import CANDIDATE_LIMIT_BYTES, RUNS_LIMIT_BYTES, read_text_bounded, write_atomic

if TYPE_CHECKING:
    from capstone_tui.core.assessment import Assessment
    from capstone_tui.core.comparison import ComparisonRow
    from capstone_tui.core.fitting.fit import FitResult
    from capstone_tui.core.fitting.runs import Runs

CANDIDATE_FIELD = "CANDIDATE.toml"
RUNS_FIELD = "RUNS.csv"


@dataclass(frozen=True)
class OpenedCandidate:
    """A candidate as read from its file, its reference machine, and its data as sized.

    `machine` is None only when resolution was deferred (`live=False` and a live id, which the
    dashboard's inventory reader supplies). `text` is the file's text, kept so a save can keep
    its comments and key order.
    """

    candidate: Candidate
    machine: Machine | None
    measured: MeasuredData | None
    sizer_note: str | None
    path: Path | None
    text: str | None = None
    model_notes: tuple[str, ...] = ()  # what `[model] from` filled, and what the file overrode
    model_shape: Any = None  # the core ModelShape `[model] from` read (largest layer, experts): the GPU plan's


def read_candidate(path: str | Path, field: str = CANDIDATE_FIELD, *, quote: bool = True) -> tuple[Candidate, str]:
    """The candidate in a file, and the file's text; any bad file is a ValidationError.

    `quote=False` leaves the offending value out of parse errors (see `without_contents`)."""
    text = read_text_bounded(path, field, CANDIDATE_LIMIT_BYTES)
    try:
        return parse_candidate(text, source=str(path)), text
    except ValidationError as err:
        if quote:
            raise
        raise without_contents(err) from None


def resolve_reference(machine_id: str, field: str, *, live: bool = True) -> Machine | None:
    """The machine with this id. With `live=False`, a live id (this-node, slurm:...) is accepted
    unread (None) and only preset ids are looked up; an unknown id is a ValidationError listing
    the ids that exist either way."""
    if not live and (machine_id == "this-node" or slurm_partition(machine_id) is not None):
        return None
    from capstone_tui.probes.machines import resolve_machine  # presets are cheap; live/Slurm are lazy

    return resolve_machine(machine_id, field=field)


def size_candidate_data(candidate: Candidate, base: Path, *,
                        access: Callable[[str], str] | None = None) -> tuple[MeasuredData | None, str | None]:
    """Size a named dataset or folder through the sizer (offline, bounded in time).

    Returns (None, why) when it cannot be sized: the data ceiling is then "not assessed" and the
    other three are still walked. A relative `data.path` is read from the candidate's folder.
    `access` (a served dashboard's file policy) may refuse a local target with a ValidationError.
    """
    data = candidate.data
    target = data.dataset or data.path
    if data.bytes is not None or target is None:
        return None, None
    if data.path and not Path(data.path).expanduser().is_absolute():
        target = str(base / data.path)
    # The sizer imports pyarrow/datasets (~1 s) only when a dataset is really named.
    from capstone_tui.probes.datasets import size_dataset

    try:
        if access is not None:
            target = access(target)
        measured = size_dataset(target, data.config).measured(data.config)
    except ValidationError as err:
        return None, f"could not be sized: {err.message}"
    if measured is None:
        return None, f"{target}: the sizer found no byte count"
    return measured, f"sized {measured.label}: {measured.how}"


def needs_sizing(candidate: Candidate) -> bool:
    """True when the data ceiling waits on the sizer (a named dataset or folder, no bytes)."""
    return candidate.data.bytes is None and bool(candidate.data.dataset or candidate.data.path)


def open_candidate(path: str | Path | None, *, machine: str | None = None, live: bool = True,
                   size: bool = True, quote: bool = True,
                   access: Callable[[str], str] | None = None) -> OpenedCandidate:
    """Read, parse, resolve the reference machine (`machine` overrides the file's), size the data.

    `path=None` is the default candidate. The returned candidate names the machine it is
    assessed on. `size=False` leaves sizing to the caller (the dashboard does it in a worker).
    """
    if path is None:
        candidate, text, where = Candidate(), None, None
    else:
        candidate, text = read_candidate(path, quote=quote)
        where = Path(path)
    candidate, model_notes = fill_model_shape(candidate, where.parent if where else Path.cwd(), access=access)
    field = "--machine" if machine else "machine.reference"
    resolved = resolve_reference(machine or candidate.machine, field, live=live)
    if machine:
        candidate = replace(candidate, machine=machine)
    if resolved is not None:
        candidate = replace(candidate, machine=resolved.id)
    measured, note = (None, None)
    if size and where is not None:
        measured, note = size_candidate_data(candidate, where.parent, access=access)
    shape = read_model_shape(candidate, where.parent if where else Path.cwd()) if model_notes else None
    return OpenedCandidate(candidate, resolved, measured, note, where, text, tuple(model_notes), shape)


def read_model_shape(candidate: Candidate, base: Path) -> Any:
    """The full shape `[model] from` names (the core ModelShape: with the largest layer, experts
    and MLA latents the candidate's fields cannot hold), read as `fill_model_shape` read it
    (offline; a second read of config.json and the headers, a few ms); None when unreadable."""
    source = candidate.model.from_
    if not source:
        return None
    from capstone_tui.probes.model_source import read_model

    local = Path(source).expanduser()
    local = local if local.is_absolute() else base / local
    try:
        return read_model(str(local) if local.is_dir() else source, online=False).shape
    except ValidationError:
        return None


def fill_model_shape(candidate: Candidate, base: Path, *,
                     access: Callable[[str], str] | None = None) -> tuple[Candidate, list[str]]:
    """Fill the model's shape from `[model] from` (a folder beside the candidate, or a Hub id in
    the local cache; offline, never weights). Fields the file gives override, and the notes say so.
    `access` (a served dashboard's file policy) may refuse a local folder with a ValidationError."""
    source = candidate.model.from_
    if not source:
        return candidate, []
    local = Path(source).expanduser()
    local = local if local.is_absolute() else base / local
    if access is not None and local.is_dir():
        access(str(local))
    # config.json / safetensors headers only (~10 ms); huggingface_hub is imported only for a Hub id.
    from capstone_tui.probes.model_source import fill_model_from

    return fill_model_from(candidate, str(base), online=False)


def look_up_model(name: str, *, online: bool = False, deadline_s: float = 10.0,
                  access: Callable[[str], str] | None = None) -> Any:
    """A model as `plan MODEL` reads it (a folder, a Hub id in the local cache, or with `online`
    the Hub within `deadline_s`): a probes ModelRead. `access` (a served dashboard's file policy)
    may refuse a local folder with a ValidationError; bad input is a ValidationError on MODEL."""
    text = name.strip()
    if access is not None:  # a Hub id passes as given; a local path only inside the served folder
        text = access(text)
    # config.json / safetensors headers only; huggingface_hub only for a Hub id (~0.1 s)
    from capstone_tui.probes.model_source import read_model

    return read_model(text, online=online, deadline_s=deadline_s)


def assess_opened(opened: OpenedCandidate) -> Assessment:
    """The four ceilings, the route, the justification and the decision for an opened candidate."""
    from capstone_tui.core.assessment import assess

    return assess(opened.candidate, opened.machine, opened.measured)


# --- runs ------------------------------------------------------------------------------------


def read_runs(path: str | Path, field: str = RUNS_FIELD, *, quote: bool = True) -> Runs:
    """The runs in a CSV file (regular file, bounded size, UTF-8); bad files are ValidationErrors.

    `quote=False` leaves the offending line or cell out of parse errors (see `without_contents`)."""
    from capstone_tui.core.fitting.runs import parse_runs_csv

    text = read_text_bounded(path, field, RUNS_LIMIT_BYTES)
    try:
        return parse_runs_csv(text, source=Path(path).name)
    except ValidationError as err:
        if quote:
            raise
        raise without_contents(err) from None


def open_runs(path: str | Path, *, method: str = "linear3", pmax: int | None = None,
              aggregate: str = "all", field: str = RUNS_FIELD, quote: bool = True) -> FitResult:
    """Read and fit a runs CSV (numpy/scipy load only here: ~0.3 s)."""
    return fit_runs_of(read_runs(path, field, quote=quote), method=method, pmax=pmax, aggregate=aggregate)


def fit_rows(kind: str, rows: list[tuple[int, float]], *, source: str, method: str = "linear3",
             aggregate: str = "all", pmax: int | None = None) -> FitResult:
    """Fit rows measured in this process (the probe) without writing and re-reading them."""
    from capstone_tui.core.fitting.runs import runs_from_rows

    return fit_runs_of(runs_from_rows(kind, rows, source=source), method=method, pmax=pmax, aggregate=aggregate)


def fit_runs_of(runs: Runs, *, method: str = "linear3", pmax: int | None = None,
                aggregate: str = "all") -> FitResult:
    from capstone_tui.core.fitting.fit import fit_runs
    from capstone_tui.core.scaling import PMAX_DEFAULT

    return fit_runs(runs, method=method, pmax=PMAX_DEFAULT if pmax is None else pmax, aggregate=aggregate)


# --- snapshots and saving ----------------------------------------------------------------------


def snapshot_files_for(candidate: Candidate, assessment: Assessment, *, created: datetime | None = None,
                       fit: FitResult | None = None, candidate_file: str | None = None,
                       svg: str | None = None, queue: dict[str, Any] | None = None,
                       log_p: bool | None = None) -> tuple[str, Callable[[str], dict[str, str | bytes]]]:
    """The basename of one verdict snapshot, and its files (by suffix) for the basename actually
    written (the Markdown links `<that basename>-curve.svg`). `queue` is the time-to-solution answer
    the caller already holds (the dashboard's, as on screen); Slurm is asked only without one.
    `log_p`: the p axis of the chart files (the dashboard's, as on screen; None: by pmax)."""
    from capstone_tui import __version__
    from capstone_tui.core.snapshot import build_snapshot, snapshot_basename, snapshot_files

    created = created or datetime.now().astimezone()
    extras: dict[str, Any] | None = {"fit": fit.to_json()} if fit is not None else None
    queue = queue if queue is not None else queue_for_snapshot(candidate)
    if queue is not None:
        extras = {**(extras or {}), "time_to_solution": queue}
    snapshot = build_snapshot(candidate, assessment.to_json(), created=created, tool_version=__version__,
                              extras=extras)

    def files_for(basename: str) -> dict[str, str | bytes]:
        files: dict[str, str | bytes] = dict(snapshot_files(snapshot, candidate_file=candidate_file,
                                                            basename=basename, log_p=log_p))
        if svg is not None:
            files[".svg"] = svg
        return files

    return snapshot_basename(candidate.name, created), files_for


def export_snapshot(out_dir: str | Path, candidate: Candidate, assessment: Assessment, *,
                    fit: FitResult | None = None, candidate_file: str | None = None,
                    svg: str | None = None, field: str = "--out",
                    created: datetime | None = None, queue: dict[str, Any] | None = None,
                    log_p: bool | None = None) -> tuple[Path, ...]:
    """Write a snapshot (.json, .md, -curve.svg; -time.svg with [scaling] t1_s, drawn from the
    same queue answer as the snapshot's; the optional screen .svg) into `out_dir`, never replacing
    a file; `created` defaults to now; `queue` and `log_p` as for `snapshot_files_for`.

    An empty folder name or one that cannot be written is a ValidationError on `field`.
    """
    from capstone_tui.probes.export import ExportError, write_snapshot

    if not str(out_dir).strip():
        raise ValidationError(field, "must name a folder for the snapshot files", str(out_dir))
    basename, files = snapshot_files_for(candidate, assessment, created=created, fit=fit,
                                         candidate_file=candidate_file, svg=svg, queue=queue, log_p=log_p)
    try:
        return write_snapshot(Path(str(out_dir)).expanduser(), basename, files)
    except ExportError as err:
        raise ValidationError(field, err.message) from None


def save_candidate(path: str | Path, candidate: Candidate, *, overwrite: bool,
                   original_text: str | None = None, model_shape: Any = None) -> tuple[Path, str]:
    """Write the candidate as TOML, atomically; `original_text` keeps that file's comments and
    key order; `model_shape` (what `[model] from` read) keeps the fields it filled with `from`
    instead of freezing them into the file. An existing file is replaced only with `overwrite`
    (else FileExistsRefused). Returns the path and the text written."""
    from capstone_tui.core.candidate_toml import candidate_toml

    filled = model_shape.candidate_fields() if model_shape is not None else None
    text = candidate_toml(candidate, original_text, filled)
    return write_atomic(path, text.encode("utf-8"), overwrite=overwrite, field="save"), text


def without_contents(err: ValidationError) -> ValidationError:
    """The same error without the value it quotes: for a file read on a screen others may see
    (a served dashboard), where the quoted line could be a secret the path pointed at."""
    return ValidationError(err.field, err.accepted)


# --- time to solution on a Slurm partition ------------------------------------------------------


def time_to_solution(candidate: Candidate, partition: str | None, *, pmax: int | None = None,
                     timeout_s: float = 10.0) -> Any:
    """Queue wait + run time + cost per worker count (`when`): a TimeToSolution, or the
    probe's QueueReading when Slurm is absent or silent. Bad input is a ValidationError."""
    from capstone_tui.core.time_to_solution import combine, plan
    from capstone_tui.probes.slurm_queue import ask_starts, read_partition

    reading = read_partition(partition, timeout_s=timeout_s)
    if reading.state != "ok" or reading.partition is None:
        return reading
    the_plan = plan(candidate, reading.partition, pmax)
    answers, in_time = ask_starts(the_plan.shapes, reading.partition.name, timeout_s=timeout_s)
    source = ("sbatch --test-only (Slurm's own start estimate; no job submitted); run time = t1_s / S(p) "
              f"with s = {the_plan.s:g}, c = {the_plan.c:g}")
    if not in_time:
        source += f"; Slurm stopped answering within the {timeout_s:g} s deadline"
    return combine(candidate, reading.partition, the_plan, answers, source)


def queue_for_snapshot(candidate: Candidate, timeout_s: float = 5.0) -> dict[str, Any] | None:
    """With a Slurm partition as the reference and [scaling] t1_s set: when each size would
    start and finish there (the `when` JSON), or why that is not known; else None."""
    partition = slurm_partition(candidate.machine)
    if partition is None or candidate.scaling.t1_s is None:
        return None
    from capstone_tui.core.time_to_solution import TimeToSolution

    try:
        result = time_to_solution(candidate, partition, timeout_s=timeout_s)
    except ValidationError as err:
        return {"partition": partition, "state": "bad_input", "message": err.message}
    if isinstance(result, TimeToSolution):
        return result.to_json()
    return {"partition": partition, "state": result.state, "message": result.message}


@dataclass
class QueueCache:
    """When one dashboard last asked Slurm about the queue, and for which candidate. Each App
    owns one (mutable on purpose: only its one inventory worker at a time updates it), so two
    Apps in one process (tests, `serve` sessions) never skip each other's questions."""

    asked_at: float | None = None
    candidate: Candidate | None = None


def queue_if_due(candidate: Candidate, max_age_s: float, cache: QueueCache) -> dict[str, Any] | None:
    """For the dashboard's Slurm worker: `queue_for_snapshot` when the candidate changed or the
    last answer is older than `max_age_s` (sbatch --test-only costs the controller), else None.
    `cache` is the caller's and is updated here."""
    import time

    now = time.monotonic()
    if cache.asked_at is not None and cache.candidate == candidate and now - cache.asked_at < max_age_s:
        return None
    queue = queue_for_snapshot(candidate)
    cache.asked_at, cache.candidate = now, candidate
    return queue


def compare_candidates(paths: list[str] | tuple[str, ...], *, machine: str | None = None) -> list[ComparisonRow]:
    """One comparison row per candidate file, each opened and assessed as `assess` does it (the
    `compare` command and the dashboard's compare view)."""
    from capstone_tui.core.comparison import MAX_CANDIDATES, comparison_row

    if not 1 <= len(paths) <= MAX_CANDIDATES:
        raise ValidationError(CANDIDATE_FIELD, f"must be 1 to {MAX_CANDIDATES} files", len(paths))
    rows = []
    for path in paths:
        opened = open_candidate(path, machine=machine)
        rows.append(comparison_row(opened.candidate.name, assess_opened(opened), source=str(path)))
    return rows
