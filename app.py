"""semcom-explorer: `streamlit run app.py`. Multipage navigation (st.navigation); each page is a thin
file in pages/, listed in ui/nav.py."""
from ui.nav import run_navigation

run_navigation()
