"""compsem.ray_engine: the Ray engine on a local cluster gives the local engine's tables, byte for byte."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

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


@pytest.mark.timeout(600)
def test_ray_engine_equals_the_local_engine(tmp_path):
    pairs = _pairs(tmp_path / "p.csv", 3000)
    local = run(pairs, ["token-jaccard"], out=tmp_path / "local", cache_dir=tmp_path / "c1", chunk_size=1000)
    on_ray = run(
        pairs, ["token-jaccard"], out=tmp_path / "ray", cache_dir=tmp_path / "c2", chunk_size=1000, engine="ray"
    )
    assert on_ray.scoring.scored == 3000 and local.scoring.scored == 3000
    assert on_ray.meta["engine"] == "ray"
    for name in ("all_pair_results.csv", "all_pair_results.jsonl", "comparison.json"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    a, b = (json.loads((tmp_path / d / "summary.json").read_text()) for d in ("local", "ray"))
    assert {k: v for k, v in a.items() if k != "meta"} == {k: v for k, v in b.items() if k != "meta"}
    report = [normalize((tmp_path / d / "report.md").read_text()) for d in ("local", "ray")]
    assert report[0] == report[1]
    again = run(pairs, ["token-jaccard"], out=tmp_path / "again", cache_dir=tmp_path / "c2", engine="ray")
    assert again.scoring.cached == 3000 and again.scoring.scored == 0  # the cluster's scores are in the store
