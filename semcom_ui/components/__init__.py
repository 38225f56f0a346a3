"""Small custom components of the app (Streamlit's `st.components.v2`), each with a fallback to a built-in."""
