"""Small Streamlit layout pieces the pages share (they only lay out what the view models computed)."""
from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st


def charts_side_by_side(*charts: tuple[str, go.Figure]) -> None:
    """Each (title, figure) in its own column, with its title as a subheader."""
    for col, (title, fig) in zip(st.columns(len(charts)), charts):
        with col:
            st.subheader(title)
            st.plotly_chart(fig, width="stretch")
