"""One module per page, each with a ``render()`` that st.navigation runs."""
