"""semcom-explorer: `streamlit run app.py`. Multipage navigation (st.navigation); each page is a thin
file in pages/, listed in semcom_ui/nav.py."""
from semcom_ui.nav import run_navigation

run_navigation()
