"""Probe the GPUs through NVML (NVIDIA's `nvidia-ml-py`): one lazy init per process, one
query funnel, unsupported metrics remembered and never asked again, and every fault turned
into a named state (`core.inventory.GPU_STATES`) instead of an exception.

`read_gpus` runs NVML in the calling process; only the helper process (`probes.nvml_child`)
calls it. Everything else uses `read_gpus_within(timeout_s)`, which asks that helper over a pipe
(`probes.nvml_helper`), so a driver library that hangs, aborts or segfaults costs a named state
("NVML not answering", "NVML crashed"), never the dashboard.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from typing import Any, Callable

from capstone_tui.core.inventory.report import GpuDevice, GpuReport, gpu_report
from capstone_tui.core.inventory.parsers import visible_indices

_nvml_lock = threading.Lock()  # NVML is called from one thread at a time
_initialised = False
_unsupported: set[tuple[int, str]] = set()  # (device index, metric) the driver said no to

# NVML return codes (nvml.h); pynvml names them NVML_ERROR_*.
NOT_SUPPORTED, NO_PERMISSION, DRIVER_NOT_LOADED, LIBRARY_NOT_FOUND = 3, 4, 9, 12
FUNCTION_NOT_FOUND, GPU_IS_LOST, MISMATCH = 13, 15, 18
_STATE_OF_CODE = {LIBRARY_NOT_FOUND: "no_library", DRIVER_NOT_LOADED: "driver_not_loaded",
                  MISMATCH: "mismatch", NO_PERMISSION: "no_permission", GPU_IS_LOST: "gpu_lost"}
_REQUIRED = ("nvmlInitWithFlags", "nvmlShutdown", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex",
             "NVMLError", "NVMLError_LibraryNotFound")


class _DeviceFault(Exception):
    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code


def _import_pynvml() -> Any:
    # nvidia-ml-py: about 20 ms and 3 MB to import; the driver library loads only at init.
    import pynvml

    return pynvml


def _shutdown() -> None:
    global _initialised
    if _initialised and _nvml_lock.acquire(timeout=0.2):  # never wait on a hung driver at exit
        try:
            _import_pynvml().nvmlShutdown()
        except Exception:
            pass
        finally:
            _initialised = False
            _nvml_lock.release()


def _ensure_init(nvml: Any) -> None:
    global _initialised
    if not _initialised:
        nvml.nvmlInit()
        _initialised = True
        atexit.register(_shutdown)


def _query(nvml: Any, index: int, metric: str, fn: Callable[..., Any], *args: Any) -> Any:
    """The one funnel: a value, or None where unsupported (remembered); faults raise."""
    if (index, metric) in _unsupported:
        return None
    try:
        return fn(*args)
    except nvml.NVMLError as err:
        code = getattr(err, "value", None)
        if code in (NOT_SUPPORTED, FUNCTION_NOT_FOUND):
            _unsupported.add((index, metric))
            return None
        raise _DeviceFault(code if isinstance(code, int) else -1, str(err)) from None
    except (AttributeError, TypeError):  # a binding older than the call: treat as unsupported
        _unsupported.add((index, metric))
        return None


def _nvlink_links(nvml: Any, index: int, handle: Any) -> int | None:
    if (index, "nvlink") in _unsupported:
        return None
    active = 0
    for link in range(getattr(nvml, "NVML_NVLINK_MAX_LINKS", 18)):
        try:
            state = nvml.nvmlDeviceGetNvLinkState(handle, link)
        except nvml.NVMLError as err:
            if link == 0 and getattr(err, "value", None) in (NOT_SUPPORTED, FUNCTION_NOT_FOUND):
                _unsupported.add((index, "nvlink"))
                return None
            break  # past the last link this GPU has
        active += int(state == getattr(nvml, "NVML_FEATURE_ENABLED", 1))
    return active


def _memory_v2(handle: Any, nvml: Any) -> Any:
    """nvmlDeviceGetMemoryInfo_v2 (total, reserved, used, free); older drivers lack it."""
    return nvml.nvmlDeviceGetMemoryInfo(handle, version=nvml.nvmlMemory_v2)


def _read_device(nvml: Any, index: int, handle: Any) -> GpuDevice:
    values: dict[str, Any] = {}
    q = lambda metric, fn, *a: _query(nvml, index, metric, fn, handle, *a)  # noqa: E731
    try:
        values["name"] = q("name", nvml.nvmlDeviceGetName)
        values["uuid"] = q("uuid", nvml.nvmlDeviceGetUUID)
        # v2 splits the driver's reservation out of "used", as nvidia-smi reports it (an idle
        # H200 reads 0 MiB used, 616 MiB reserved; v1 calls the reservation "used").
        mem = q("memory_v2", _memory_v2, nvml)
        if mem is not None:
            values["memory_reserved_bytes"] = int(mem.reserved)
        else:
            mem = q("memory", nvml.nvmlDeviceGetMemoryInfo)
        if mem is not None:
            values["memory_total_bytes"], values["memory_used_bytes"] = int(mem.total), int(mem.used)
        util = q("utilization", nvml.nvmlDeviceGetUtilizationRates)
        values["utilization_pct"] = None if util is None else int(util.gpu)
        values["temperature_c"] = q("temperature", nvml.nvmlDeviceGetTemperature,
                                    getattr(nvml, "NVML_TEMPERATURE_GPU", 0))
        power = q("power", nvml.nvmlDeviceGetPowerUsage)
        values["power_draw_w"] = None if power is None else power / 1000.0
        limit = q("power_limit", nvml.nvmlDeviceGetEnforcedPowerLimit)
        values["power_limit_w"] = None if limit is None else limit / 1000.0
        values["pcie_gen"] = q("pcie_gen", nvml.nvmlDeviceGetCurrPcieLinkGeneration)
        values["pcie_width"] = q("pcie_width", nvml.nvmlDeviceGetCurrPcieLinkWidth)
        values["nvlink_links"] = _nvlink_links(nvml, index, handle)
        mig = q("mig", nvml.nvmlDeviceGetMigMode)
        values["mig_mode"] = None if mig is None else ("enabled" if mig[0] else "disabled")
    except _DeviceFault as fault:
        state = _STATE_OF_CODE.get(fault.code, "error")
        return GpuDevice(index=index, error=f"{state}: {fault}", **values)
    return GpuDevice(index=index, **values)


def _state_for_error(nvml: Any, err: Exception, visible: str | None, start: float) -> GpuReport:
    code = getattr(err, "value", None)
    if isinstance(err, getattr(nvml, "NVMLError_LibraryNotFound", ())) or code == LIBRARY_NOT_FOUND:
        return gpu_report("no_library", visible=visible, elapsed_s=time.monotonic() - start)
    state = _STATE_OF_CODE.get(code, "error")
    return gpu_report(state, str(err), visible=visible, elapsed_s=time.monotonic() - start)


def read_gpus() -> GpuReport:
    """One reading of every visible GPU (blocking; see `read_gpus_within`). Never raises."""
    start = time.monotonic()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    try:
        nvml = _import_pynvml()
    except Exception as err:  # missing, or a broken install
        return gpu_report("bindings_broken", f"import pynvml failed ({type(err).__name__}: {err})",
                          visible=visible)
    missing = [name for name in _REQUIRED if not hasattr(nvml, name)]
    if missing:
        where = getattr(nvml, "__file__", "?")
        return gpu_report("bindings_broken", f"the pynvml at {where} is not NVIDIA's nvidia-ml-py "
                          f"(lacks {', '.join(missing[:3])})", visible=visible)
    with _nvml_lock:
        try:
            return _read_all(nvml, visible, start)
        except nvml.NVMLError as err:
            return _state_for_error(nvml, err, visible, start)
        except Exception as err:  # a bug in a binding must not take the dashboard down
            return gpu_report("error", f"{type(err).__name__}: {err}", visible=visible)


def _read_all(nvml: Any, visible: str | None, start: float) -> GpuReport:
    _ensure_init(nvml)
    driver = None
    try:
        driver = nvml.nvmlSystemGetDriverVersion()
    except nvml.NVMLError:
        pass
    count = nvml.nvmlDeviceGetCount()
    handles, uuids = [], []
    for i in range(count):
        handle = nvml.nvmlDeviceGetHandleByIndex(i)
        handles.append(handle)
        try:
            uuids.append(_query(nvml, i, "uuid", nvml.nvmlDeviceGetUUID, handle) if visible else None)
        except _DeviceFault:
            uuids.append(None)
    chosen = visible_indices(visible, uuids)
    common: dict[str, Any] = {"driver_version": driver, "visible": visible}
    if count == 0:
        return gpu_report("no_devices", "NVML sees 0 devices", elapsed_s=time.monotonic() - start, **common)
    if not chosen:
        return gpu_report("no_devices", f"CUDA_VISIBLE_DEVICES={visible!r} hides all {count}",
                          elapsed_s=time.monotonic() - start, **common)
    devices = tuple(_read_device(nvml, i, handles[i]) for i in chosen)
    unsupported = tuple(sorted({m for (i, m) in _unsupported if i in chosen}))
    errors = [d.error.split(":", 1)[0] for d in devices if d.error]
    elapsed = time.monotonic() - start
    if "gpu_lost" in errors:
        lost = sum(e == "gpu_lost" for e in errors)
        return gpu_report("gpu_lost", f"{lost} of {len(devices)} device(s)", devices=devices,
                          unsupported=unsupported, elapsed_s=elapsed, **common)
    if errors and len(errors) == len(devices):
        state = errors[0] if errors[0] in ("no_permission",) else "error"
        detail = next(d.error for d in devices if d.error) or ""
        return gpu_report(state, detail.split(": ", 1)[-1], devices=devices, unsupported=unsupported,
                          elapsed_s=elapsed, **common)
    report = gpu_report("ok", devices=devices, unsupported=unsupported, elapsed_s=elapsed, **common)
    return report


def read_gpus_within(timeout_s: float = 3.0) -> GpuReport:
    """A GPU reading from the NVML helper process, or a named state: "waiting" (NVML not
    answering within timeout_s; the reading goes on and the next call picks it up) or
    "crashed" (the library killed the helper). Never raises; never loads NVML here."""
    from capstone_tui.probes.nvml_helper import read_within

    return read_within(timeout_s)
