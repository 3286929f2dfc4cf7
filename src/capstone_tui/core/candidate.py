"""A candidate problem: the candidate-file (TOML) schema, validated, and written back.

Every section is optional; a missing input leaves its ceiling "not assessed". Unknown keys
and out-of-range values raise `ValidationError` naming the key (`model.dtype`, ...).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from typing import Any

from capstone_tui.core.dtypes import DTYPES, FLOAT_DTYPES
from capstone_tui.core.errors import ValidationError, as_float, as_int
from capstone_tui.core.safe_text import safe_text
from capstone_tui.core.scaling import PMAX_DEFAULT, validate_scaling

MODES = ("train", "infer")
OPTIMIZERS = ("adamw", "adamw-8bit", "sgd-momentum", "none")
RECOMPUTE = ("none", "selective", "full")
KV_DTYPES = FLOAT_DTYPES  # unset: 16-bit (fp32 for fp32 weights), as vLLM's "auto"
ACCOUNTING = ("zero", "hf")  # 16 B/param (ZeRO, EleutherAI) | 18 B/param (HF "model training anatomy")
DEFAULT_NAME = "Untitled candidate"
DEFAULT_MACHINE = "this-node"


@dataclass(frozen=True)
class ScalingInputs:
    """The justification test's inputs: serial fraction, per-worker tax, worker range."""

    s: float = 0.05
    c: float = 0.002
    pmax: int = PMAX_DEFAULT
    t1_s: float | None = None  # single-worker wall time, seconds (time to solution)


@dataclass(frozen=True)
class DataInputs:
    """The dataset: a byte count, or a Hugging Face name (+ config), or a local path."""

    bytes: float | None = None
    dataset: str | None = None
    config: str | None = None
    path: str | None = None

    @property
    def given(self) -> bool:
        return self.bytes is not None or self.dataset is not None or self.path is not None


@dataclass(frozen=True)
class ModelInputs:
    """The model: parameters and the shape that sets activation and KV-cache memory."""

    params: float | None = None
    mode: str = "train"
    dtype: str = "bf16"
    optimizer: str = "adamw"
    accounting: str = "zero"
    layers: int | None = None
    hidden: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    head_dim: int | None = None  # unset: hidden / heads
    kv_dtype: str | None = None  # unset: 16-bit (fp32 for fp32 weights), also for fp8/int weights
    seq_len: int | None = None
    micro_batch: int = 1
    recompute: str = "none"
    kv_tokens: int = 0
    from_: str | None = None  # [model] from: a Hub id or a folder whose config.json fills the shape

    @property
    def given(self) -> bool:
        return self.params is not None


@dataclass(frozen=True)
class ServingInputs:
    """The serving workload against one server's measured budget."""

    rate_rps: float | None = None
    capacity_rps: float | None = None
    utilization: float = 0.7
    latency_slo_s: float | None = None
    latency_s: float | None = None

    @property
    def given(self) -> bool:
        return (self.rate_rps is not None and self.capacity_rps is not None) or (
            self.latency_slo_s is not None and self.latency_s is not None
        )


@dataclass(frozen=True)
class AgentInputs:
    """Interacting decision-makers (the coordination ceiling)."""

    count: int | None = None
    interacting: bool = False

    @property
    def given(self) -> bool:
        return self.count is not None


DEFAULT_MARGIN = 1.2  # Slurm time limit = run time x this margin


@dataclass(frozen=True)
class JobInputs:
    """One worker as a Slurm job asks for it; None = the default (GPUs: 1 where the
    partition has GPUs, else 0; CPUs: 1; memory: the partition's default; margin 1.2)."""

    gpus_per_worker: int | None = None
    cpus_per_worker: int | None = None
    mem_per_worker_gb: float | None = None
    time_limit_margin: float | None = None


@dataclass(frozen=True)
class CostInputs:
    """Prices per GPU-hour and CPU-hour; unset = the partition's Slurm billing units."""

    gpu_hour: float | None = None
    cpu_hour: float | None = None


@dataclass(frozen=True)
class Candidate:
    """Every input of one candidate problem, in the candidate-file schema."""

    name: str = DEFAULT_NAME
    scaling: ScalingInputs = field(default_factory=ScalingInputs)
    data: DataInputs = field(default_factory=DataInputs)
    model: ModelInputs = field(default_factory=ModelInputs)
    serving: ServingInputs = field(default_factory=ServingInputs)
    agents: AgentInputs = field(default_factory=AgentInputs)
    machine: str = DEFAULT_MACHINE
    accelerator_gb: float | None = None  # [machine] accelerator_gb: GB per accelerator, when not measured
    job: JobInputs = field(default_factory=JobInputs)
    cost: CostInputs = field(default_factory=CostInputs)


@dataclass(frozen=True)
class MeasuredData:
    """A dataset size found by the sizer (I/O happens in probes; this is the result)."""

    bytes: float
    how: str  # e.g. "exact:parquet-footer", "est:sample(head, 1 MiB)"
    label: str  # what was sized: a hub name or a path


_SECTIONS: dict[str, type] = {
    "scaling": ScalingInputs,
    "data": DataInputs,
    "model": ModelInputs,
    "serving": ServingInputs,
    "agents": AgentInputs,
    "job": JobInputs,
    "cost": CostInputs,
}
_TOP_KEYS = ("name", *_SECTIONS, "machine")


TOML_NAMES = {"from_": "from"}  # field names that are Python keywords in the file


def _keys(kind: type) -> tuple[str, ...]:
    return tuple(TOML_NAMES.get(f.name, f.name) for f in fields(kind))


def _choice(key: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise ValidationError(key, "must be one of " + " | ".join(options), value)
    return value


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(key, "must be a non-empty string", value)
    return safe_text(value)  # file text reaches terminals, Markdown and SVG: no control characters


def _positive(key: str, value: Any) -> float:
    number = as_float(key, value, "must be a finite number > 0")
    if number <= 0:
        raise ValidationError(key, "must be a finite number > 0", value)
    return number


ACCELERATOR_GB_RANGE = "must be a number of GB (1e9 bytes) per accelerator in [0.001, 1e6]"


def _accelerator_gb(value: Any) -> float:
    number = as_float("machine.accelerator_gb", value, ACCELERATOR_GB_RANGE)
    if not 0.001 <= number <= 1e6:
        raise ValidationError("machine.accelerator_gb", ACCELERATOR_GB_RANGE, value)
    return number


COUNT_MAX = 2**63 - 1  # TOML's own integer range
SHAPE_MAX = 2**40  # model shape counts: every memory term stays a finite float
PARAMS_MAX = 1e18  # model.params: 18 B/param x 1e18 stays finite, with room to spare


def _count(key: str, value: Any, minimum: int = 1, maximum: int = COUNT_MAX) -> int:
    accepted = f"must be an integer >= {minimum}" if maximum == COUNT_MAX else (
        f"must be an integer in [{minimum}, {maximum:,}]")
    number = as_int(key, value, accepted)
    if not minimum <= number <= maximum:
        raise ValidationError(key, accepted if number < minimum else f"must be an integer in [{minimum}, {maximum:,}]",
                              value)
    return number


def _shape(raw: dict[str, Any], key: str, minimum: int = 1) -> int | None:
    """An optional model shape count, bounded so the memory arithmetic stays finite."""
    return _count(f"model.{key}", raw[key], minimum, SHAPE_MAX) if key in raw else None


def _scaling(raw: dict[str, Any]) -> ScalingInputs:
    default = ScalingInputs()
    try:
        s, c, pmax = validate_scaling(
            raw.get("s", default.s), raw.get("c", default.c), raw.get("pmax", default.pmax)
        )
    except ValidationError as err:
        raise ValidationError(f"scaling.{err.field}", err.accepted, err.got) from None
    t1 = _positive("scaling.t1_s", raw["t1_s"]) if raw.get("t1_s") is not None else None
    return ScalingInputs(s=s, c=c, pmax=pmax, t1_s=t1)


def _data(raw: dict[str, Any]) -> DataInputs:
    given = [k for k in ("bytes", "dataset", "path") if k in raw]
    if len(given) > 1:
        raise ValidationError(
            "data", "takes one of bytes, dataset (+ config) or path", " and ".join(given)
        )
    if "config" in raw and "dataset" not in raw and "path" not in raw:
        raise ValidationError("data.config", "goes with data.dataset or data.path", raw["config"])
    size = None
    if "bytes" in raw:
        size = as_float("data.bytes", raw["bytes"], "must be a finite number >= 0")
        if size < 0:
            raise ValidationError("data.bytes", "must be a finite number >= 0", raw["bytes"])
    return DataInputs(
        bytes=size,
        dataset=_text("data.dataset", raw["dataset"]) if "dataset" in raw else None,
        config=_text("data.config", raw["config"]) if "config" in raw else None,
        path=_text("data.path", raw["path"]) if "path" in raw else None,
    )


def _model(raw: dict[str, Any]) -> ModelInputs:
    d = ModelInputs()
    params = _positive("model.params", raw["params"]) if "params" in raw else None
    if params is not None and params > PARAMS_MAX:
        raise ValidationError("model.params", f"must be a finite number in (0, {PARAMS_MAX:g}]", raw["params"])
    out = ModelInputs(
        params=params,
        mode=_choice("model.mode", raw.get("mode", d.mode), MODES),
        dtype=_choice("model.dtype", raw.get("dtype", d.dtype), DTYPES),
        optimizer=_choice("model.optimizer", raw.get("optimizer", d.optimizer), OPTIMIZERS),
        accounting=_choice("model.accounting", raw.get("accounting", d.accounting), ACCOUNTING),
        layers=_shape(raw, "layers"),
        hidden=_shape(raw, "hidden"),
        heads=_shape(raw, "heads"),
        kv_heads=_shape(raw, "kv_heads"),
        head_dim=_shape(raw, "head_dim"),
        kv_dtype=_choice("model.kv_dtype", raw["kv_dtype"], KV_DTYPES) if "kv_dtype" in raw else None,
        seq_len=_shape(raw, "seq_len"),
        micro_batch=_count("model.micro_batch", raw.get("micro_batch", d.micro_batch), 1, SHAPE_MAX),
        recompute=_choice("model.recompute", raw.get("recompute", d.recompute), RECOMPUTE),
        kv_tokens=_count("model.kv_tokens", raw.get("kv_tokens", d.kv_tokens), 0, SHAPE_MAX),
        from_=_text("model.from", raw["from"]) if "from" in raw else None,
    )
    return check_model_shape(out)


def check_model_shape(m: ModelInputs) -> ModelInputs:
    """Cross-field rules: head_dim = hidden/heads must be whole unless head_dim is given; kv_heads divides heads."""
    if m.head_dim is None and m.hidden is not None and m.heads is not None and m.hidden % m.heads:
        raise ValidationError("model.heads", "must divide model.hidden (head_dim = hidden / heads), "
                              "or give model.head_dim", m.heads)
    if m.kv_heads is not None and m.heads is not None and (m.kv_heads > m.heads or m.heads % m.kv_heads):
        raise ValidationError("model.kv_heads", "must divide model.heads (grouped-query attention)", m.kv_heads)
    return m


def _serving(raw: dict[str, Any]) -> ServingInputs:
    util = as_float("serving.utilization", raw.get("utilization", 0.7), "must be a number in (0, 1]")
    if not 0 < util <= 1:
        raise ValidationError("serving.utilization", "must be a number in (0, 1]", raw.get("utilization"))
    return ServingInputs(
        rate_rps=_positive("serving.rate_rps", raw["rate_rps"]) if "rate_rps" in raw else None,
        capacity_rps=_positive("serving.capacity_rps", raw["capacity_rps"]) if "capacity_rps" in raw else None,
        utilization=util,
        latency_slo_s=_positive("serving.latency_slo_s", raw["latency_slo_s"]) if "latency_slo_s" in raw else None,
        latency_s=_positive("serving.latency_s", raw["latency_s"]) if "latency_s" in raw else None,
    )


def _agents(raw: dict[str, Any]) -> AgentInputs:
    interacting = raw.get("interacting", False)
    if not isinstance(interacting, bool):
        raise ValidationError("agents.interacting", "must be true or false", interacting)
    count = _count("agents.count", raw["count"]) if "count" in raw else None
    return AgentInputs(count=count, interacting=interacting)


def _job(raw: dict[str, Any]) -> JobInputs:
    margin = None
    if "time_limit_margin" in raw:
        margin = as_float("job.time_limit_margin", raw["time_limit_margin"], "must be a number in [1, 10]")
        if not 1 <= margin <= 10:
            raise ValidationError("job.time_limit_margin", "must be a number in [1, 10]", raw["time_limit_margin"])
    return JobInputs(
        gpus_per_worker=_count("job.gpus_per_worker", raw["gpus_per_worker"], 0) if "gpus_per_worker" in raw else None,
        cpus_per_worker=_count("job.cpus_per_worker", raw["cpus_per_worker"]) if "cpus_per_worker" in raw else None,
        mem_per_worker_gb=_positive("job.mem_per_worker_gb", raw["mem_per_worker_gb"]) if "mem_per_worker_gb" in raw else None,
        time_limit_margin=margin,
    )


def _price(key: str, value: Any) -> float:
    number = as_float(key, value, "must be a finite number >= 0")
    if number < 0:
        raise ValidationError(key, "must be a finite number >= 0", value)
    return number


def _cost(raw: dict[str, Any]) -> CostInputs:
    return CostInputs(
        gpu_hour=_price("cost.gpu_hour", raw["gpu_hour"]) if "gpu_hour" in raw else None,
        cpu_hour=_price("cost.cpu_hour", raw["cpu_hour"]) if "cpu_hour" in raw else None,
    )


_PARSERS = {"scaling": _scaling, "data": _data, "model": _model, "serving": _serving, "agents": _agents,
            "job": _job, "cost": _cost}


def candidate_from_dict(raw: dict[str, Any]) -> Candidate:
    """Validate a parsed candidate document (the TOML schema) into a Candidate."""
    for key in raw:
        if key not in _TOP_KEYS:
            raise ValidationError(key, "unknown key; accepted: " + ", ".join(_TOP_KEYS))
    values: dict[str, Any] = {}
    if "name" in raw:
        values["name"] = _text("name", raw["name"])
    for section, kind in _SECTIONS.items():
        if section not in raw:
            continue
        body = raw[section]
        if not isinstance(body, dict):
            raise ValidationError(section, "must be a table ([" + section + "])", body)
        for key in body:
            if key not in _keys(kind):
                raise ValidationError(
                    f"{section}.{key}", "unknown key; accepted: " + ", ".join(_keys(kind))
                )
        values[section] = _PARSERS[section](body)
    if "machine" in raw:
        body = raw["machine"]
        if not isinstance(body, dict):
            raise ValidationError("machine", "must be a table ([machine]) with a 'reference' key", body)
        for key in body:
            if key not in ("reference", "accelerator_gb"):
                raise ValidationError(f"machine.{key}", "unknown key; accepted: reference, accelerator_gb")
        values["machine"] = _text("machine.reference", body.get("reference", DEFAULT_MACHINE))
        if "accelerator_gb" in body:
            values["accelerator_gb"] = _accelerator_gb(body["accelerator_gb"])
    return Candidate(**values)


def parse_candidate(text: str, source: str = "candidate") -> Candidate:
    """Parse candidate TOML text; malformed TOML is a ValidationError naming the source."""
    from capstone_tui.core.toml_nesting import NESTING_ACCEPTED, check_nesting

    check_nesting(text, source)  # tomllib recurses per level: bound the depth first
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValidationError(source, "must be valid TOML", detail=str(err)) from None
    except RecursionError:  # a backstop: check_nesting should have refused it
        raise ValidationError(source, NESTING_ACCEPTED) from None
    return candidate_from_dict(raw)


def candidate_to_dict(candidate: Candidate) -> dict[str, Any]:
    """Every input, in the candidate-file schema (None values left out)."""
    out: dict[str, Any] = {"name": candidate.name}
    for section in _SECTIONS:
        body = {TOML_NAMES.get(k, k): v for k, v in vars(getattr(candidate, section)).items() if v is not None}
        if body:
            out[section] = body
    out["machine"] = {"reference": candidate.machine}
    if candidate.accelerator_gb is not None:
        out["machine"]["accelerator_gb"] = candidate.accelerator_gb
    return out


def dump_candidate(candidate: Candidate) -> str:
    """The candidate as TOML text that `parse_candidate` reads back to an equal Candidate."""
    import tomli_w  # small; only needed when saving

    return tomli_w.dumps(candidate_to_dict(candidate))


def with_scaling(candidate: Candidate, **changes: Any) -> Candidate:
    """A new candidate with scaling inputs changed (validated)."""
    merged = {**vars(candidate.scaling), **changes}
    return replace(candidate, scaling=_scaling(merged))
