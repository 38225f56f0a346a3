"""The Streamlit app's own code: navigation (`nav`), URL state (`state`), plotly figure builders
(`plots`) and the pages' view models (`views`). Pages in `pages/` only lay out what these return."""
