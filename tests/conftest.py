"""Shared pytest setup: fixtures live in tests/support/ and are loaded here."""

pytest_plugins = ["support.slurm", "support.fake_nvml", "support.sizer_data"]
