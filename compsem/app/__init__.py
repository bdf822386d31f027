"""Streamlit code of the dashboard, page by page (the pages in ``pages/`` stay thin).

The only package besides :mod:`compsem.dashboard` that imports streamlit.
"""
