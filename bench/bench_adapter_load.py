"""How long a shipped cross-encoder takes to load: packaged backbone + LoRA adapter, merged.

Measures, in one process and alternating rounds (these machines are noisy, so compare ratios):

* ``backbone only``: sentence-transformers ``CrossEncoder`` on the packaged MiniLM folder with
  a fresh head (what loading any MiniLM-sized cross-encoder costs);
* ``backbone + adapter``: compsem's loader (the same, plus ``PeftModel.from_pretrained`` and
  ``merge_and_unload``), for every shipped adapter;
* ``first score``: the loader plus scoring one typed pair in both orders;
* ``mpnet assembly``: assembling all-mpnet-base-v2 from its five packages into a fresh folder
  (once per machine), when the packages are installed.

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_adapter_load.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from sentence_transformers import CrossEncoder

    from compsem.models import assembly, registry
    from compsem.models.loading import configure_threads, quiet_libraries
    from compsem.scorers.load import load_scorer

    quiet_libraries()
    threads = configure_threads()
    backbone = registry.resolve("sentence-transformers/all-MiniLM-L6-v2").location
    adapters = [r for r in registry.list_models() if r.spec.adapter and r.usable]
    pair = [
        ("The nurse called the doctor.", "The doctor called the nurse."),
        ("The doctor called the nurse.", "The nurse called the doctor."),
    ]
    times: dict[str, list[float]] = {"backbone only": []}
    for res in adapters:
        times[f"{res.spec.key} load"] = []
        times[f"{res.spec.key} load + first score"] = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        CrossEncoder(backbone, num_labels=1, device="cpu", local_files_only=True)
        times["backbone only"].append(time.perf_counter() - t0)
        for res in adapters:
            t0 = time.perf_counter()
            scorer = load_scorer(res)
            t1 = time.perf_counter()
            scorer.predict(pair)
            t2 = time.perf_counter()
            times[f"{res.spec.key} load"].append(t1 - t0)
            times[f"{res.spec.key} load + first score"].append(t2 - t0)
    base = statistics.median(times["backbone only"])
    print(f"{threads} torch thread(s), {args.rounds} rounds, medians")
    print("| measurement | seconds | vs backbone only |\n|---|---|---|")
    for name, values in times.items():
        med = statistics.median(values)
        print(f"| {name} | {med:.2f} | {med / base:.2f}x |")
    if assembly.parts_installed(assembly.MPNET):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            assembly.assemble(assembly.part_paths(assembly.MPNET), Path(tmp) / "mpnet", assembly.MPNET)
            print(
                f"| all-mpnet-base-v2 assembly from 5 packages (once per machine) | {time.perf_counter() - t0:.2f} | |"
            )


if __name__ == "__main__":
    main()
