"""One module per page, each with a ``render()`` that st.navigation runs.

Not named `pages/`: Streamlit would also serve a `pages/` folder beside app.py as pages of its
own (its older multipage mode) for a first request to a page URL, before st.navigation runs.
"""
