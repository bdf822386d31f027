"""Packaging: the bundled pairs and the trained adapters travel inside a built wheel and work from it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_carries_and_finds_the_bundled_pairs(tmp_path: Path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(tmp_path.glob("compsem-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "compsem/_bundled_pairs/study_pairs.csv" in names
        # the trained cross-encoders travel as small adapters with their cards; no full weights
        for slug in ("sick-nli", "sick-relatedness", "stsb", "mrpc"):
            for name in ("adapter_model.safetensors", "adapter_config.json", "compsem_card.json"):
                assert f"compsem/models/minilm-l6-{slug}/{name}" in names
        for slug in ("sick-nli", "mrpc", "sick-nli-minimal-edits"):  # the larger backbone's adapters (fp16)
            assert f"compsem/models/mpnet-base-{slug}/adapter_model.safetensors" in names
        weights = [i for i in zf.infolist() if i.filename.endswith((".safetensors", ".bin"))]
        assert all(i.filename.endswith("adapter_model.safetensors") for i in weights)
        # issue 12's limit per adapter (10 MB); in all: seven MiniLM adapters of 2.7 MB and four MPNet ones of 6.5 MB
        assert all(i.file_size <= 10_000_000 for i in weights)
        assert sum(i.file_size for i in weights) <= 50_000_000
        for slug in ("sick-nli-role-swaps", "equivalence-role-swaps"):  # issue 21's recipes
            assert f"compsem/models/minilm-l6-{slug}/adapter_model.safetensors" in names
        assert "compsem/models/mpnet-base-sick-nli-role-swaps/adapter_model.safetensors" in names
        assert any(n.endswith("entry_points.txt") for n in names)
        zf.extractall(tmp_path / "site")
    # Import compsem from the unpacked wheel only (not the checkout) and load the pairs.
    probe = (
        "import compsem.data.pairs as p; path = p.bundled_pairs_path(); "
        "assert '_bundled_pairs' in str(path), path; "
        "import compsem.models.registry as r; res = r.resolve('compsem/minilm-l6-stsb'); "
        "assert res.status == 'packaged' and str(res.location).startswith(str(r.shipped_models_dir())), res; "
        "import compsem.scoring as s; out, bad = s.score_text_pair('A dog runs.', 'A dog is running.', "
        "['compsem/minilm-l6-stsb']); assert not bad and 0 <= out[0].score <= 1, (out, bad); "
        "print(len(p.load_pairs()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(tmp_path / "site"),
            "PATH": "/usr/bin:/bin",
            "COMPSEM_CACHE_DIR": str(tmp_path / "cache"),
            "HF_HUB_OFFLINE": "1",
        },
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "336"


def test_console_script_is_declared():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'compsem = "compsem.cli:main"' in text
    assert '"torch>=2.4,<2.14"' in text  # a wider range pulls a multi-GB CUDA build
