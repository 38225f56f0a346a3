"""Small Streamlit layout pieces the pages share (they only lay out what the view models computed)."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st


def charts_side_by_side(*charts: tuple[str, go.Figure], keys: tuple[str, ...] | None = None) -> None:
    """Each (title, figure) in its own column, with its title as a subheader. With `keys` (one per chart), the
    charts are drawn by the in-place chart component (semcom_ui.components.plotly_react): a changed figure
    updates the drawn chart instead of rebuilding it."""
    for i, (col, (title, fig)) in enumerate(zip(st.columns(len(charts)), charts)):
        with col:
            st.subheader(title)
            if keys:
                from semcom_ui.components import plotly_react
                plotly_react.plotly_chart(fig, key=keys[i])
            else:
                st.plotly_chart(fig, width="stretch")
