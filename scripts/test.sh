#!/usr/bin/env bash
# Install what the tests need on a fresh Debian/Ubuntu machine (tmux, a C compiler for the
# fake NVML library, Slurm + munge for the local single-node cluster, Chromium for the browser
# test), create .venv with the package and its test extras, run the whole suite, then, when it
# passed, one short round of every benchmark (bench/run.py --quick, under 3 minutes; it fails
# the script when a benchmark breaks; CAPSTONE_BENCH=0 skips it). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(tmux gcc libc6-dev slurmctld slurmd slurm-client munge chromium)
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "[test.sh] apt-get install ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  echo "[test.sh] not root or no apt-get: using the system's tmux/Slurm/Chromium if present" >&2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/python -m pytest "$@"  # set -e: a failing suite ends the script with pytest's exit code
if [ "${CAPSTONE_BENCH:-1}" != 0 ]; then
  .venv/bin/python bench/run.py --quick
fi
