"""Drawing helpers: Plotly charts with a PNG download, CSV downloads, column settings of the pair table."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from compsem.data.csv_safety import safe_csv


def phone_title(fig: go.Figure) -> str:
    """The figure's title as one line of HTML for narrow screens (the figure escaped it; ``<br>`` becomes a space)."""
    text = fig.layout.title.text or ""
    return " ".join(part.strip() for part in text.split("<br>") if part.strip())


def chart(fig: go.Figure, name: str) -> None:
    """Draw a Plotly figure with the modebar's PNG download (file name ``compsem-<name>.png``).

    On a phone the figure's own title (which Plotly cuts, never wraps) is hidden by the page's style and
    the same words show above the chart as text that wraps (:data:`compsem.app.sidebar.PHONE_CSS`).
    """
    title = phone_title(fig)
    if title:  # already HTML-escaped by compsem.figures: user text in it shows as text
        st.html(f'<div class="cs-phone-title">{title}</div>')
    config = {
        "displaylogo": False,
        "displayModeBar": True,
        "toImageButtonOptions": {"format": "png", "filename": f"compsem-{name}", "scale": 2},
    }
    st.plotly_chart(fig, key=f"chart.{name}", config=config, width="stretch")


def csv_download(label: str, table: pd.DataFrame | str | Callable[[], str], file_name: str, key: str) -> None:
    """A CSV download button; a callable is only run when the user clicks."""
    if isinstance(table, pd.DataFrame):
        data: str | Callable[[], str] = safe_csv(table, index=False)
    else:
        data = table
    st.download_button(label, data=data, file_name=file_name, mime="text/csv", key=key)


def pair_columns(table: pd.DataFrame) -> dict:
    """Column settings: scores as 0-1 progress bars, sentences as plain text."""
    config = {}
    for col in table.columns:
        if col in ("pair_id", "category", "sentence_a", "sentence_b"):
            config[col] = st.column_config.TextColumn(col, width="medium" if col.startswith("sentence") else None)
        elif col == "sd":
            config[col] = st.column_config.NumberColumn("sd", format="%.3f")
        else:
            config[col] = st.column_config.ProgressColumn(col, min_value=0.0, max_value=1.0, format="%.3f")
    return config
