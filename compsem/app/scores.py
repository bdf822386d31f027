"""The view's scores: what the cache holds, a button that scores what is missing (with progress), or a stop."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from compsem.app import data, views
from compsem.app.sidebar import View
from compsem.config import default_cache_dir
from compsem.data.labels import ModelLabels, labels_of, with_labels
from compsem.models.registry import get_spec
from compsem.models.specs import ModelSpec
from compsem.scoring import score_pairs
from compsem.store.recovery import CacheError
from compsem.store.sqlite import ScoreCache

#: Rough CPU cost used for the estimate before a run starts: (seconds to load, seconds per pair), for a
#: MiniLM-L6-sized model (6 layers x 384) on 2 cores.
COST = {"bi-encoder": (3.0, 0.004), "cross-encoder": (3.0, 0.008), "baseline": (1.0, 0.001)}
#: Cost of a larger backbone relative to MiniLM-L6, by a pattern of its name. Base size (12 layers x 768):
#: the MPNet-base cross-encoders took ~18 s per 336 pairs in the dashboard (bench/bench_file_watcher.py)
#: against MiniLM's ~5 s (before, the estimate said 17 s for three of them, which took ~55 s); nomic-embed-text-v1.5 is
#: BERT-base sized without saying so. MiniLM-L12: twice L6's layers. Large (24 x 1024) is not
#: measured here: about three times base, by its layers x width.
SIZE_FACTORS = ((r"large", 14.0), (r"base|nomic-embed-text", 4.5), (r"minilm-l-?12", 2.0))
DOWNLOAD_SECONDS = 60.0


def _size_factor(spec: ModelSpec) -> float:
    """How many times MiniLM-L6's cost scoring with ``spec`` takes (its backbone's, for a trained adapter)."""
    names = " ".join([spec.key, spec.assembled or "", spec.card.base_key if spec.card is not None else ""]).lower()
    return next(
        (factor for pattern, factor in SIZE_FACTORS if re.search(rf"(?<![a-z])(?:{pattern})(?![a-z0-9])", names)), 1.0
    )


@dataclass(frozen=True)
class Results:
    """Scores of the view's models on its pairs, restricted to its categories.

    Attributes:
        frame: tidy results (one row per pair x model) with each model's display name in
            ``model_label`` (:mod:`compsem.data.labels`), so figures and tables built from it need no labels.
        key: hashable identity of ``frame`` for cached statistics.
        threshold: the view's threshold.
    """

    frame: pd.DataFrame
    key: tuple
    threshold: float

    @property
    def labels(self) -> ModelLabels:
        """The display names ``frame`` carries."""
        return labels_of(self.frame)


def estimate_seconds(missing: dict[str, int]) -> float:
    """Rough time to score the missing combinations: model load + per-pair cost, by kind."""
    total = 0.0
    for key, n in missing.items():
        if n <= 0:
            continue
        spec = get_spec(key)
        load, per_pair = COST.get(spec.kind, (3.0, 0.01))
        size = _size_factor(spec) if spec.kind != "baseline" else 1.0
        total += load * min(size, 2.0) + per_pair * size * n
        if any(r.spec.key == key and r.status == "needs download" for r in data.model_resolutions()):
            total += DOWNLOAD_SECONDS
    return total


def _fmt_seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


def _show_pair_problems() -> None:
    err = st.session_state.get("cs.upload_error")
    if err is not None:
        st.error(
            f"The uploaded file was not loaded: {len(err.errors)} problem(s). Fix them and upload again; "
            "the dashboard keeps using the previous pair set."
        )
        st.dataframe(
            pd.DataFrame(
                [{"line": p.line or "file", "severity": p.severity, "problem": p.message} for p in err.problems]
            ),
            hide_index=True,
            key="w.upload_problems",
        )


def _run_scoring(view: View, missing: dict[str, int]) -> None:
    todo = [k for k, n in missing.items() if n > 0]
    total = sum(missing.values())
    bar = st.progress(0.0, text=f"Scoring {total} combinations…")
    started = time.perf_counter()
    base: dict[str, int] = {}
    done_new: dict[str, int] = {}

    def progress(model: str, done: int, of: int) -> None:
        base.setdefault(model, done)
        done_new[model] = done - base[model]
        work = sum(done_new.values())
        frac = min(work / total, 1.0) if total else 1.0
        elapsed = time.perf_counter() - started
        left = (
            elapsed / frac * (1 - frac)
            if frac > 0.02
            else estimate_seconds({k: missing[k] - done_new.get(k, 0) for k in todo})
        )
        bar.progress(
            frac,
            text=f"{view.labels.get(model, model)}: {done}/{of} · {work}/{total} done · "
            f"about {_fmt_seconds(left)} left",
        )

    with ScoreCache() as cache:
        run = score_pairs(view.pairs, todo, cache=cache, progress=progress, loader=data.loader, backend=view.backend)
    bar.progress(1.0, text=f"Done: {run.summary()} in {time.perf_counter() - started:.1f} s")
    st.session_state["cs.score_errors"] = {m.model: m.error for m in run.failed}
    st.session_state["cs.cache_messages"] = list(run.cache_messages)
    data.forget_cached_scores()


def _cache_or_stop(fn: Callable, *args):
    """Call ``fn``; a score cache that stays locked or cannot be used stops the page with what to do."""
    try:
        return fn(*args)
    except CacheError as exc:
        st.error(f"Score cache: {views.md_escape(str(exc))}")
        st.stop()


def scores(view: View, prominent: bool = False) -> Results:
    """Cached scores of the view, with a button that scores what is missing; stops the page if none."""
    _show_pair_problems()
    if view.pairs is None:
        missing_file = st.session_state.get("cs.pairs_missing")
        if missing_file:
            st.error(
                "The pair set was not found, so there is nothing to score. "
                + views.md_escape(missing_file)
                + " Upload a pair CSV in the sidebar (Pair set → Upload a CSV)."
            )
        else:
            st.error("The default pair file has errors; upload a valid pair CSV in the sidebar.")
        st.stop()
    if not view.models:
        st.warning("Select at least one model in the sidebar.")
        st.stop()
    if view.run is not None:
        return _run_results(view)
    missing = _cache_or_stop(
        data.missing_counts, view.pairs_sha, view.models, str(default_cache_dir()), view.pairs, view.backend
    )
    n_missing = sum(missing.values())
    if n_missing:
        text = (
            f"Score {n_missing:,} missing combination(s) ({sum(1 for n in missing.values() if n)} model(s) × "
            f"pairs) on the CPU — about {_fmt_seconds(estimate_seconds(missing))}"
        )
        box = st.container(border=prominent)
        if prominent:
            box.info("Some selected models have not scored this pair set yet. Scores are cached, so this happens once.")
        if box.button(text, key="w.score", type="primary" if prominent else "secondary"):
            _cache_or_stop(_run_scoring, view, missing)
            st.rerun()
    for model, error in st.session_state.get("cs.score_errors", {}).items():
        if model in view.models:
            st.warning(f"{view.labels.get(model, model)} could not score: {views.md_escape(error)}")
    for msg in st.session_state.get("cs.cache_messages", []):
        st.warning(f"Score cache: {views.md_escape(msg)}")
    ready = tuple(m for m in view.models if missing.get(m, 0) == 0)
    if not ready:
        st.info("No selected model has scores for this pair set yet: press the button above.")
        st.stop()
    frame, errors = _cache_or_stop(
        data.cached_results, view.pairs_sha, ready, str(default_cache_dir()), view.pairs, view.backend
    )
    for model, error in errors.items():
        if "not scored yet" not in error:
            st.warning(f"{view.labels.get(model, model)}: {views.md_escape(error)}")
    if frame.empty:
        st.info("No scores to show yet.")
        st.stop()
    note = views.seed_note(
        data.seeded_counts(view.pairs_sha, ready, str(default_cache_dir()), view.pairs, view.backend),
        view.labels,
        *data.seed_origin(),
    )
    if note:
        st.caption(views.md_escape(note), help="`compsem cache seed` lists the seed; `COMPSEM_SEED=off` ignores it.")
    return _results(view, frame)


def _run_results(view: View) -> Results:
    """The scores of the view's run folder, for the selected models that are in it (never rescored)."""
    assert view.run is not None
    in_run = list(view.run["model"].unique())  # in first-seen order, in C (a million rows)
    chosen = [m for m in view.models if m in set(in_run)]
    if not chosen:
        st.warning(
            "None of the selected models is in this run. Its models: "
            + views.md_escape(", ".join(view.labels.get(m, m) for m in in_run))
            + ". Tick them in the sidebar."
        )
        st.stop()
    labels = ModelLabels(tuple((m, view.labels.name(m)) for m in chosen))
    cats = tuple(sorted(view.categories))
    frame = data.run_view(view.pairs_sha, tuple(chosen), cats, labels, view.run)
    if frame.empty:
        st.warning("Select at least one category in the sidebar.")
        st.stop()
    return Results(frame, (view.pairs_sha, tuple(chosen), cats, view.backend, labels.pairs), view.threshold)


def _results(view: View, frame: pd.DataFrame) -> Results:
    """The view's :class:`Results` from its scores: its categories kept, display names attached."""
    cats = set(view.categories)
    if not cats.issuperset(frame["category"].unique()):
        frame = frame[frame["category"].isin(cats)].reset_index(drop=True)
    if frame.empty:
        st.warning("Select at least one category in the sidebar.")
        st.stop()
    frame = with_labels(frame, view.labels)
    # the names are part of the identity: cached figures and tables carry them
    key = (
        view.pairs_sha,
        tuple(dict.fromkeys(frame["model"])),
        tuple(sorted(cats)),
        view.backend,
        labels_of(frame).pairs,
    )
    return Results(frame, key, view.threshold)
