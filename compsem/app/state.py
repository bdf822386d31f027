"""The dashboard's shared choices: session store, URL query string, and the widgets bound to them.

Every shared choice is kept in ``st.session_state["cs.<name>"]`` (survives page switches) and
mirrored in the URL query string (``?t=0.6&models=...``), so a link reproduces the view.
Widgets use the key ``w.<name>`` and copy their value to the store in their ``on_change``
callback; before a widget is drawn its value is set from the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

DEFAULT_THRESHOLD = 0.5
#: A choice longer than this (a pasted paragraph) is kept in the session but not put in the URL.
URL_TEXT_LIMIT = 500


def store_key(name: str) -> str:
    """Session-state key where a persisted choice is stored."""
    return f"cs.{name}"


def wkey(name: str) -> str:
    """Widget key of a persisted choice."""
    return f"w.{name}"


def copy_to_store(name: str) -> None:
    """A widget's ``on_change``: keep its new value in the store."""
    st.session_state[store_key(name)] = st.session_state[wkey(name)]


def bind(
    name: str,
    default,
    parse: Callable[[str], object] | None = None,
    dump: Callable[[object], str] | None = None,
    url: bool = True,
):
    """Initialise the store of ``name`` (from the URL on a session's first sight, else the default),
    set the widget's value from it, and write it back to the URL. Returns the value."""
    skey = store_key(name)
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
    return st.session_state.get(store_key(name), default)


def set_value(name: str, value) -> None:
    """Change a persisted choice from code (a button); the widget follows on the next run."""
    st.session_state[store_key(name)] = value


def set_values(values: Mapping[str, object]) -> None:
    """:func:`set_value` for several choices at once (one button that sets sentence B and the pair kind)."""
    for name, value in values.items():
        set_value(name, value)


def drop_from_url(name: str) -> None:
    """Take ``name`` out of the address bar (a choice that does not apply to the view now); its store is kept."""
    if name in st.query_params:
        del st.query_params[name]


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
    bind(name, default, _parse_bool, lambda v: "1" if v else "0")
    return st.toggle(label, key=wkey(name), on_change=copy_to_store, args=(name,), help=help)


def _one_of(options: list[str]) -> Callable[[str], str]:
    """A URL value's parser that accepts only one of ``options`` (anything else: ValueError, so the default)."""

    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(raw)
        return raw

    return parse


def selectbox(
    label: str,
    name: str,
    options: Sequence[str],
    default: str,
    format_func: Callable[[str], str] = str,
    help: str | None = None,
    disabled: bool = False,
) -> str:
    options = list(options)
    default = default if default in options else options[0]

    parse = _one_of(options)

    if get(name) not in options and store_key(name) in st.session_state:
        set_value(name, default)
    bind(name, default, parse)
    chosen = st.selectbox(
        label,
        options,
        key=wkey(name),
        on_change=copy_to_store,
        args=(name,),
        format_func=format_func,
        help=help,
        disabled=disabled,
    )
    return default if chosen is None else chosen  # None only for an empty option list


def radio(
    label: str,
    name: str,
    options: Sequence[str],
    default: str,
    format_func: Callable[[str], str] = str,
    horizontal: bool = True,
) -> str:
    options = list(options)

    parse = _one_of(options)

    bind(name, default, parse)
    chosen = st.radio(
        label,
        options,
        key=wkey(name),
        on_change=copy_to_store,
        args=(name,),
        format_func=format_func,
        horizontal=horizontal,
    )
    return default if chosen is None else chosen  # None only for an empty option list


def text_input(label: str, name: str, default: str = "", url: bool = True, help: str | None = None) -> str:
    bind(name, default, str, url=url)
    return st.text_input(label, key=wkey(name), on_change=copy_to_store, args=(name,), help=help)


def text_area(label: str, name: str, default: str = "", url: bool = False, height: int = 90) -> str:
    bind(name, default, str, url=url)
    return st.text_area(label, key=wkey(name), on_change=copy_to_store, args=(name,), height=height)


def threshold_slider(label: str = "Threshold", name: str = "t", container=None, place: str = "page") -> float:
    """The shared 0-1 threshold (step 0.01); the same value wherever a slider for it is drawn."""
    key = f"{wkey(name)}.{place}"
    bind(name, DEFAULT_THRESHOLD, _parse_threshold, lambda v: f"{v:g}")
    st.session_state[key] = st.session_state[store_key(name)]
    target = container if container is not None else st
    return float(
        target.slider(
            label,
            0.0,
            1.0,
            step=0.01,
            key=key,
            on_change=lambda: st.session_state.__setitem__(store_key(name), st.session_state[key]),
            help="A pair 'scores as similar' when its 0-1 score is at or above the threshold. "
            "For adversarial categories that share is the failure rate.",
        )
    )
