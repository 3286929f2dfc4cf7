"""Pure sizer results: the SPEC JSON keys, how-labels, the measured total and the fit tiers."""

from __future__ import annotations

from capstone_tui.core.datasize import (
    ConfigSize,
    DatasetSize,
    SplitSize,
    combine_how,
    fit_tier,
    report_lines,
)
from capstone_tui.core.machine import Machine

GIB = 2**30


def _machine(memory: float, disk: float | None) -> Machine:
    return Machine(id="m", label="m", source="preset", memory_total_bytes=memory,
                   memory_bytes=memory * 0.9, disk_bytes=disk)


def _size() -> DatasetSize:
    train = SplitSize("train", 10, 100.0, "exact:parquet-footer", "est:parquet-uncompressed", 40, 1)
    config = ConfigSize("default", (train,), 40.0, 100.0, "exact:stat", "est:parquet-uncompressed")
    other = ConfigSize("other", (SplitSize("train", 1, 7.0, "exact:card", "exact:card"),), None, 7.0,
                       "unknown", "exact:card")
    return DatasetSize("x", (other, config), ("w",), "local folder")


def test_json_has_exactly_the_spec_keys() -> None:
    out = _size().to_json()
    assert list(out) == ["name", "configs", "warnings"]
    for config in out["configs"]:
        assert list(config) == ["config", "splits", "download_size", "dataset_size", "how"]
        for split in config["splits"]:
            assert list(split) == ["split", "num_examples", "num_bytes"]
    assert out["configs"][1]["how"] == (
        "rows exact:parquet-footer; bytes est:parquet-uncompressed; download exact:stat")
    assert out["configs"][0]["how"] == "exact:card"


def test_measured_prefers_default_and_keeps_the_label() -> None:
    measured = _size().measured()
    assert measured is not None
    assert (measured.bytes, measured.how, measured.label) == (100.0, "est:parquet-uncompressed", "x [default]")
    assert _size().measured("other").bytes == 7.0
    assert DatasetSize("y", ()).measured() is None


def test_combine_how_picks_the_weakest() -> None:
    assert combine_how(["exact:card", "exact:card"]) == "exact:card"
    assert combine_how(["exact:card", "est:sample(head, 1.0 MiB)"]) == "est:sample(head, 1.0 MiB)"
    assert combine_how(["exact:card", "unknown", "est:x"]) == "unknown"


def test_fit_tiers_at_their_edges() -> None:
    machine = _machine(100 * GIB, 1000 * GIB)
    # usable memory is 90 % of 100 GiB here; the disk is 1000 GiB
    assert fit_tier(90 * GIB, machine) == "fits in RAM"
    assert fit_tier(90 * GIB + 1, machine) == "must stream from local disk"
    assert fit_tier(1000 * GIB, machine) == "must stream from local disk"
    assert fit_tier(1000 * GIB + 1, machine) == "exceeds local disk"
    assert "disk unknown" in fit_tier(91 * GIB, _machine(100 * GIB, None))


def test_report_marks_estimates_and_units() -> None:
    text = "\n".join(report_lines(_size()))
    assert "10 rows [exact:parquet-footer]" in text
    assert "≈100 B [est:parquet-uncompressed]" in text
    assert "warning: w" in text
