"""compsem.models.weights: a local folder with pickled or damaged weights is refused in one line, never unpickled."""

from __future__ import annotations

import json
import pickle
import random
import struct
from pathlib import Path

import numpy as np
import pytest

from compsem.models import registry
from compsem.models.weights import safetensors_problem, weights_problem

DATA = Path(__file__).parent / "data"


def _safetensors(tensors: dict[str, np.ndarray]) -> bytes:
    """A safetensors file written by hand (the format: u64 header length, JSON header, raw little-endian data)."""
    header, body = {}, b""
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [len(body), len(body) + len(data)]}
        body += data
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


GOOD = _safetensors({"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": np.ones(4, dtype=np.float32)})


class _Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _bi_encoder_folder(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 4}))
    (folder / "modules.json").write_text("[]")
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text("{}")
    return folder


def test_a_whole_file_passes_and_the_library_agrees():
    from safetensors.numpy import load

    assert load(GOOD)["a"].shape == (2, 3)
    assert safetensors_problem_of(GOOD) == ""


def safetensors_problem_of(data: bytes, tmp: Path | None = None) -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.safetensors"
        path.write_bytes(data)
        return safetensors_problem(path)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "too short"),
        (GOOD[:-1], "damaged"),
        (GOOD[:20], "cut short"),
        (struct.pack("<Q", 2**62) + GOOD[8:], "cut short"),
        (GOOD[:8] + b"\xff" * (len(GOOD) - 8), "not JSON"),
        (GOOD + b"\0" * 8, "cover"),
        (b"PK\x03\x04" + GOOD[4:], "damaged"),  # a zip (what torch.save writes) is not safetensors
    ],
)
def test_a_damaged_file_is_named_with_what_is_wrong(data, why):
    problem = safetensors_problem_of(data)
    assert problem.startswith("model.safetensors") and why in problem and "\n" not in problem


def test_every_single_byte_change_is_refused_or_loads_in_the_library():
    """Property: the check never passes a file the safetensors library would fail on (flips all over the header)."""
    from safetensors.numpy import load

    rng = random.Random(11)
    header_end = 8 + struct.unpack("<Q", GOOD[:8])[0]
    for i in list(range(header_end)) + [rng.randrange(header_end, len(GOOD)) for _ in range(20)]:
        data = bytearray(GOOD)
        data[i] ^= 1 << rng.randrange(8)
        if safetensors_problem_of(bytes(data)) == "":
            load(bytes(data))  # must not raise


def test_a_pickled_bin_in_a_local_folder_is_refused_and_never_unpickled(tmp_path, capsys):
    from compsem.cli import main
    from compsem.scorers import ModelUnavailableError, load_scorer

    folder = _bi_encoder_folder(tmp_path / "pickled-model")
    marker = tmp_path / "code-ran"
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    res = registry.resolve(registry.get_spec(str(folder)))
    assert res.status == "unavailable" and "pickled weights (pytorch_model.bin)" in res.reason
    assert "never loads a pickle" in res.reason and "\n" not in res.reason
    with pytest.raises(ModelUnavailableError, match="pickled weights"):
        load_scorer(str(folder))
    code = main(
        ["run", "--pairs", str(DATA / "small_pairs.csv"), "--models", str(folder), "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code != 0 and "pickled weights" in err and "Traceback" not in err and "UnpicklingError" not in err
    assert not marker.exists()  # nothing was unpickled


def test_a_pickle_in_a_module_sub_folder_is_refused_too(tmp_path):
    folder = _bi_encoder_folder(tmp_path / "m")
    (folder / "model.safetensors").write_bytes(GOOD)
    (folder / "2_Dense").mkdir()
    (folder / "2_Dense" / "pytorch_model.bin").write_bytes(b"\x80\x04.")
    assert "model sub-folder" in weights_problem(folder) and "2_Dense" in weights_problem(folder)
    (folder / "2_Dense" / "model.safetensors").write_bytes(GOOD)
    assert weights_problem(folder) == ""  # safetensors beside it: the loaders take those


def test_a_damaged_safetensors_in_a_local_folder_is_one_line_in_the_cli_and_the_library(tmp_path, capsys):
    from compsem.cli import main
    from compsem.scorers import ModelUnavailableError, load_scorer

    folder = _bi_encoder_folder(tmp_path / "damaged-model")
    (folder / "model.safetensors").write_bytes(GOOD[: len(GOOD) // 2])
    res = registry.resolve(registry.get_spec(str(folder)))
    assert res.status == "unavailable" and "model.safetensors is damaged" in res.reason
    with pytest.raises(ModelUnavailableError, match="model.safetensors is damaged"):
        load_scorer(str(folder))
    code = main(
        ["run", "--pairs", str(DATA / "small_pairs.csv"), "--models", str(folder), "--out", str(tmp_path / "o")]
    )
    err = capsys.readouterr().err
    assert code != 0 and "model.safetensors is damaged" in err and "Traceback" not in err
    assert "SafetensorError" not in err


def test_a_load_failure_the_check_cannot_see_is_still_one_line(monkeypatch):
    """A pickle or safetensors error raised while loading becomes ModelUnavailableError, not a traceback."""
    from compsem.scorers import ModelUnavailableError, load
    from compsem.scorers.baseline import BaselineScorer

    class SafetensorError(Exception):  # the compiled extension's class, by name
        pass

    for error in (pickle.UnpicklingError("Weights only load failed"), SafetensorError("invalid header"), EOFError()):

        def fail(res, error=error):
            raise error

        monkeypatch.setattr(load, "BaselineScorer", fail)
        with pytest.raises(ModelUnavailableError, match="could not be loaded"):
            load.load_scorer("token-jaccard")
    monkeypatch.setattr(load, "BaselineScorer", BaselineScorer)


def test_a_local_folder_with_a_config_that_is_not_json_is_named(tmp_path):
    folder = tmp_path / "bad-config"
    folder.mkdir()
    (folder / "config.json").write_text("{ nope")
    with pytest.raises(registry.UnknownModelError, match="config.json cannot be read as JSON"):
        registry.get_spec(str(folder))
