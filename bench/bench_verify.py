"""What re-verifying the assembled all-mpnet-base-v2 folder costs at load: a full SHA-256 vs a stamp check.

compsem checks the assembled folder every time it is loaded (:func:`compsem.models.assembly.verify_assembled`).
Two ways to do that, timed in one process, in alternating rounds (these machines are shared and
noisy, so the ratio is the figure to compare):

* ``full hash``: SHA-256 of every pinned file (438 MB of weights, 0.7 MB of config and tokenizer),
  compared with the pins: what "always hash" would cost on every load;
* ``stamp check``: what compsem does: ``stat`` each file and compare (size, mtime ns, ctime ns,
  inode) with the stamp recorded when its full hash was last checked;
* ``stamp changed``: a file touched (same bytes, new stamp): the full hash of that file plus
  recording the new stamp, paid once after any change.

The files are read from the page cache after the first round (a cold read from disk is slower
still, which only widens the gap).

Usage:
    HF_HUB_OFFLINE=1 .venv/bin/python bench/bench_verify.py [--rounds 5] [--cache-dir DIR]

Without ``--cache-dir`` the folder is the default cache's (assembled there first if needed, ~1 min).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def full_hash(folder, model) -> bool:
    """SHA-256 of every pinned file read afresh (no cache), compared with its pin."""
    ok = True
    for name, (sha, _size) in model.checked.items():
        digest = hashlib.sha256()
        with open(folder / name, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
        ok &= digest.hexdigest() == sha
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--cache-dir", help="compsem cache folder to assemble into (default: the default cache)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.cache_dir:
        os.environ["COMPSEM_CACHE_DIR"] = args.cache_dir

    from compsem.models import assembly, fingerprints

    model = assembly.MPNET
    t0 = time.perf_counter()
    folder = assembly.ensure_assembled(model.name)
    print(f"folder {folder} ready in {time.perf_counter() - t0:.1f} s (assembled or verified once)")
    size = sum((folder / n).stat().st_size for n in model.checked)

    times: dict[str, list[float]] = {"full hash": [], "stamp check": [], "stamp changed": []}
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        assert full_hash(folder, model)
        times["full hash"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        assert assembly.verify_assembled(folder, model) == ""
        times["stamp check"].append(time.perf_counter() - t0)

        os.utime(folder / "model.safetensors")  # same bytes, new stamp
        fingerprints._sha256_cached.cache_clear()  # no in-process shortcut: a new process pays this
        t0 = time.perf_counter()
        assert assembly.verify_assembled(folder, model) == ""
        times["stamp changed"].append(time.perf_counter() - t0)

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{len(model.checked)} files, {size / 1e6:.0f} MB, {args.rounds} rounds, median per load:")
    for name, value in med.items():
        print(f"  {name:14s} {value * 1000:10.2f} ms")
    print(f"full hash / stamp check: {med['full hash'] / med['stamp check']:,.0f}x")


if __name__ == "__main__":
    main()
