"""Benchmark: pairs/s of the MiniLM and MPNet bi-encoders and cross-encoders on whatever device is here.

For each model, compsem's scorer (:func:`compsem.scoring.score_pairs`, cache off) beside plain
sentence-transformers on the same device and the same pairs (the bundled 336, repeated to
``--pairs``): ``SentenceTransformer.encode`` + cosine for a bi-encoder, ``CrossEncoder.predict``
of the same merged model for a cross-encoder. The device is ``--device`` (default auto:
CUDA, then MPS, then the CPU) and its name is printed with the table. Not a test.

    HF_HUB_OFFLINE=1 python bench/bench_device.py [--device auto] [--dtype fp16] [--pairs 2000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

MODELS = {
    "MiniLM bi": "sentence-transformers/all-MiniLM-L6-v2",
    "MPNet bi": "sentence-transformers/all-mpnet-base-v2",
    "MiniLM cross (STS-B)": "compsem/minilm-l6-stsb",
    "MPNet cross (SICK NLI)": "compsem/mpnet-base-sick-nli",
}


def main() -> None:
    from compsem.data.pairs import load_pairs
    from compsem.models.devices import choose_device
    from compsem.models.registry import resolve
    from compsem.scorers import load_scorer
    from compsem.scoring import score_pairs
    from compsem.store.score_store import ScoreStore

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--dtype", default=None)
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--quick", action="store_true", help="MiniLM only")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()
    where = choose_device(args.device, args.dtype)
    base = load_pairs()
    reps = -(-args.pairs // len(base))
    table = pd.concat(
        [
            base.assign(id=base["id"] + f"-{r}", sentence_b=base["sentence_b"] + ("" if r == 0 else f" ({r})"))
            for r in range(reps)
        ],
        ignore_index=True,
    ).head(args.pairs)
    pairs = list(zip(table["sentence_a"], table["sentence_b"]))
    print(f"device: {where.name} ({where.label}); {len(pairs)} pairs; batch {args.batch_size}")
    rows = []
    for label, key in MODELS.items():
        if args.quick and "MPNet" in label:
            continue
        res = resolve(key, backend="torch", device=where)
        scorer = load_scorer(res)  # loaded once, outside the timing; score_pairs gets it through the loader
        score_pairs(
            table.head(64), [key], cache=ScoreStore.off(), loader=lambda _r, s=scorer: s, device=where
        )  # warm-up
        t0 = time.perf_counter()
        score_pairs(
            table,
            [key],
            cache=ScoreStore.off(),
            loader=lambda _r, s=scorer: s,
            device=where,
            batch_size=args.batch_size,
        )
        ours = time.perf_counter() - t0
        model = scorer.model
        t0 = time.perf_counter()
        if res.spec.kind == "bi-encoder":
            a = model.encode([p[0] for p in pairs], batch_size=args.batch_size, normalize_embeddings=True)
            b = model.encode([p[1] for p in pairs], batch_size=args.batch_size, normalize_embeddings=True)
            np.einsum("ij,ij->i", a, b)
        else:
            model.predict([list(p) for p in pairs], batch_size=args.batch_size, show_progress_bar=False)
        plain = time.perf_counter() - t0
        rows.append(
            {
                "model": label,
                "device": where.label,
                "compsem_pairs_s": len(pairs) / ours,
                "st_pairs_s": len(pairs) / plain,
            }
        )
        print(
            f"{label:<24} compsem {len(pairs) / ours:8.0f} pairs/s"
            f"   sentence-transformers {len(pairs) / plain:8.0f} pairs/s",
            flush=True,
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"device": where.name, "rows": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
