"""The view's scores: what the cache holds, a button that scores what is missing (with progress), or a stop."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from compsem.app import data, views
from compsem.app.sidebar import View
from compsem.config import default_cache_dir
from compsem.data.labels import ModelLabels, labels_of, with_labels
from compsem.models.devices import DeviceError, device_suffix
from compsem.models.quantization import BackendError
from compsem.scoring import score_pairs
from compsem.stats.sample_size import min_pairs_default
from compsem.store import throughput
from compsem.store.recovery import CacheError
from compsem.store.sqlite import ScoreCache


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


def _throughput_log(device: str = "cpu", dtype: str = "fp32") -> throughput.ThroughputLog:
    """The measured rates of ``device`` and ``dtype``: a GPU's are kept apart, so neither estimate uses the other's."""
    return throughput.ThroughputLog(default_cache_dir(), device_suffix(device, dtype))


def estimate_time(missing: dict[str, int], device: str = "cpu", dtype: str = "fp32") -> throughput.Estimate:
    """Time to score the missing combinations on ``device``, from this machine's measured rates where it has them.

    The rates are measured while scoring (:class:`compsem.store.throughput.RateTracker`) and kept in the cache
    folder, one file per device and dtype; a model never timed there gets the size-based guess (sized for a CPU),
    scaled by how this machine ran the others.
    """
    downloads = frozenset(r.spec.key for r in data.model_resolutions() if r.status == "needs download")
    return throughput.estimate(missing, _throughput_log(device, dtype).rates(), downloads=downloads)


def estimate_seconds(missing: dict[str, int], device: str = "cpu", dtype: str = "fp32") -> float:
    """:func:`estimate_time` in seconds."""
    return estimate_time(missing, device, dtype).seconds


def _show_pair_problems() -> None:
    err = st.session_state.get("cs.upload_error")
    if err is not None:
        st.error(
            f"The uploaded file was not loaded: {len(err.errors)} problem(s). Fix them and upload again; "
            "the dashboard keeps using the previous pair set."
        )
        # one text column for "line": numbers and the word "file" mixed in an object column cannot become an
        # Arrow column, and Streamlit logged a traceback for it on every rerun
        st.dataframe(views.problem_table(err.problems), hide_index=True, key="w.upload_problems")


def _run_scoring(view: View, missing: dict[str, int]) -> None:
    todo = [k for k, n in missing.items() if n > 0]
    total = sum(missing.values())
    bar = st.progress(0.0, text=f"Scoring {total} combinations…")
    started = time.perf_counter()
    log = _throughput_log(view.device, view.dtype)
    tracker = throughput.RateTracker({k: missing[k] for k in todo}, log.rates())

    def progress(model: str, done: int, of: int) -> None:
        tracker.progress(model, done, of)
        work = tracker.done()
        frac = min(work / total, 1.0) if total else 1.0
        left = tracker.seconds_left()
        bar.progress(
            frac,
            text=f"{view.labels.get(model, model)}: {done}/{of} · {work}/{total} done · "
            f"about {throughput.format_seconds(left.seconds)} left ({left.source})",
        )

    try:
        with ScoreCache() as cache:
            # the device by name: score_pairs asks torch whether it is there, and says so in a sentence if not
            run = score_pairs(
                view.pairs,
                todo,
                cache=cache,
                progress=progress,
                loader=data.loader,
                backend=view.backend,
                device=view.device,
                dtype=view.dtype,
            )
    except (DeviceError, BackendError) as exc:  # a device or backend that cannot run here: one sentence
        bar.empty()
        st.error(
            f"Cannot score on {views.device_words(view.device, view.dtype, view.device_name)}: {views.md_escape(exc)}"
        )
        st.stop()
    finally:
        log.record(tracker.rates())  # the next estimate on this machine uses what this run measured
    bar.progress(1.0, text=f"Done: {run.summary()} in {time.perf_counter() - started:.1f} s")
    st.session_state["cs.score_errors"] = {m.model: m.error for m in run.failed}
    st.session_state["cs.cache_messages"] = list(run.cache_messages)
    data.forget_cached_scores()


def _cache_or_stop(fn: Callable, *args):
    """Call ``fn``; a score cache that stays locked or cannot be used, or a device or backend that cannot be
    used (one sentence from compsem.models), stops the page with what to do."""
    try:
        return fn(*args)
    except CacheError as exc:
        st.error(f"Score cache: {views.md_escape(str(exc))}")
        st.stop()
    except (DeviceError, BackendError) as exc:
        st.error(f"Cannot use the sidebar's backend and device: {views.md_escape(str(exc))}")
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
    cache_dir = str(default_cache_dir())
    runtime = (view.backend, view.device, view.dtype)
    missing = _cache_or_stop(data.missing_counts, view.pairs_sha, view.models, cache_dir, view.pairs, *runtime)
    n_missing = sum(missing.values())
    if n_missing:
        text = (
            f"Score {n_missing:,} missing combination(s) ({sum(1 for n in missing.values() if n)} model(s) × "
            f"pairs) on {views.device_words(view.device, view.dtype, view.device_name)} — "
            f"{estimate_time(missing, view.device, view.dtype).describe()}"
        )
        box = st.container(border=prominent)
        if prominent:
            box.info("Some selected models have not scored this pair set yet. Scores are cached, so this happens once.")
        _seed_hint(box, view, missing)
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
    frame, errors = _cache_or_stop(data.cached_results, view.pairs_sha, ready, cache_dir, view.pairs, *runtime)
    for model, error in errors.items():
        if "not scored yet" not in error:
            st.warning(f"{view.labels.get(model, model)}: {views.md_escape(error)}")
    if frame.empty:
        st.info("No scores to show yet.")
        st.stop()
    note = views.seed_note(
        data.seeded_counts(view.pairs_sha, ready, cache_dir, view.pairs, *runtime),
        view.labels,
        *data.seed_origin(),
    )
    if note:
        st.caption(views.md_escape(note), help="`compsem cache seed` lists the seed; `COMPSEM_SEED=off` ignores it.")
    return _results(view, frame)


def _seed_hint(box, view: View, missing: dict[str, int]) -> None:
    """On a GPU: when the shipped seed holds CPU fp32 scores of what is missing, say that the CPU shows them now."""
    if view.device == "cpu":
        return
    todo = tuple(m for m, n in missing.items() if n)
    on_cpu = _cache_or_stop(
        data.seeded_counts, view.pairs_sha, todo, str(default_cache_dir()), view.pairs, view.backend
    )
    if any(on_cpu.values()):
        box.caption(
            f"The scores shipped with compsem hold {sum(on_cpu.values()):,} of these, made on the CPU at fp32 (the "
            "study's numbers): choose CPU under Device in the sidebar to see them without scoring. Scores on "
            f"{views.device_words(view.device, view.dtype, view.device_name)} are kept apart from them."
        )


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
        view.device,
        view.dtype,
        labels_of(frame).pairs,
        min_pairs_default(),  # the thin-sample rule shapes the findings (COMPSEM_MIN_PAIRS can change it)
    )
    return Results(frame, key, view.threshold)
