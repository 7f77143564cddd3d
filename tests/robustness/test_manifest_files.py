"""6. Manifest entries are relative paths inside the data folder; sizes are checked against the
manifest before hashing; hashing streams in chunks."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from viewer.core.errors import DataError
from viewer.io import files
from viewer.io import meshes as meshio
from viewer.io.model import load_model


def _set_entry(folder, sid, **values):
    path = folder / "meshes" / "manifest.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["structures"][sid].update(values)
    path.write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.parametrize("name", ["/etc/hostname", "../annotations/femur.yaml", "..\\meshes\\femur.ply",
                                  "C:\\data\\femur.ply", "sub/../../femur.ply"])
def test_paths_outside_the_folder_are_refused(data_copy, name):
    _set_entry(data_copy, "femur", file=name)
    with pytest.raises(DataError, match=r"manifest\.json: structures\.femur\.file: .* must be a relative path inside "
                                        r"the mesh folder"):
        load_model(data_copy)


def test_a_symbolic_link_out_of_the_folder_is_refused(data_copy, tmp_path):
    outside = tmp_path / "elsewhere.ply"
    outside.write_bytes((data_copy / "meshes" / "femur.ply").read_bytes())
    os.symlink(outside, data_copy / "meshes" / "link.ply")
    _set_entry(data_copy, "femur", file="link.ply")
    with pytest.raises(DataError, match="leads outside the mesh folder"):
        load_model(data_copy)


def test_a_relative_path_inside_is_fine(data_copy):
    (data_copy / "meshes" / "sub").mkdir()
    os.replace(data_copy / "meshes" / "femur.ply", data_copy / "meshes" / "sub" / "femur.ply")
    _set_entry(data_copy, "femur", file="sub/femur.ply")
    assert load_model(data_copy).meshes["femur"].faces.shape[1] == 3


def test_the_size_is_checked_before_hashing(data_copy, monkeypatch):
    path = data_copy / "meshes" / "femur.ply"
    with open(path, "ab") as fh:
        fh.write(b"\0" * 4096)

    hashed = []
    real = meshio.sha256_of
    monkeypatch.setattr(meshio, "sha256_of", lambda p: hashed.append(p.name) or real(p))
    with pytest.raises(DataError, match=r"femur\.ply: content does not match the SHA-256 in manifest\.json"):
        load_model(data_copy)
    assert "femur.ply" not in hashed


def test_without_a_listed_size_the_limit_applies_before_hashing(data_copy, monkeypatch):
    monkeypatch.setattr(meshio, "MAX_MESH_BYTES", 1000)
    monkeypatch.setattr(meshio, "sha256_of", lambda p: (_ for _ in ()).throw(AssertionError("hashed")))
    path = data_copy / "meshes" / "manifest.json"
    doc = json.loads(path.read_text())
    del doc["structures"]["femur"]["bytes"]
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"femur\.ply: is \d+ bytes, larger than the limit of 1000 bytes"):
        meshio.load_mesh(data_copy / "meshes", "femur", doc["structures"]["femur"])


def test_hashing_streams_in_chunks(tmp_path, monkeypatch):
    path = tmp_path / "big.bin"
    content = os.urandom(300_000)
    path.write_bytes(content)
    reads = []
    real_open = open

    class Spy:
        def __init__(self, fh):
            self.fh = fh

        def read(self, n=-1):
            reads.append(n)
            return self.fh.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    monkeypatch.setattr(files, "HASH_CHUNK_BYTES", 65536)
    monkeypatch.setattr(files, "open", lambda p, mode="r", *a, **k: Spy(real_open(p, mode, *a, **k)), raising=False)
    assert files.sha256_of(path) == hashlib.sha256(content).hexdigest()
    assert reads and all(0 < n <= 65536 for n in reads) and len(reads) >= 300_000 // 65536


def test_the_generator_lists_each_file_size(model):
    manifest = json.loads((model.data_dir / "meshes" / "manifest.json").read_text())
    for sid, entry in manifest["structures"].items():
        assert entry["bytes"] == (model.data_dir / "meshes" / entry["file"]).stat().st_size, sid
