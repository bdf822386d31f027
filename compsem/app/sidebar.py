"""The shared sidebar every page calls: pair set, models, categories, threshold, backend, device -> a :class:`View`."""

from __future__ import annotations

import gc
import threading
import time
from dataclasses import dataclass, field, replace
from typing import cast

import pandas as pd
import streamlit as st

from compsem.app import data, state, views
from compsem.data.categories import category_label, sort_categories
from compsem.data.labels import ModelLabels
from compsem.data.pairs import MAX_FILE_BYTES
from compsem.models.devices import CPU, DTYPES, DeviceChoice
from compsem.models.quantization import BACKEND_LABELS, BACKENDS, DEFAULT_BACKEND
from compsem.models.registry import get_spec
from compsem.models.specs import Resolution

KIND_TITLES = {"bi-encoder": "Bi-encoders", "cross-encoder": "Cross-encoders", "baseline": "Baselines"}


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
        labels: every registry model's display name (for messages; shown frames carry their own).
        backend: what serves the transformer models (``torch`` or ``onnx-int8``).
        run: the scores of a ``compsem run`` folder when that is the pair set (shown as they are, never rescored).
        device: where the transformer models run: ``cpu``, ``cuda`` or ``mps`` (never ``auto``; the CPU
            whenever the backend is ``onnx-int8``, a CPU backend). Part of every score lookup's key.
        dtype: ``fp32``, or ``fp16``/``bf16`` on a GPU. Part of every score lookup's key.
        device_name: what the hardware calls itself (``NVIDIA H100 80GB HBM3``), for messages.
    """

    pairs: pd.DataFrame | None
    pairs_label: str
    pairs_sha: str
    models: tuple[str, ...]
    categories: tuple[str, ...]
    threshold: float
    labels: ModelLabels = field(default_factory=ModelLabels, compare=False)
    backend: str = "torch"
    run: pd.DataFrame | None = field(default=None, compare=False)
    device: str = "cpu"
    dtype: str = "fp32"
    device_name: str = field(default="cpu", compare=False)


#: Page styles for narrow screens (phones, about 390 px): a chart's Plotly title cannot wrap, so below 640 px it is
#: hidden and the same words show above the chart as wrapping text (:func:`compsem.app.draw.chart`).
PHONE_CSS = """<style>
.cs-phone-title{font-weight:600;font-size:0.95rem;line-height:1.3;margin:0 0 -0.4rem}
[data-testid='stElementContainer']:has(.cs-phone-title){display:none}
@media (max-width: 640px){
  [data-testid='stElementContainer']:has(.cs-phone-title){display:block}
  [data-testid='stPlotlyChart'] .gtitle{display:none}
}
</style>"""


def setup_page(title: str) -> None:
    """Page settings; the sidebar starts ``auto``: open on a laptop, collapsed on a phone (and after each page
    change there: "expanded" reopened it over three quarters of a 390 px screen on every page)."""
    st.set_page_config(page_title=f"compsem · {title}", layout="wide", initial_sidebar_state="auto")
    st.html(PHONE_CSS)


_WARMED = threading.Event()
#: Set when the warm-up has finished (scipy.stats imported, heap frozen): what bench/ waits for.
WARM_UP_DONE = threading.Event()


def _warm_up(settle_seconds: float = 0.25) -> None:
    """Import scipy.stats, then collect and freeze the heap (:func:`warm_up_later`)."""
    try:
        import scipy.stats  # noqa: F401
    except ImportError:  # pragma: no cover - scipy is a dependency
        pass
    # Why freeze: after the imports the process holds ~200k long-lived objects (Streamlit, pandas,
    # Plotly, scipy), and every full collection walked them all again: measured 100-120 ms per
    # collection, the spikes that put single widget changes at 450-500 ms against a 150 ms median.
    # Frozen objects are skipped by the collector (measured ~20 ms per full collection after).
    # The short wait (after the half-second import, in a fresh process) lets the first page's run
    # end - warm_up_later is its last statement - so its figures are garbage by then and collect()
    # frees them instead of freezing them. The collect costs ~110 ms once, in the background. The
    # price, paid once per process: what is alive at the freeze (modules, caches, the first
    # session's state) is never collected, even if it dies later in a reference cycle.
    time.sleep(settle_seconds)
    gc.collect()
    gc.freeze()
    WARM_UP_DONE.set()


def warm_up_later() -> None:
    """Once per process, after the first page is drawn: :func:`_warm_up` in a background thread.

    The landing page does not need scipy.stats (that is why :mod:`compsem.stats` imports it
    lazily), but the effect sizes, ROC-AUC and calibrated thresholds do; importing it while the
    user reads the first page keeps their first change of page or widget from paying half a
    second for it.
    """
    if _WARMED.is_set():
        return
    _WARMED.set()
    threading.Thread(target=_warm_up, name="compsem-warm-up", daemon=True).start()


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
    for res in data.model_resolutions():
        groups.setdefault(res.spec.kind, []).append(res)
    return groups


def _selectable(res: Resolution) -> bool:
    return res.usable or res.status == "needs download"


def default_models() -> list[str]:
    """Models that score offline: the default selection."""
    return [r.spec.key for r in data.model_resolutions() if r.usable]


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


_PAIR_SOURCES = {"bundled": "Bundled pairs", "upload": "Upload a CSV", "run": "A run folder"}


def _sidebar_run() -> tuple[pd.DataFrame | None, str, str, pd.DataFrame | None] | None:
    """The scores of a ``compsem run`` folder typed in the sidebar, or None (then the default pair set)."""
    folder = state.text_input(
        "Run folder (the --out of `compsem run`)",
        "run",
        help="A folder on the machine the dashboard runs on, holding all_pair_results.csv. Its scores are "
        "shown as they are (nothing is rescored); large runs are sampled for point charts and paged.",
    )
    if not folder.strip():
        st.sidebar.info("Type a run folder; showing the default pair set meanwhile.")
        return None
    run, pairs, problem = data.open_run(folder)
    if run is None or pairs is None:
        st.sidebar.warning(views.md_escape(problem) + " Showing the default pair set.")
        return None
    st.sidebar.caption(f"Run {views.md_escape(folder.strip())}: {len(pairs):,} pairs")
    sha = f"run:{folder.strip()}:{len(run.results)}:{id(run)}"  # a new object per version of the file
    return pairs, f"run {folder.strip()}", sha, run.results


def _sidebar_pairs() -> tuple[pd.DataFrame | None, str, str, pd.DataFrame | None]:
    st.sidebar.subheader("Pair set")
    state.bind("pairs", "bundled", lambda raw: raw if raw in _PAIR_SOURCES else "bundled")
    choice = st.sidebar.radio(
        "Pair set",
        list(_PAIR_SOURCES),
        key=state.wkey("pairs"),
        on_change=state.copy_to_store,
        args=("pairs",),
        horizontal=True,
        label_visibility="collapsed",
        format_func=_PAIR_SOURCES.__getitem__,
    )
    if choice == "run":
        opened = _sidebar_run()
        if opened is not None:
            return opened
    if choice == "upload":
        up = st.sidebar.file_uploader(
            f"Pair CSV (id, category, sentence_a, sentence_b; UTF-8; at most {MAX_FILE_BYTES // 2**20} MB)",
            key="w.upload",
            help="Checked by the same checker as `compsem pairs check`.",
        )
        if up is None:  # the bad file was removed: its error goes with it
            st.session_state.pop("cs.upload_error", None)
        else:
            raw = up.getvalue()
            check = data.check_upload(raw, up.name)
            if check.ok:
                st.session_state["cs.upload"] = {"name": up.name, "sha": check.sha256, "check": check}
                st.session_state.pop("cs.upload_error", None)
            else:
                st.session_state["cs.upload_error"] = check
        stored = st.session_state.get("cs.upload")
        if stored is not None:
            check = stored["check"]
            st.sidebar.caption(f"Using {views.md_escape(stored['name'])}: {len(check.pairs)} pairs")
            return check.pairs, f"uploaded {stored['name']}", check.sha256, None
        st.sidebar.info("No valid upload yet; showing the default pair set.")
    else:  # back on the bundled pairs: a rejected upload's error no longer applies to what is shown
        st.session_state.pop("cs.upload_error", None)
    default_check, what = data.load_default_pairs()
    if default_check is None:
        st.session_state["cs.pairs_missing"] = what
        return None, what, "", None
    st.session_state.pop("cs.pairs_missing", None)
    if not default_check.ok:
        st.session_state["cs.default_error"] = default_check
        return None, what, "", None
    st.sidebar.caption(f"{views.md_escape(what)}: {len(default_check.pairs)} pairs")
    return default_check.pairs, what, default_check.sha256, None


def _sidebar_models() -> tuple[str, ...]:
    st.sidebar.subheader("Models")
    groups = _model_groups()
    by_key = {r.spec.key: r for rs in groups.values() for r in rs}
    defaults = default_models()
    state.bind("models", defaults, _parse_models, lambda ks: ",".join(get_spec(k).alias for k in cast(list, ks)))
    selected = [k for k in cast(list, state.get("models", [])) if k in by_key and _selectable(by_key[k])]

    def on_change(key: str) -> None:
        current = list(state.get("models", []))
        if st.session_state[f"w.model.{key}"]:
            current = current + [key] if key not in current else current
        else:
            current = [k for k in current if k != key]
        state.set_value("models", [k for k in by_key if k in current])

    for kind, resolutions in groups.items():
        if not resolutions:
            continue
        usable = sum(_selectable(r) for r in resolutions)
        with st.sidebar.expander(
            f"{KIND_TITLES.get(kind, kind)} ({usable}/{len(resolutions)} available)", expanded=usable > 0
        ):
            unavailable: dict[str, list[str]] = {}
            for res in resolutions:
                key = res.spec.key
                ok = _selectable(res)
                st.session_state[f"w.model.{key}"] = ok and key in selected
                note = {"needs download": " · downloads on first use"}
                st.checkbox(
                    res.spec.display + note.get(res.status, ""),
                    key=f"w.model.{key}",
                    disabled=not ok,
                    on_change=on_change,
                    args=(key,),
                    help=views.md_escape(
                        f"{key} — {res.status}: {res.reason}. {res.spec.notes}" if ok else f"Unavailable: {res.reason}"
                    ),
                )
                if not ok:
                    unavailable.setdefault(res.reason, []).append(res.spec.display)
            for reason, names in unavailable.items():
                st.caption(f"Unavailable ({views.md_escape(', '.join(names))}): {views.md_escape(reason)}")
    return tuple(selected)


def sidebar() -> View:
    """The shared sidebar: pair set, models, categories, threshold. Every page calls it."""
    with st.sidebar:
        pairs, label, sha, run = _sidebar_pairs()
        models = _sidebar_models()
        st.subheader("Categories")
        options = sort_categories(pairs["category"].unique()) if pairs is not None else []
        state.bind(
            "cats", list(options), lambda raw: [c for c in raw.split(",") if c], lambda v: ",".join(cast(list, v))
        )
        current = [c for c in state.get("cats", options) if c in options]
        if not current and options:
            current = list(options)
        st.session_state[state.store_key("cats")] = current
        st.session_state[state.wkey("cats")] = current
        cats = st.multiselect(
            "Categories",
            options,
            key=state.wkey("cats"),
            on_change=state.copy_to_store,
            args=("cats",),
            format_func=category_label,
            label_visibility="collapsed",
        )
        threshold = state.threshold_slider("Threshold", container=st.sidebar, place="sidebar")
        backend = _sidebar_backend()
        device = _sidebar_device(backend)
        st.caption("Choices live in the address bar: copy the link to share this view.")
    return View(
        pairs,
        label,
        sha,
        models,
        tuple(cats),
        threshold,
        data.model_labels(),
        backend,
        run,
        device=device.device,
        dtype=device.dtype,
        device_name=device.name,
    )


def _sidebar_backend() -> str:

    return state.selectbox(
        "Backend",
        "backend",
        BACKENDS,
        DEFAULT_BACKEND,
        format_func=lambda name: BACKEND_LABELS.get(name, name),
        help="How the transformer models run. PyTorch at fp32 gives the study's numbers; ONNX Runtime "
        "int8 is several times faster on a CPU, with scores within the tolerance docs/models.md reports. "
        "Each backend has its own cached scores.",
    )


_DEVICE_HELP = (
    "Where the transformer models run (baselines always run on the CPU). The first choice is the best "
    "device here, the one `compsem run --device auto` picks. The CPU at fp32 gives the study's numbers and "
    "can use the scores shipped with compsem; a GPU is faster, and its scores, which differ from the CPU's in "
    "the last digits, are cached apart from them."
)


def _sidebar_device(backend: str) -> DeviceChoice:
    """The Device setting (and, on a GPU, its number format): what runs the transformer models.

    Its options are the devices torch can use here, best first (:func:`compsem.app.data.device_options`).
    With one option (no GPU visible) the select is shown disabled with the reason; with the int8 backend,
    which runs on the CPU only, it shows the CPU and says so, keeping the GPU choice for when PyTorch is back.
    """
    offered: dict[str, DeviceChoice] = {d.device: d for d in data.device_options()}
    offered.setdefault("cpu", CPU)
    if len(offered) == 1:
        state.selectbox(
            "Device", "device", ["cpu"], "cpu", format_func=lambda _: "CPU", help=_DEVICE_HELP, disabled=True
        )
        st.caption("The CPU is the only choice: torch sees no CUDA or MPS GPU on this machine.")
        state.drop_from_url("dtype")
        return CPU
    if backend != "torch":  # the int8 export runs on ONNX Runtime's CPU provider only
        st.selectbox("Device", ["cpu"], key="w.device_cpu_only", format_func=lambda _: "CPU", disabled=True)
        st.caption("ONNX Runtime int8 runs on the CPU only; choose PyTorch as the backend to use the GPU.")
        return CPU
    device = state.selectbox(
        "Device",
        "device",
        list(offered),
        next(iter(offered)),
        format_func=lambda d: views.device_label(offered[d]),
        help=_DEVICE_HELP,
    )
    if device == "cpu":
        state.drop_from_url("dtype")  # the CPU runs at fp32 only; a GPU's format waits in the session
        return CPU
    dtype = state.selectbox(
        "Number format",
        "dtype",
        DTYPES,
        "fp32",
        format_func=lambda d: views.DTYPE_LABELS.get(d, d),
        help="fp32 is the format the study used. fp16 and bf16 halve the memory and are faster on most GPUs; "
        "scores then move by up to about 0.001, so each format has its own cached scores.",
    )
    return replace(offered[device], dtype=dtype)


__all__ = ["KIND_TITLES", "WARM_UP_DONE", "View", "default_models", "setup_page", "sidebar", "start", "warm_up_later"]
