"""semcom-explorer: `streamlit run app.py`. Multipage navigation; each page is a thin file in pages/."""
import streamlit as st

st.set_page_config(page_title="semcom-explorer", page_icon=":material/settings_input_antenna:", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/costs.py", title="Split costs", icon=":material/calculate:"),
    st.Page("pages/iot.py", title="IoT: learned vs separation", icon=":material/cell_tower:"),
]

st.navigation(PAGES).run()
