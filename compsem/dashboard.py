"""The dashboard's one Streamlit helper: caches, the shared sidebar, session and URL state.

Pages stay thin (widgets -> compsem -> draw); what they share lives here:

* ``st.cache_resource``: one loaded model per (model, fingerprint) per process (:func:`scorer`).
* ``st.cache_data``: pair files, model availability, cached scores, statistics tables, figures.
* State: every shared choice is kept in ``st.session_state["cs.<name>"]`` (survives page
  switches) and mirrored in the URL query string (``?t=0.6&models=...``), so a link
  reproduces the view. Widgets use the key ``w.<name>`` and copy their value to the store
  in their ``on_change`` callback; before a widget is drawn its value is set from the store.

The only compsem module that imports streamlit. Nothing user-typed is passed to
``st.markdown`` unescaped (see :func:`md_escape`).
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from compsem import report, stats
from compsem.cache import CacheError, ScoreCache
from compsem.categories import category_label, sort_categories
from compsem.csv_safety import safe_csv
from compsem.export import pair_results_csv
from compsem.formatting import format_pvalue
from compsem.pairs import MAX_FILE_BYTES, PairCheck, bundled_pairs_path, check_pairs
from compsem.registry import Resolution, default_cache_dir, get_spec, list_models
from compsem.scoring import ModelUnavailableError, Scorer, load_scorer, score_pairs, score_text_pair

#: Environment variable naming the default pair file (tests and demos); unset = the bundled 336 pairs.
PAIRS_ENV = "COMPSEM_PAIRS_FILE"
DEFAULT_THRESHOLD = 0.5
KIND_TITLES = {"bi-encoder": "Bi-encoders", "cross-encoder": "Cross-encoders", "baseline": "Baselines"}
#: Rough CPU cost used for the estimate before a run starts: (seconds to load, seconds per pair).
COST = {"bi-encoder": (3.0, 0.004), "cross-encoder": (3.0, 0.008), "baseline": (1.0, 0.001)}
DOWNLOAD_SECONDS = 60.0
#: A choice longer than this (a pasted paragraph) is kept in the session but not put in the URL.
URL_TEXT_LIMIT = 500


# -- state: session store + URL ---------------------------------------------------------------
def _store(name: str) -> str:
    return f"cs.{name}"


def wkey(name: str) -> str:
    """Widget key of a persisted choice."""
    return f"w.{name}"


def _copy_to_store(name: str) -> None:
    st.session_state[_store(name)] = st.session_state[wkey(name)]


def _bind(name: str, default, parse: Callable[[str], object] | None = None,
          dump: Callable[[object], str] | None = None, url: bool = True):
    """Initialise the store of ``name`` (from the URL on a session's first sight, else the default),
    set the widget's value from it, and write it back to the URL. Returns the value."""
    skey = _store(name)
    if skey not in st.session_state:
        value = default
        raw = st.query_params.get(name) if url else None
        if raw is not None and parse is not None:
            try:
                value = parse(raw)
            except (ValueError, TypeError, KeyError):
                value = default  # a damaged link falls back to the default view
        st.session_state[skey] = value
    st.session_state[wkey(name)] = st.session_state[skey]
    value = st.session_state[skey]
    if url:
        text = (dump or str)(value)
        if value == default or len(text) > URL_TEXT_LIMIT:  # long text stays out of the address bar
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != text:
            st.query_params[name] = text
    return value


def get(name: str, default=None):
    """Current value of a persisted choice."""
    return st.session_state.get(_store(name), default)


def set_value(name: str, value) -> None:
    """Change a persisted choice from code (a button); the widget follows on the next run."""
    st.session_state[_store(name)] = value


def _parse_bool(raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _parse_threshold(raw: str) -> float:
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return round(min(max(value, 0.0), 1.0), 2)


def toggle(label: str, name: str, default: bool = False, help: str | None = None) -> bool:
    _bind(name, default, _parse_bool, lambda v: "1" if v else "0")
    return st.toggle(label, key=wkey(name), on_change=_copy_to_store, args=(name,), help=help)


def selectbox(label: str, name: str, options: Sequence[str], default: str,
              format_func: Callable[[str], str] = str, help: str | None = None) -> str:
    options = list(options)
    default = default if default in options else options[0]

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    if get(name) not in options and _store(name) in st.session_state:
        set_value(name, default)
    _bind(name, default, parse)
    return st.selectbox(label, options, key=wkey(name), on_change=_copy_to_store, args=(name,),
                        format_func=format_func, help=help)


def radio(label: str, name: str, options: Sequence[str], default: str, format_func: Callable[[str], str] = str,
          horizontal: bool = True) -> str:
    options = list(options)

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    _bind(name, default, parse)
    return st.radio(label, options, key=wkey(name), on_change=_copy_to_store, args=(name,),
                    format_func=format_func, horizontal=horizontal)


def text_input(label: str, name: str, default: str = "", url: bool = True, help: str | None = None) -> str:
    _bind(name, default, str, url=url)
    return st.text_input(label, key=wkey(name), on_change=_copy_to_store, args=(name,), help=help)


def text_area(label: str, name: str, default: str = "", url: bool = False, height: int = 90) -> str:
    _bind(name, default, str, url=url)
    return st.text_area(label, key=wkey(name), on_change=_copy_to_store, args=(name,), height=height)


def threshold_slider(label: str = "Threshold", name: str = "t", container=None, place: str = "page") -> float:
    """The shared 0-1 threshold (step 0.01); the same value wherever a slider for it is drawn."""
    key = f"{wkey(name)}.{place}"
    _bind(name, DEFAULT_THRESHOLD, _parse_threshold, lambda v: f"{v:g}")
    st.session_state[key] = st.session_state[_store(name)]
    target = container if container is not None else st
    return float(target.slider(label, 0.0, 1.0, step=0.01, key=key,
                               on_change=lambda: st.session_state.__setitem__(_store(name), st.session_state[key]),
                               help="A pair 'scores as similar' when its 0-1 score is at or above the threshold. "
                                    "For adversarial categories that share is the failure rate."))


# -- text safety ------------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def md_escape(text: object) -> str:
    """Text that ``st.markdown`` shows literally: every Markdown/HTML character backslash-escaped.

    Example:
        >>> md_escape("**hi** <b>")
        '\\\\*\\\\*hi\\\\*\\\\* \\\\<b\\\\>'
    """
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


# -- cached data --------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=32)
def scorer(key: str, fingerprint: str, backend: str = "torch") -> Scorer:
    """One loaded model per process and backend (Streamlit does not cache a failed load, so it is retried).

    torch and sentence-transformers are imported here, by the first page that needs a model, never at start.
    """
    from compsem.registry import resolve

    return load_scorer(resolve(key), backend=backend)


def _loader(res: Resolution) -> Scorer:
    return scorer(res.spec.key, res.fingerprint, res.backend)


def current_backend() -> str:
    """The sidebar's backend choice (``torch`` until the sidebar has run)."""
    from compsem.backends import BACKENDS, DEFAULT_BACKEND

    value = get("backend", DEFAULT_BACKEND)
    return value if value in BACKENDS else DEFAULT_BACKEND


def _resolve(key: str, backend: str) -> Resolution:
    from compsem.backends import with_backend
    from compsem.registry import resolve

    return with_backend(resolve(key), backend)


@st.cache_data(show_spinner=False, ttl=300)
def model_resolutions() -> list[Resolution]:
    """Every registry model with its availability (re-checked every five minutes)."""
    return list_models()


@st.cache_data(show_spinner=False, max_entries=16)
def _check_file(path: str, stamp: tuple[int, float]) -> PairCheck:
    return check_pairs(Path(path))


@st.cache_data(show_spinner=False, max_entries=16)
def check_upload(data: bytes, name: str) -> PairCheck:
    """The same checker as ``compsem pairs check``, on an uploaded file's bytes."""
    return check_pairs(data, source=name)


def default_pair_file() -> tuple[Path | None, str]:
    """Path of the default pair set and a one-line description, or (None, why not)."""
    env = os.environ.get(PAIRS_ENV)
    if env:
        return Path(env), f"{Path(env).name} (from ${PAIRS_ENV})"
    try:
        return bundled_pairs_path(), "bundled study pairs"
    except FileNotFoundError as exc:
        return None, str(exc)


def load_default_pairs() -> tuple[PairCheck | None, str]:
    path, what = default_pair_file()
    if path is None:
        return None, what
    try:
        stat = path.stat()
    except OSError as exc:
        return None, f"{path}: {exc.strerror or exc}"
    return _check_file(str(path), (stat.st_size, stat.st_mtime)), what


def _text_pairs(pairs: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(pairs["sentence_a"], pairs["sentence_b"])))


@st.cache_data(show_spinner=False, max_entries=64)
def missing_counts(pairs_sha: str, models: tuple[str, ...], cache_dir: str, _pairs: pd.DataFrame,
                   backend: str = "torch") -> dict[str, int]:
    """Per model, how many (model, pair) combinations are not in the score cache yet."""
    from compsem.store import ScoreStore

    text_pairs = _text_pairs(_pairs)
    with ScoreStore() as store:
        return {key: len(store.lookup(_resolve(key, backend), text_pairs).missing) for key in models}


class _NotScoredYet(ModelUnavailableError):
    pass


def _refuse(res: Resolution) -> Scorer:
    raise _NotScoredYet(f"{res.spec.key}: not scored yet")


@st.cache_data(show_spinner=False, max_entries=64)
def cached_results(pairs_sha: str, models: tuple[str, ...], cache_dir: str, _pairs: pd.DataFrame,
                   backend: str = "torch") -> tuple[pd.DataFrame, dict]:
    """Scores already in the cache (never computes any): (tidy results, model -> error)."""
    with ScoreCache() as cache:
        run = score_pairs(_pairs, list(models), cache=cache, loader=_refuse, backend=backend)
    return run.results, {m.model: m.error for m in run.failed}


# -- the view -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class View:
    """The shared choices of the sidebar.

    Attributes:
        pairs: every valid pair of the chosen pair set (None when there is none).
        pairs_label: where the pairs came from, for captions.
        pairs_sha: SHA-256 of the pair file (cache key).
        models: selected model keys.
        categories: selected categories.
        threshold: the 0-1 threshold.
        labels: model key -> display label.
        backend: what serves the transformer models (``torch`` fp32 or ``onnx-int8``).
    """

    pairs: pd.DataFrame | None
    pairs_label: str
    pairs_sha: str
    models: tuple[str, ...]
    categories: tuple[str, ...]
    threshold: float
    labels: dict = field(default_factory=dict, compare=False)
    backend: str = "torch"


def setup_page(title: str) -> None:
    st.set_page_config(page_title=f"compsem · {title}", layout="wide", initial_sidebar_state="expanded")


_WARMED = threading.Event()


def warm_up_later() -> None:
    """Once per process, after the first page is drawn: import scipy.stats in a background thread.

    The landing page does not need it (that is why :mod:`compsem.stats` imports it lazily), but
    the effect sizes, ROC-AUC and calibrated thresholds do; importing it while the user reads
    the first page keeps their first change of page or widget from paying half a second for it.
    """
    if _WARMED.is_set():
        return
    _WARMED.set()

    def load() -> None:
        try:
            import scipy.stats  # noqa: F401
        except ImportError:  # pragma: no cover - scipy is a dependency
            pass

    threading.Thread(target=load, name="compsem-warm-up", daemon=True).start()


def start(title: str, caption: str = "") -> View:
    """Page preamble: config, title, the shared sidebar. Returns the view.

    The title and caption go out before the sidebar is built (model availability, the pair
    check), so a page paints its heading while the rest is still being computed.
    """
    setup_page(title)
    st.title(title)
    if caption:
        st.caption(caption)
    return sidebar()


def _model_groups() -> dict[str, list[Resolution]]:
    groups: dict[str, list[Resolution]] = {k: [] for k in KIND_TITLES}
    for res in model_resolutions():
        groups.setdefault(res.spec.kind, []).append(res)
    return groups


def _selectable(res: Resolution) -> bool:
    return res.usable or res.status == "needs download"


def default_models() -> list[str]:
    """Models that score offline: the default selection."""
    return [r.spec.key for r in model_resolutions() if r.usable]


def _parse_models(raw: str) -> list[str]:
    keys = []
    for name in raw.split(","):
        name = name.strip()
        if name:
            try:
                keys.append(get_spec(name).key)
            except KeyError:
                continue  # an unknown name in a link is dropped, not fatal
    return keys


def _sidebar_pairs() -> tuple[pd.DataFrame | None, str, str]:
    st.sidebar.subheader("Pair set")
    _bind("pairs", "bundled", lambda raw: raw if raw in ("bundled", "upload") else "bundled")
    choice = st.sidebar.radio("Pair set", ["bundled", "upload"], key=wkey("pairs"), on_change=_copy_to_store,
                              args=("pairs",), horizontal=True, label_visibility="collapsed",
                              format_func=lambda v: "Bundled pairs" if v == "bundled" else "Upload a CSV")
    if choice == "upload":
        up = st.sidebar.file_uploader(
            f"Pair CSV (id, category, sentence_a, sentence_b; UTF-8; at most {MAX_FILE_BYTES // 2**20} MB)",
            key="w.upload", help="Checked by the same checker as `compsem pairs check`.")
        if up is not None:
            data = up.getvalue()
            check = check_upload(data, up.name)
            if check.ok:
                st.session_state["cs.upload"] = {"name": up.name, "sha": check.sha256, "check": check}
                st.session_state.pop("cs.upload_error", None)
            else:
                st.session_state["cs.upload_error"] = check
        stored = st.session_state.get("cs.upload")
        if stored is not None:
            check = stored["check"]
            st.sidebar.caption(f"Using {md_escape(stored['name'])}: {len(check.pairs)} pairs")
            return check.pairs, f"uploaded {stored['name']}", check.sha256
        st.sidebar.info("No valid upload yet; showing the default pair set.")
    check, what = load_default_pairs()
    if check is None:
        st.session_state["cs.pairs_missing"] = what
        return None, what, ""
    st.session_state.pop("cs.pairs_missing", None)
    if not check.ok:
        st.session_state["cs.default_error"] = check
        return None, what, ""
    st.sidebar.caption(f"{md_escape(what)}: {len(check.pairs)} pairs")
    return check.pairs, what, check.sha256


def _sidebar_models() -> tuple[str, ...]:
    st.sidebar.subheader("Models")
    groups = _model_groups()
    by_key = {r.spec.key: r for rs in groups.values() for r in rs}
    defaults = default_models()
    _bind("models", defaults, _parse_models, lambda ks: ",".join(get_spec(k).alias for k in ks))
    selected = [k for k in get("models", []) if k in by_key and _selectable(by_key[k])]

    def on_change(key: str) -> None:
        current = list(get("models", []))
        if st.session_state[f"w.model.{key}"]:
            current = current + [key] if key not in current else current
        else:
            current = [k for k in current if k != key]
        set_value("models", [k for k in by_key if k in current])

    for kind, resolutions in groups.items():
        if not resolutions:
            continue
        usable = sum(_selectable(r) for r in resolutions)
        with st.sidebar.expander(f"{KIND_TITLES.get(kind, kind)} ({usable}/{len(resolutions)} available)",
                                 expanded=usable > 0):
            unavailable: dict[str, list[str]] = {}
            for res in resolutions:
                key = res.spec.key
                ok = _selectable(res)
                st.session_state[f"w.model.{key}"] = ok and key in selected
                note = {"needs download": " · downloads on first use"}
                st.checkbox(res.spec.display + note.get(res.status, ""), key=f"w.model.{key}", disabled=not ok,
                            on_change=on_change, args=(key,),
                            help=md_escape(f"{key} — {res.status}: {res.reason}. {res.spec.notes}" if ok
                                           else f"Unavailable: {res.reason}"))
                if not ok:
                    unavailable.setdefault(res.reason, []).append(res.spec.display)
            for reason, names in unavailable.items():
                st.caption(f"Unavailable ({md_escape(', '.join(names))}): {md_escape(reason)}")
    return tuple(selected)


def sidebar() -> View:
    """The shared sidebar: pair set, models, categories, threshold. Every page calls it."""
    with st.sidebar:
        pairs, label, sha = _sidebar_pairs()
        models = _sidebar_models()
        st.subheader("Categories")
        options = sort_categories(pairs["category"].unique()) if pairs is not None else []
        _bind("cats", list(options), lambda raw: [c for c in raw.split(",") if c], lambda v: ",".join(v))
        current = [c for c in get("cats", options) if c in options]
        if not current and options:
            current = list(options)
        st.session_state[_store("cats")] = current
        st.session_state[wkey("cats")] = current
        cats = st.multiselect("Categories", options, key=wkey("cats"), on_change=_copy_to_store, args=("cats",),
                              format_func=category_label, label_visibility="collapsed")
        threshold = threshold_slider("Threshold", container=st.sidebar, place="sidebar")
        backend = _sidebar_backend()
        st.caption("Choices live in the address bar: copy the link to share this view.")
    labels = {r.spec.key: r.spec.display for r in model_resolutions()}
    return View(pairs, label, sha, models, tuple(cats), threshold, labels, backend)


def _sidebar_backend() -> str:
    from compsem.backends import BACKEND_LABELS, BACKENDS, DEFAULT_BACKEND

    return selectbox("Backend", "backend", BACKENDS, DEFAULT_BACKEND, format_func=BACKEND_LABELS.get,
                     help="How the transformer models run. PyTorch fp32 gives the study's numbers; ONNX Runtime "
                          "int8 is several times faster, with scores within the tolerance the README reports. "
                          "Each backend has its own cached scores.")


# -- scoring --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Results:
    """Scores of the view's models on its pairs, restricted to its categories.

    Attributes:
        frame: tidy results (one row per pair x model).
        key: hashable identity of ``frame`` for cached statistics.
        labels: model key -> display label.
        threshold: the view's threshold.
    """

    frame: pd.DataFrame
    key: tuple
    labels: dict
    threshold: float


def estimate_seconds(missing: dict[str, int]) -> float:
    """Rough time to score the missing combinations: model load + per-pair cost, by kind."""
    total = 0.0
    for key, n in missing.items():
        if n <= 0:
            continue
        spec = get_spec(key)
        load, per_pair = COST.get(spec.kind, (3.0, 0.01))
        total += load + per_pair * n
        if any(r.spec.key == key and r.status == "needs download" for r in model_resolutions()):
            total += DOWNLOAD_SECONDS
    return total


def _fmt_seconds(s: float) -> str:
    return f"{s:.0f} s" if s < 90 else f"{s / 60:.1f} min"


def _show_pair_problems() -> None:
    err = st.session_state.get("cs.upload_error")
    if err is not None:
        st.error(f"The uploaded file was not loaded: {len(err.errors)} problem(s). Fix them and upload again; "
                 "the dashboard keeps using the previous pair set.")
        st.dataframe(pd.DataFrame([{"line": p.line or "file", "severity": p.severity, "problem": p.message}
                                   for p in err.problems]), hide_index=True, key="w.upload_problems")


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
        left = elapsed / frac * (1 - frac) if frac > 0.02 else estimate_seconds(
            {k: missing[k] - done_new.get(k, 0) for k in todo})
        bar.progress(frac, text=f"{view.labels.get(model, model)}: {done}/{of} · {work}/{total} done · "
                                f"about {_fmt_seconds(left)} left")

    with ScoreCache() as cache:
        run = score_pairs(view.pairs, todo, cache=cache, progress=progress, loader=_loader, backend=view.backend)
    bar.progress(1.0, text=f"Done: {run.summary()} in {time.perf_counter() - started:.1f} s")
    st.session_state["cs.score_errors"] = {m.model: m.error for m in run.failed}
    st.session_state["cs.cache_messages"] = list(run.cache_messages)
    missing_counts.clear()
    cached_results.clear()


def _cache_or_stop(fn: Callable, *args):
    """Call ``fn``; a score cache that stays locked or cannot be used stops the page with what to do."""
    try:
        return fn(*args)
    except CacheError as exc:
        st.error(f"Score cache: {md_escape(str(exc))}")
        st.stop()


def scores(view: View, prominent: bool = False) -> Results:
    """Cached scores of the view, with a button that scores what is missing; stops the page if none."""
    _show_pair_problems()
    if view.pairs is None:
        missing_file = st.session_state.get("cs.pairs_missing")
        if missing_file:
            st.error("The pair set was not found, so there is nothing to score. " + md_escape(missing_file) +
                     " Upload a pair CSV in the sidebar (Pair set → Upload a CSV).")
        else:
            st.error("The default pair file has errors; upload a valid pair CSV in the sidebar.")
        st.stop()
    if not view.models:
        st.warning("Select at least one model in the sidebar.")
        st.stop()
    missing = _cache_or_stop(missing_counts, view.pairs_sha, view.models, str(default_cache_dir()), view.pairs,
                             view.backend)
    n_missing = sum(missing.values())
    if n_missing:
        text = (f"Score {n_missing:,} missing combination(s) ({sum(1 for n in missing.values() if n)} model(s) × "
                f"pairs) on the CPU — about {_fmt_seconds(estimate_seconds(missing))}")
        box = st.container(border=prominent)
        if prominent:
            box.info("Some selected models have not scored this pair set yet. Scores are cached, so this "
                     "happens once.")
        if box.button(text, key="w.score", type="primary" if prominent else "secondary"):
            _cache_or_stop(_run_scoring, view, missing)
            st.rerun()
    for model, error in st.session_state.get("cs.score_errors", {}).items():
        if model in view.models:
            st.warning(f"{view.labels.get(model, model)} could not score: {md_escape(error)}")
    for msg in st.session_state.get("cs.cache_messages", []):
        st.warning(f"Score cache: {md_escape(msg)}")
    ready = tuple(m for m in view.models if missing.get(m, 0) == 0)
    if not ready:
        st.info("No selected model has scores for this pair set yet: press the button above.")
        st.stop()
    frame, errors = _cache_or_stop(cached_results, view.pairs_sha, ready, str(default_cache_dir()), view.pairs,
                                   view.backend)
    for model, error in errors.items():
        if "not scored yet" not in error:
            st.warning(f"{view.labels.get(model, model)}: {md_escape(error)}")
    if frame.empty:
        st.info("No scores to show yet.")
        st.stop()
    cats = set(view.categories)
    frame = frame[frame["category"].isin(cats)].reset_index(drop=True)
    if frame.empty:
        st.warning("Select at least one category in the sidebar.")
        st.stop()
    key = (view.pairs_sha, tuple(dict.fromkeys(frame["model"])), tuple(sorted(cats)), view.backend)
    return Results(frame, key, view.labels, view.threshold)


# -- cached statistics ------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=512)
def _stat(fn: str, key: tuple, _frame: pd.DataFrame, args: tuple, kwargs: tuple):
    return getattr(stats, fn)(_frame, *args, **dict(kwargs))


def stat(fn: str, res: Results, *args, **kwargs):
    """``compsem.stats.<fn>(results, *args, **kwargs)``, cached; a ValueError becomes a warning and None."""
    try:
        return _stat(fn, res.key, res.frame, args, tuple(sorted(kwargs.items())))
    except ValueError as exc:
        st.warning(f"{fn.replace('_', ' ')}: {md_escape(exc)}")
        return None


@st.cache_data(show_spinner=False, max_entries=128)
def _rates_ci(key: tuple, _frame: pd.DataFrame, threshold: float | None, n_resamples: int) -> pd.DataFrame:
    if threshold is not None:
        table = stats.describe_with_ci(_frame, threshold, n_resamples=n_resamples)
        return table.assign(threshold=threshold)
    cal = stats.calibrated_thresholds(_frame)
    parts = []
    for model, t in zip(cal["model"], cal["threshold"]):
        if math.isnan(t):
            continue
        sub = stats.describe_with_ci(_frame[_frame["model"] == model], float(t), n_resamples=n_resamples)
        parts.append(sub.assign(threshold=float(t)))
    if not parts:
        raise ValueError("no model has both positive and negative controls to calibrate a threshold")
    return pd.concat(parts, ignore_index=True)


def rates_with_ci(res: Results, calibrated: bool, n_resamples: int = 1000) -> pd.DataFrame | None:
    """Rate and mean per model x category with 95% bootstrap CIs, at the view's or each model's calibrated threshold."""
    try:
        return _rates_ci(res.key, res.frame, None if calibrated else res.threshold, n_resamples)
    except ValueError as exc:
        st.warning(f"Failure rates: {md_escape(exc)}")
        return None


THRESHOLD_GRID = tuple(round(x, 2) for x in np.arange(0, 1.0001, 0.01))


def rate_curves(res: Results) -> pd.DataFrame | None:
    return stat("failure_rates", res, list(THRESHOLD_GRID))


@st.cache_data(show_spinner=False, max_entries=32)
def _curves_figure(key: tuple, _curves: pd.DataFrame, labels: tuple, marks: tuple) -> go.Figure:
    from compsem import figures

    return figures.rate_curves(_curves, None, dict(labels), dict(marks))


@st.cache_resource(show_spinner=False, max_entries=16)
def _calibration_figure(key: tuple, _frame: pd.DataFrame, labels: tuple, marks: tuple) -> go.Figure:
    # A resource, not data: thousands of hover texts make a copy per re-render cost more than the page's
    # budget, and the figure is only read (st.plotly_chart serializes it), never changed.
    from compsem import figures

    return figures.calibration(_frame, dict(marks), dict(labels), None)


def curves_figure(res: Results, curves: pd.DataFrame, threshold: float | None, marks: dict) -> go.Figure:
    """Failure rate vs threshold: built once per selection, the moving threshold line added per view."""
    from compsem import figures

    fig = _curves_figure(res.key, curves, tuple(sorted(res.labels.items())), tuple(sorted(marks.items())))
    return figures.add_threshold(fig, threshold, axis="x")


def calibration_figure(res: Results, marks: dict) -> go.Figure:
    """Raw vs normalized score per model with each model's calibrated threshold; built once per selection.

    The shared threshold is not drawn here: the figure is shared read-only between re-renders.
    """
    return _calibration_figure(res.key, res.frame, tuple(sorted(res.labels.items())), tuple(sorted(marks.items())))


def effect_rows(res: Results, reference: str, rows: str) -> tuple[pd.DataFrame | None, str]:
    """Cohen's d table for the heatmap: ``row, category, cohens_d, holm_pvalue, significant, mean, reference_mean``.

    Args:
        reference: ``kind:<kind>`` (a family) or a model key.
        rows: ``"model"`` (each other model) or ``"family"`` (each other family, pooled).
    """
    frame = res.frame
    meta = frame.drop_duplicates("model").set_index("model")["kind"]
    if reference.startswith("kind:"):
        kind = reference[5:]
        ref_models = [m for m, k in meta.items() if k == kind]
        what = f"the {kind} family ({len(ref_models)} model(s))"
    else:
        ref_models = [reference] if reference in meta.index else []
        what = res.labels.get(reference, reference)
    if not ref_models:
        return None, what
    if rows == "model":
        table = stat("effect_size_table", res, ref_models)
        if table is None:
            return None, what
        return table.assign(row=[res.labels.get(m, m) for m in table["model"]]), what
    parts = []
    for kind in dict.fromkeys(meta):
        others = [m for m, k in meta.items() if k == kind and m not in ref_models]
        if not others:
            continue
        table = stat("model_comparison", res, ref_models, others)
        if table is None:
            continue
        parts.append(pd.DataFrame({
            "row": f"{kind} ({len(others)})", "category": table["category"], "cohens_d": table["cohens_d"],
            "holm_pvalue": table["holm_pvalue_mw"], "significant": table["holm_pvalue_mw"] < stats.ALPHA,
            "mean": table["other_mean"], "reference_mean": table["reference_mean"]}))
    return (pd.concat(parts, ignore_index=True) if parts else None), what


def reference_options(res: Results) -> list[str]:
    kinds = list(dict.fromkeys(res.frame["kind"]))
    return [f"kind:{k}" for k in kinds] + list(dict.fromkeys(res.frame["model"]))


def reference_label(res: Results, option: str) -> str:
    return f"{option[5:]} family" if option.startswith("kind:") else res.labels.get(option, option)


# -- tables for display (pure shaping, no statistics) -------------------------------------------------
def wide(table: pd.DataFrame, value: str, labels: dict, fmt: str = "{:.0%}", index: str = "model") -> pd.DataFrame:
    """Long model x category table -> one row per model, one column per category label, formatted text."""
    cats = sort_categories(table["category"].unique())
    out = table.pivot_table(index=index, columns="category", values=value, aggfunc="first", sort=False)
    out = out.reindex(columns=cats)
    out.columns = [category_label(c) for c in cats]
    out = out.map(lambda v: "—" if pd.isna(v) else fmt.format(v))
    if index == "model":
        out.index = [labels.get(m, m) for m in out.index]
    return out


def best_worst_view(table: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """:func:`compsem.stats.best_and_worst` as readable text columns."""
    return pd.DataFrame({
        "category": [category_label(c) for c in table["category"]],
        "reads as": [m.replace("_", " ") for m in table["meaning"]],
        "best model": [labels.get(m, m) for m in table["best_model"]],
        "best": [f"{r:.0%} (mean {m:.3f})" for r, m in zip(table["best_rate"], table["best_mean"])],
        "worst model": [labels.get(m, m) for m in table["worst_model"]],
        "worst": [f"{r:.0%} (mean {m:.3f})" for r, m in zip(table["worst_rate"], table["worst_mean"])],
    })


def models_view(res: Results) -> pd.DataFrame:
    """The models in the results with kind, objective, availability and what their score means."""
    by_key = {r.spec.key: r for r in model_resolutions()}
    rows = []
    for key in dict.fromkeys(res.frame["model"]):
        r = by_key.get(key)
        rows.append({"model": res.labels.get(key, key), "key": key, "kind": r.spec.kind if r else "",
                     "objective": r.spec.objective if r else "", "status": r.status if r else "",
                     "normalization": r.spec.normalization if r else "", "notes": r.spec.notes if r else ""})
    return pd.DataFrame(rows)


def pair_table(res: Results) -> pd.DataFrame:
    """One row per pair: its text, each model's score, and how much the models disagree.

    ``disagreement`` = max - min of the pair's scores over the models (0 with one model);
    ``sd`` is their standard deviation (ddof = 0).
    """
    frame = res.frame
    wide_scores = frame.pivot_table(index="pair_id", columns="model", values="score", aggfunc="first", sort=False)
    models = list(dict.fromkeys(frame["model"]))
    wide_scores = wide_scores.reindex(columns=models)
    info = frame.drop_duplicates("pair_id").set_index("pair_id")[["category", "sentence_a", "sentence_b"]]
    out = info.join(wide_scores)
    values = out[models].to_numpy(dtype=float)
    out["disagreement"] = np.nanmax(values, axis=1) - np.nanmin(values, axis=1)
    out["sd"] = np.nanstd(values, axis=1)
    out = out.rename(columns={m: res.labels.get(m, m) for m in models}).reset_index()
    out["category"] = [category_label(c) for c in out["category"]]
    return out


def mean_sd_view(desc: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """describe_scores as ``mean ± sd`` text, models x categories."""
    cells = desc.assign(cell=[f"{m:.3f} ± {s:.3f}" if pd.notna(s) else f"{m:.3f}"
                              for m, s in zip(desc["mean"], desc["sd"])])
    return wide(cells, "cell", labels, fmt="{}")


def rate_ci_view(table: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """Rates with CI as ``45% [30–60]`` text, models x categories, plus the threshold used."""
    cells = table.assign(cell=[f"{r:.0%} [{lo:.0%}–{hi:.0%}]" for r, lo, hi in
                               zip(table["rate"], table["rate_ci_low"], table["rate_ci_high"])])
    out = wide(cells, "cell", labels, fmt="{}")
    used = table.drop_duplicates("model").set_index("model")["threshold"]
    out.insert(0, "threshold", [f"{used[m]:.3g}" for m in dict.fromkeys(table["model"])])
    return out.reset_index(names="model")


def calibrated_map(cal: pd.DataFrame | None) -> dict[str, float]:
    if cal is None:
        return {}
    return {m: float(t) for m, t in zip(cal["model"], cal["threshold"])}


def calibration_view(cal: pd.DataFrame, labels: dict) -> pd.DataFrame:
    return pd.DataFrame({"model": [labels.get(m, m) for m in cal["model"]], "calibrated threshold": cal["threshold"],
                         "Youden J": cal["youden_j"], "TPR": cal["tpr"], "FPR": cal["fpr"],
                         "positives": cal["n_pos"], "negatives": cal["n_neg"]})


def effect_view(table: pd.DataFrame) -> pd.DataFrame:
    cols = {"row": "compared", "category": "category", "cohens_d": "Cohen's d", "holm_pvalue": "Holm p",
            "significant": "p < 0.05 (Holm)", "mean": "mean", "reference_mean": "reference mean"}
    out = table[[c for c in cols if c in table.columns]].rename(columns=cols)
    out["category"] = [category_label(c) for c in out["category"]]
    if "Holm p" in out.columns:
        out["Holm p"] = [format_pvalue(p) for p in out["Holm p"]]
    return out


def text_scores_view(table: pd.DataFrame) -> pd.DataFrame:
    """Free-text scores for display: raw and normalized score, reversed order, asymmetry, verdict."""
    out = table[["label", "kind", "raw_score", "score", "score_reversed", "asymmetry", "verdict", "normalization"]]
    return out.rename(columns={"label": "model", "raw_score": "raw output", "score": "score (A, B)",
                               "score_reversed": "score (B, A)", "asymmetry": "asymmetry (AB − BA)",
                               "verdict": "verdict at threshold"})


_FIXED_SORTS = ("disagreement", "sd", "category", "pair_id")


def pair_sort_options(table: pd.DataFrame) -> list[str]:
    scores = [c for c in table.columns if c not in ("pair_id", "category", "sentence_a", "sentence_b",
                                                   "disagreement", "sd")]
    return [*_FIXED_SORTS, *scores]


def filter_pairs(table: pd.DataFrame, query: str, sort: str) -> pd.DataFrame:
    """Rows whose id or sentences contain ``query`` (plain text, case-insensitive), sorted by ``sort``.

    Numeric columns sort descending (largest disagreement first), text columns ascending.
    """
    out = table
    q = (query or "").strip().casefold()
    if q:
        hay = (out["pair_id"].astype(str) + "\n" + out["sentence_a"] + "\n" + out["sentence_b"]).str.casefold()
        out = out[hay.str.contains(q, regex=False)]
    if sort in out.columns:
        numeric = pd.api.types.is_numeric_dtype(out[sort])
        out = out.sort_values(sort, ascending=not numeric, kind="stable")
    return out


def pair_columns(table: pd.DataFrame) -> dict:
    """Column settings: scores as 0-1 progress bars, sentences as plain text."""
    config = {}
    for col in table.columns:
        if col in ("pair_id", "category", "sentence_a", "sentence_b"):
            config[col] = st.column_config.TextColumn(col, width="large" if col.startswith("sentence") else None)
        elif col == "sd":
            config[col] = st.column_config.NumberColumn("sd", format="%.3f")
        else:
            config[col] = st.column_config.ProgressColumn(col, min_value=0.0, max_value=1.0, format="%.3f")
    return config


@st.cache_data(show_spinner=False, max_entries=32)
def _study(key: tuple, _frame: pd.DataFrame) -> pd.DataFrame:
    from compsem.study import compare_with_study

    return compare_with_study(_frame)


def study_comparison(res: Results) -> pd.DataFrame:
    return _study(res.key, res.frame)


def study_view(table: pd.DataFrame, measured_only: bool, section: str, labels: dict) -> pd.DataFrame:
    out = table
    if measured_only:
        out = out[out["measured"].notna()]
    if section != "all":
        out = out[out["section"] == section]
    return pd.DataFrame({
        "section": out["section"], "model": [labels.get(m, m) for m in out["model"]],
        "category": [category_label(c) for c in out["category"]], "statistic": out["statistic"],
        "threshold": out["threshold"], "scale": out["scale"], "reported": out["reported"],
        "measured": out["measured"], "difference": out["difference"], "measured with": out["measured_models"],
        "source": out["source"],
    }, index=out.index)


# -- charts and downloads -------------------------------------------------------------------------------
def chart(fig: go.Figure, name: str) -> None:
    """Draw a Plotly figure with the modebar's PNG download (file name ``compsem-<name>.png``)."""
    config = {"displaylogo": False, "displayModeBar": True,
              "toImageButtonOptions": {"format": "png", "filename": f"compsem-{name}", "scale": 2}}
    st.plotly_chart(fig, key=f"chart.{name}", config=config, width="stretch")


def csv_download(label: str, table: pd.DataFrame | str | Callable[[], str], file_name: str, key: str) -> None:
    """A CSV download button; a callable is only run when the user clicks."""
    if isinstance(table, pd.DataFrame):
        data: str | Callable[[], str] = safe_csv(table, index=False)
    else:
        data = table
    st.download_button(label, data=data, file_name=file_name, mime="text/csv", key=key)


#: Every statistics table offered for download: file stem -> how to compute it from (results, threshold).
EXPORTS: dict[str, Callable[[pd.DataFrame, float], pd.DataFrame]] = {
    "describe_scores": lambda df, t: stats.describe_scores(df),
    "failure_rates": lambda df, t: stats.failure_rates(df, sorted({t, 0.5, 0.8})),
    "family_failure_rates": lambda df, t: stats.family_failure_rates(df, sorted({t, 0.5, 0.8})),
    "describe_with_ci": lambda df, t: stats.describe_with_ci(df, t),
    "best_and_worst": lambda df, t: stats.best_and_worst(df, t),
    "roc_auc_by_category": lambda df, t: stats.roc_auc_by_category(df),
    "calibrated_thresholds": lambda df, t: stats.calibrated_thresholds(df),
    "family_comparison": lambda df, t: stats.family_comparison(df),
    "family_comparison_without_retrieval": lambda df, t: stats.family_comparison(
        df, exclude_objectives=("retrieval",)),
}


@st.cache_data(show_spinner=False, max_entries=64)
def _export_table(name: str, key: tuple, _frame: pd.DataFrame, threshold: float) -> str:
    try:
        return safe_csv(EXPORTS[name](_frame, threshold), index=False)
    except ValueError as exc:
        return f"# not available for this selection: {exc}\n"


def export_table(res: Results, name: str) -> Callable[[], str]:
    """A statistics table as CSV text, computed when the download is asked for (not on every re-render)."""
    return lambda: _export_table(name, res.key, res.frame, res.threshold)


@st.cache_data(show_spinner=False, max_entries=16)
def _report(key: tuple, _frame: pd.DataFrame, thresholds: tuple[float, ...], meta: tuple) -> str:
    return report.render_report(_frame, list(thresholds), dict(meta))


def report_markdown(res: Results, view: View) -> Callable[[], str]:
    """The run's report.md (compsem.report), rendered when the download is asked for."""
    thresholds = tuple(dict.fromkeys([res.threshold, 0.5, 0.8]))
    meta = (("pairs_source", view.pairs_label), ("n_pairs", int(res.frame["pair_id"].nunique())),
            ("created", time.strftime("%Y-%m-%dT%H:%M:%S%z")), ("source", "compsem dashboard"))
    return lambda: _report(res.key, res.frame, thresholds, meta)


def pairs_csv(res: Results) -> Callable[[], str]:
    return lambda: pair_results_csv(res.frame)


# -- free text ---------------------------------------------------------------------------------------------
@st.cache_data(show_spinner=False, max_entries=256)
def _score_text(a: str, b: str, models: tuple[str, ...], backend: str = "torch"):
    return score_text_pair(a, b, list(models), loader=_loader, backend=backend)


def score_text(a: str, b: str, models: Sequence[str], labels: dict, threshold: float
               ) -> tuple[pd.DataFrame, dict[str, str]]:
    """Score a free-text pair with every model; (table, model -> why it could not).

    Raises:
        ValueError: empty or too long text (the message says which).
    """
    scored, problems = _score_text(a, b, tuple(models), current_backend())
    rows = [{"model": s.model, "label": labels.get(s.model, s.model), "kind": s.kind, "raw_score": s.raw_score,
             "score": s.score, "score_reversed": s.score_reversed, "asymmetry": s.asymmetry,
             "verdict": "similar" if s.score >= threshold else "different", "normalization": s.normalization}
            for s in scored]
    return pd.DataFrame(rows), problems


def score_variants(a: str, variants: Sequence[tuple[str, str]], models: Sequence[str], labels: dict
                   ) -> pd.DataFrame:
    """Score (A, edited A) for each variant; ``label, variant, edited, score``."""
    rows = []
    for name, edited in variants:
        scored, _ = _score_text(a, edited, tuple(models), current_backend())
        rows += [{"label": labels.get(s.model, s.model), "variant": name, "edited": edited, "score": s.score}
                 for s in scored]
    return pd.DataFrame(rows, columns=["label", "variant", "edited", "score"])


__all__ = ["View", "Results", "chart", "csv_download", "effect_rows", "export_table", "md_escape", "pair_table",
           "rate_curves", "rates_with_ci", "report_markdown", "score_text", "score_variants", "scores", "sidebar",
           "start", "stat", "threshold_slider", "wide"]


# -- does the objective matter? (pages/9_Objectives.py) ----------------------------------------------------
def objective_resolutions() -> dict[str, Resolution]:
    """The registry entries of the four trained models that have a card somewhere (shipped or local)."""
    from compsem import objectives

    by_key = {r.spec.key: r for r in model_resolutions()}
    return {k: by_key[k] for k in objectives.objective_keys() if k in by_key}


def objective_availability() -> pd.DataFrame:
    """Per objective: where its scores come from and the ``compsem train`` command when they are missing."""
    from compsem import objectives

    found = objective_resolutions()
    return objectives.availability_table({k: (r.status, r.reason) for k, r in found.items()})


def trained_cards() -> tuple[dict[str, dict], str]:
    """The trained models' cards, or ({}, why) when one is broken (the page shows why and goes on)."""
    from compsem import objectives

    try:
        return objectives.load_cards(), ""
    except objectives.CardError as exc:
        return {}, str(exc)


def objective_models() -> tuple[str, ...]:
    """The models the objective page scores: the reference bi-encoder and every usable trained model."""
    from compsem import objectives

    return (objectives.REFERENCE, *[k for k, r in objective_resolutions().items() if r.usable])


def objective_scores(view: View, models: Sequence[str]) -> Results:
    """Scores of ``models`` (see :func:`objective_models`) on the view's pairs, whatever the sidebar selects.

    The sidebar's pair set, categories and threshold apply; its model selection does not.
    """
    from dataclasses import replace

    return scores(replace(view, models=tuple(models)))


@st.cache_data(show_spinner=False, max_entries=64)
def _objective_table(key: tuple, _frame: pd.DataFrame, threshold: float, reference: str) -> pd.DataFrame:
    from compsem import objectives

    return objectives.comparison_table(_frame, threshold, reference)


def objective_table(res: Results) -> pd.DataFrame | None:
    """:func:`compsem.objectives.comparison_table` at the view's threshold, cached; a ValueError becomes a warning."""
    from compsem import objectives

    try:
        return _objective_table(res.key, res.frame, res.threshold, objectives.REFERENCE)
    except ValueError as exc:
        st.warning(f"Objective comparison: {md_escape(exc)}")
        return None


__all__ += ["objective_availability", "objective_models", "objective_scores", "objective_table", "trained_cards"]


# -- reranking lab (pages/8_Reranking.py) -------------------------------------------------------------
RERANK_MODES = {"corpus": "Search the built-in corpus (SICK sentences)", "paste": "Paste your own documents"}
RERANK_KS = ("5", "10", "20", "50", "100")
RERANK_NONE = "none"
#: Example documents for the paste mode, written for this page: near-duplicates that differ by a
#: negation, a swapped role or a quantifier, the edits a bi-encoder first stage tends to miss.
RERANK_EXAMPLE_DOCS = "\n".join([
    "The chef is cutting tomatoes in the kitchen.",
    "The chef is not cutting tomatoes in the kitchen.",
    "Tomatoes are being sliced by a cook.",
    "A cook is washing tomatoes in the sink.",
    "The tomatoes are cutting the chef.",
    "A child is eating a sandwich at the table.",
    "Two dogs are chasing a ball across the lawn.",
])
RERANK_EXAMPLE_QUERY = "A cook slices tomatoes."
RERANK_SCORE_HELP = {
    "bm25": "BM25 score (term overlap weighted by rarity; 0 = no shared word)",
    "dense": "cosine similarity of the MiniLM bi-encoder embeddings",
    "hybrid": "reciprocal rank fusion score: the sum of 1 / (60 + rank) over the BM25 and bi-encoder lists",
    "reranker": "the cross-encoder's relevance score: P(entailment | query, document) for an NLI model, the raw "
                "logit for a single-output model (only the order matters here)",
}


def _digest(docs: Sequence[str]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(list(docs)).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=2)
def _rerank_corpus(data_dir: str) -> tuple[str, ...]:
    from compsem.rerank import sick_retrieval_set

    return tuple(sick_retrieval_set(data_dir).corpus)


def rerank_documents(mode: str, pasted: str) -> tuple[list[str], str]:
    """The documents to search and a caption for them.

    Raises:
        ValueError: the datasets folder is missing or broken (corpus), or the pasted text breaks a limit.
    """
    from compsem.datasets import DatasetError, default_data_dir
    from compsem.rerank import parse_documents

    if mode == "paste":
        docs = parse_documents(pasted)
        return docs, f"{len(docs)} pasted document(s)"
    try:
        corpus = _rerank_corpus(str(default_data_dir()))
    except DatasetError as exc:
        raise ValueError(f"The built-in corpus needs the SICK files, which could not be read: {exc} "
                         f"Choose '{RERANK_MODES['paste']}' to search your own text instead.") from None
    return list(corpus), f"{len(corpus):,} distinct SICK sentences (all splits)"


@st.cache_resource(show_spinner=False, max_entries=8)
def _bm25_index(digest: str, _docs: tuple[str, ...]):
    from compsem.rerank import BM25Retriever

    return BM25Retriever(_docs)


@st.cache_resource(show_spinner=False, max_entries=8)
def _dense_index(digest: str, fingerprint: str, _docs: tuple[str, ...], backend: str = "torch"):
    from compsem.rerank import DENSE_MODEL, DenseRetriever

    return DenseRetriever(_docs, scorer=scorer(DENSE_MODEL, fingerprint, backend))


@st.cache_resource(show_spinner=False, max_entries=8)
def _reranker(key: str, fingerprint: str, backend: str = "torch"):
    from compsem.rerank import Reranker

    # the scorer comes from the shared per-process cache, so a model loaded by another page is reused
    return Reranker(key, scorer=scorer(key, fingerprint, backend))


def reranker_choices() -> tuple[list[str], dict[str, str]]:
    """(cross-encoders that can rerank here, every other cross-encoder -> why not)."""
    from compsem.rerank import reranker_options

    return reranker_options(model_resolutions())


@st.cache_data(show_spinner=False, max_entries=64)
def _ranking(query: str, digest: str, first_stage: str, k: int, reranker_key: str, fingerprint: str,
             _docs: tuple[str, ...], backend: str = "torch") -> pd.DataFrame:
    from compsem.rerank import DENSE_MODEL, rank_documents

    dense = (_dense_index(digest, _resolve(DENSE_MODEL, backend).fingerprint, _docs, backend)
             if first_stage != "bm25" else None)
    reranker = _reranker(reranker_key, fingerprint, backend) if reranker_key != RERANK_NONE else None
    return rank_documents(query, _docs, first_stage=first_stage, k=k, reranker=reranker, dense=dense,
                          bm25=_bm25_index(digest, _docs))


def rank_query(query: str, docs: Sequence[str], first_stage: str, k: int, reranker_key: str) -> pd.DataFrame:
    """:func:`compsem.rerank.rank_documents` with the indexes and models held once per process.

    Raises:
        ValueError: an empty or too long query, too many documents for the bi-encoder, or a model that
            could not be loaded (the message says which).
    """
    from compsem.rerank import check_query

    query = check_query(query)
    backend = current_backend()
    fingerprint = ""
    if reranker_key != RERANK_NONE:
        fingerprint = _resolve(reranker_key, backend).fingerprint
    docs = tuple(docs)
    try:
        return _ranking(query, _digest(docs), first_stage, int(k), reranker_key, fingerprint, docs, backend)
    except (ModelUnavailableError, OSError) as exc:
        raise ValueError(f"a model could not be loaded: {exc}") from None


@st.cache_data(show_spinner=False, max_entries=8)
def _rerank_eval(folder: str, stamp: tuple) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    from compsem import rerank

    results = rerank.load_rerank_results(folder)
    return (rerank.metrics_table(results), rerank.quality_latency_points(results),
            rerank.skipped_rerankers(results), str(results.metrics.get("dataset", "")))


def rerank_eval(folder: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict, str]:
    """The saved evaluation as (metrics table, quality-latency points, skipped rerankers, dataset description).

    Re-read when metrics.json or latency.csv changes.

    Raises:
        compsem.rerank.RerankResultsMissing: nothing there yet.
        compsem.rerank.RerankResultsError: a broken file (the message names it).
    """
    from compsem.rerank import default_results_dir

    folder = Path(folder) if folder is not None else default_results_dir()
    stamp = tuple((p.stat().st_size, p.stat().st_mtime) if p.is_file() else None
                  for p in (folder / "metrics.json", folder / "latency.csv"))
    return _rerank_eval(str(folder), stamp)


__all__ += ["rank_query", "reranker_choices", "rerank_documents", "rerank_eval"]
