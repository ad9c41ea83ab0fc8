"""Atomic writes: readers see the old file or the new one, never a partial one."""

import os
import stat

import numpy as np
import pytest
import xarray as xr

from qsynchro.outputs.store import atomic_path, read_dataset, write_dataset


def test_failed_write_leaves_old_file_and_no_temporaries(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_written_files_get_umask_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_dataset(xr.Dataset({"x": ("t", np.arange(3.0))}), tmp_path / "x.nc")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_complex_roundtrip(tmp_path):
    z = np.exp(1j * np.linspace(0, 1, 5))
    path = write_dataset(xr.Dataset({"z": ("t", z)}), tmp_path / "z.nc")
    np.testing.assert_array_equal(read_dataset(path)["z"].values, z)
