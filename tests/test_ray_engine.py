"""compsem.ray_engine: the Ray engine on a local cluster gives the local engine's tables, byte for byte."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from compsem import pipeline
from compsem.pipeline import RunError, run
from compsem.ray_engine import RayEngineError, check_address

pytest.importorskip("ray")

from run_identity import normalize  # noqa: E402  (tests/ is on the path under pytest)

HEADER = "id,category,sentence_a,sentence_b\n"


def _pairs(path: Path, n: int) -> Path:
    cats = ("negation", "numerical", "entity_swap", "positive_control")
    rows = "".join(f"{i},{cats[i % 4]},The {i} cats sat on mats.,The mats sat on {i} cats.\n" for i in range(n))
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_an_address_that_does_not_answer_is_one_sentence_in_bounded_time(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(RayEngineError, match="no Ray cluster answers at 127.0.0.1:9"):
        check_address("127.0.0.1:9", timeout=2)
    with pytest.raises(RunError, match="no Ray cluster answers"):
        run(_pairs(tmp_path / "p.csv", 10), ["token-jaccard"], out=tmp_path / "o", engine="ray", address="127.0.0.1:9")
    assert time.perf_counter() - t0 < 60
    with pytest.raises(RayEngineError, match="not host:port"):
        check_address("://")


def _same_run_files(a: Path, b: Path) -> None:
    """Two run folders hold the same tables: pair files and comparison byte for byte, summary and report apart
    from their metadata (engine, timing)."""
    for name in ("all_pair_results.csv", "all_pair_results.jsonl", "comparison.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    x, y = (json.loads((d / "summary.json").read_text()) for d in (a, b))
    assert {k: v for k, v in x.items() if k != "meta"} == {k: v for k, v in y.items() if k != "meta"}
    assert normalize((a / "report.md").read_text()) == normalize((b / "report.md").read_text())


@pytest.mark.timeout(600)
def test_ray_engine_equals_the_local_engine(tmp_path):
    pairs = _pairs(tmp_path / "p.csv", 3000)
    local = run(pairs, ["token-jaccard"], out=tmp_path / "local", cache_dir=tmp_path / "c1", chunk_size=1000)
    on_ray = run(
        pairs, ["token-jaccard"], out=tmp_path / "ray", cache_dir=tmp_path / "c2", chunk_size=1000, engine="ray"
    )
    assert on_ray.scoring.scored == 3000 and local.scoring.scored == 3000
    assert on_ray.meta["engine"] == "ray"
    _same_run_files(tmp_path / "local", tmp_path / "ray")
    again = run(pairs, ["token-jaccard"], out=tmp_path / "again", cache_dir=tmp_path / "c2", engine="ray")
    assert again.scoring.cached == 3000 and again.scoring.scored == 0  # the cluster's scores are in the store


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_real_bi_encoder_on_ray_equals_the_local_engine(tmp_path, monkeypatch):
    """The packaged MiniLM (torch, CPU) on a local 2-CPU cluster, the local engine's files, byte for byte."""
    accounts = []

    def keep_account(*args, **kwargs):  # the run's own call, on a cluster of 2 CPUs whatever the machine has
        account = real(*args, **kwargs, num_cpus=2)
        accounts.append(account)
        return account

    real = pipeline.score_on_ray
    monkeypatch.setattr(pipeline, "score_on_ray", keep_account)
    pairs, model = _pairs(tmp_path / "p.csv", 160), "all-MiniLM-L6-v2"
    local = run(pairs, [model], out=tmp_path / "local", cache_dir=tmp_path / "c1", device="cpu", chunk_size=40)
    on_ray = run(
        pairs, [model], out=tmp_path / "ray", cache_dir=tmp_path / "c2", device="cpu", chunk_size=40, engine="ray"
    )
    assert local.scoring.scored == on_ray.scoring.scored == 160 and on_ray.meta["engine"] == "ray"
    _same_run_files(tmp_path / "local", tmp_path / "ray")
    (account,) = accounts
    key = on_ray.scoring.models[0].model
    assert account.scored == {key: 160} and account.resources["CPU"] == 2
    # 160 pairs come back in 4 chunks of 40 from up to 2 actors: each actor loaded the model once, not per batch
    assert 1 <= account.loads[key] <= 2
