"""semcom-explorer: `streamlit run app.py`. Multipage navigation; each page is a thin file in pages/."""
import streamlit as st

st.set_page_config(page_title="semcom-explorer", page_icon="📡", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/costs.py", title="Split costs", icon="🧮"),
]

st.navigation(PAGES).run()
