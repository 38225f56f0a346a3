"""View models: Streamlit-free functions that return what a page shows."""
