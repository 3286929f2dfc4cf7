"""A fake `libnvidia-ml.so.1`, compiled once per test session, so the real `nvidia-ml-py`
code path runs on machines without a GPU (fixture `fake_nvml` -> its directory, for
LD_LIBRARY_PATH).

The library reads its behaviour from the environment at nvmlInit:
  FAKE_NVML_GPUS=N        devices (default 2), each "NVIDIA H100 80GB HBM3", 80 GiB
  FAKE_NVML_MODE=...      ok | driver_not_loaded (init -> 9) | mismatch (init -> 18) |
                          no_devices | gpu_lost (device calls -> 15) |
                          no_permission (device calls -> 4) | unknown (device calls -> 999) |
                          segfault (nvmlInit dies of SIGSEGV) |
                          segfault_device (device calls die of SIGSEGV: init and count succeed)
  FAKE_NVML_DELAY_MS=x    every device call sleeps x ms (a hanging driver)
  FAKE_NVML_NVLINKS=n     n active NVLink links (default 0 = NVLink not supported)
  FAKE_NVML_MIG=1         MIG mode enabled (default: MIG not supported)
  FAKE_NVML_MEM_V2=1      nvmlDeviceGetMemoryInfo_v2 answers (512 MiB reserved, used excludes it);
                          default: NOT_SUPPORTED, so the v1 fallback runs
Fixed values a test can check: memory 80 GiB total / 20 GiB used, utilization 37 %,
temperature 41 C, power 123.456 W of 700 W, PCIe gen 5 x16, driver "999.99-fake".
Every other function the installed pynvml names answers NVML_ERROR_NOT_SUPPORTED.
Written for this project after reference/examples/fake_nvml.py; standard C only.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

C_SOURCE = r"""
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <signal.h>
typedef int ret_t;
enum { OK = 0, UNINIT = 1, INVALID = 2, NOTSUP = 3, NOPERM = 4, DRIVER = 9, LOST = 15,
       MISMATCH = 18, UNKNOWN = 999, MAXDEV = 16 };
static int ndev = 2, refs = 0, delay_ms = 0, init_err = OK, dev_err = OK, nvlinks = 0, mig = 0, crash = 0, mem_v2 = 0;
static int slots[MAXDEV];

static void setup(void) {
    const char *s;
    ndev = 2; delay_ms = 0; init_err = OK; dev_err = OK; nvlinks = 0; mig = 0; crash = 0; mem_v2 = 0;
    if ((s = getenv("FAKE_NVML_MEM_V2"))) mem_v2 = atoi(s);
    if ((s = getenv("FAKE_NVML_GPUS"))) ndev = atoi(s) < 0 ? 0 : atoi(s) > MAXDEV ? MAXDEV : atoi(s);
    if ((s = getenv("FAKE_NVML_DELAY_MS"))) delay_ms = atoi(s);
    if ((s = getenv("FAKE_NVML_NVLINKS"))) nvlinks = atoi(s);
    if ((s = getenv("FAKE_NVML_MIG"))) mig = atoi(s);
    if ((s = getenv("FAKE_NVML_MODE"))) {
        if (!strcmp(s, "driver_not_loaded")) init_err = DRIVER;
        else if (!strcmp(s, "mismatch")) init_err = MISMATCH;
        else if (!strcmp(s, "no_devices")) ndev = 0;
        else if (!strcmp(s, "gpu_lost")) dev_err = LOST;
        else if (!strcmp(s, "no_permission")) dev_err = NOPERM;
        else if (!strcmp(s, "unknown")) dev_err = UNKNOWN;
        else if (!strcmp(s, "segfault")) crash = 1;
        else if (!strcmp(s, "segfault_device")) crash = 2;
    }
    for (int i = 0; i < MAXDEV; i++) slots[i] = i;
}
static void put(char *dst, unsigned len, const char *src) { if (dst && len) { strncpy(dst, src, len - 1); dst[len - 1] = 0; } }
static void pause_ms(void) { if (delay_ms > 0) { struct timespec t = {delay_ms / 1000, (delay_ms % 1000) * 1000000L}; nanosleep(&t, NULL); } }

#define DEVICE(h, i) \
    if (refs <= 0) return UNINIT; \
    if (!(h) || (int *)(h) < slots || (int *)(h) >= slots + ndev) return INVALID; \
    pause_ms(); \
    if (crash == 2) raise(SIGSEGV); \
    if (dev_err) return dev_err; \
    int i = *(int *)(h); (void)i;

ret_t nvmlInitWithFlags(unsigned flags) {
    (void)flags; setup(); if (crash == 1) raise(SIGSEGV); if (init_err) return init_err; refs++; return OK;
}
ret_t nvmlInit_v2(void) { return nvmlInitWithFlags(0); }
ret_t nvmlInit(void) { return nvmlInitWithFlags(0); }
ret_t nvmlShutdown(void) { if (refs <= 0) return UNINIT; refs--; return OK; }
const char *nvmlErrorString(ret_t r) {
    switch (r) {
    case OK: return "Success"; case UNINIT: return "Uninitialized"; case INVALID: return "Invalid Argument";
    case NOTSUP: return "Not Supported"; case NOPERM: return "Insufficient Permissions";
    case DRIVER: return "Driver Not Loaded"; case LOST: return "GPU is lost";
    case MISMATCH: return "RM has detected an NVML/RM version mismatch."; default: return "Unknown Error";
    }
}
ret_t nvmlSystemGetDriverVersion(char *v, unsigned len) { if (refs <= 0) return UNINIT; put(v, len, "999.99-fake"); return OK; }
ret_t nvmlDeviceGetCount_v2(unsigned *c) { if (refs <= 0) return UNINIT; *c = (unsigned)ndev; return OK; }
ret_t nvmlDeviceGetCount(unsigned *c) { return nvmlDeviceGetCount_v2(c); }
ret_t nvmlDeviceGetHandleByIndex_v2(unsigned idx, void **h) {
    if (refs <= 0) return UNINIT; if (idx >= (unsigned)ndev) return INVALID; *h = &slots[idx]; return OK;
}
ret_t nvmlDeviceGetHandleByIndex(unsigned idx, void **h) { return nvmlDeviceGetHandleByIndex_v2(idx, h); }
ret_t nvmlDeviceGetName(void *h, char *n, unsigned len) { DEVICE(h, i); put(n, len, "NVIDIA H100 80GB HBM3"); return OK; }
ret_t nvmlDeviceGetUUID(void *h, char *u, unsigned len) {
    DEVICE(h, i); char t[64]; snprintf(t, sizeof t, "GPU-0000fa4e-0000-4000-8000-%012d", i); put(u, len, t); return OK;
}
#define GIB (1024ULL * 1024ULL * 1024ULL)
typedef struct { unsigned long long total, free, used; } mem_t;
ret_t nvmlDeviceGetMemoryInfo(void *h, mem_t *m) { DEVICE(h, i); m->total = 80 * GIB; m->used = 20 * GIB; m->free = 60 * GIB; return OK; }
typedef struct { unsigned version; unsigned long long total, reserved, free, used; } mem2_t;
ret_t nvmlDeviceGetMemoryInfo_v2(void *h, mem2_t *m) {
    DEVICE(h, i); if (!mem_v2) return NOTSUP;
    m->total = 80 * GIB; m->reserved = 512ULL * 1024 * 1024; m->used = 20 * GIB - m->reserved; m->free = 60 * GIB; return OK;
}
typedef struct { unsigned gpu, memory; } util_t;
ret_t nvmlDeviceGetUtilizationRates(void *h, util_t *u) { DEVICE(h, i); u->gpu = 37; u->memory = 18; return OK; }
ret_t nvmlDeviceGetTemperature(void *h, int sensor, unsigned *t) { DEVICE(h, i); if (sensor != 0) return INVALID; *t = 41; return OK; }
ret_t nvmlDeviceGetPowerUsage(void *h, unsigned *mw) { DEVICE(h, i); *mw = 123456; return OK; }
ret_t nvmlDeviceGetEnforcedPowerLimit(void *h, unsigned *mw) { DEVICE(h, i); *mw = 700000; return OK; }
ret_t nvmlDeviceGetCurrPcieLinkGeneration(void *h, unsigned *g) { DEVICE(h, i); *g = 5; return OK; }
ret_t nvmlDeviceGetCurrPcieLinkWidth(void *h, unsigned *w) { DEVICE(h, i); *w = 16; return OK; }
ret_t nvmlDeviceGetNvLinkState(void *h, unsigned link, int *active) {
    DEVICE(h, i); if (nvlinks <= 0) return NOTSUP; if (link >= (unsigned)nvlinks) return INVALID; *active = 1; return OK;
}
ret_t nvmlDeviceGetMigMode(void *h, unsigned *cur, unsigned *pending) {
    DEVICE(h, i); if (!mig) return NOTSUP; *cur = 1; *pending = 1; return OK;
}
"""


def _pynvml_symbols() -> set[str]:
    """Every C function the installed pynvml looks up, so stubs can answer NOT_SUPPORTED."""
    spec = importlib.util.find_spec("pynvml")
    if spec is None or not spec.origin:
        return set()
    text = Path(spec.origin).read_text(encoding="utf-8", errors="replace")
    return set(re.findall(r'_nvmlGetFunctionPointer\("(nvml\w+)"\)', text))


def build_fake_nvml(out: Path) -> Path:
    """Write and compile the fake library into out; returns out (for LD_LIBRARY_PATH)."""
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        raise RuntimeError("no C compiler (cc/gcc) to build the fake libnvidia-ml.so.1")
    out.mkdir(parents=True, exist_ok=True)
    defined = set(re.findall(r"^(?:ret_t|const char \*)\s*(nvml\w+)\(", C_SOURCE, re.M))
    stubs = sorted(_pynvml_symbols() - defined)
    source = C_SOURCE + "".join(f"ret_t {name}(void) {{ return NOTSUP; }}\n" for name in stubs)
    (out / "fake_nvml.c").write_text(source)
    subprocess.run([cc, "-O1", "-shared", "-fPIC", "-o", str(out / "libnvidia-ml.so.1"), str(out / "fake_nvml.c")],
                   check=True, capture_output=True, text=True)
    return out


@pytest.fixture(scope="session")
def fake_nvml(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Directory holding the fake libnvidia-ml.so.1 (put it on LD_LIBRARY_PATH)."""
    return build_fake_nvml(tmp_path_factory.mktemp("fake_nvml"))
