"""The dashboard's Streamlit code; the pages in ``pages/`` stay thin (widgets -> compsem -> draw).

The only package in compsem that imports streamlit (``tests/test_app_imports.py`` checks it):

* :mod:`~compsem.app.state` - shared choices in the session and the URL, and the widgets bound to them;
* :mod:`~compsem.app.data` - cached loaders: models, pair files, cached scores, free-text scores;
* :mod:`~compsem.app.sidebar` - the shared sidebar, returning the :class:`~compsem.app.sidebar.View`;
* :mod:`~compsem.app.scores` - the view's scores, with a button that computes what is missing;
* :mod:`~compsem.app.tables` - the view's :class:`~compsem.analysis.Analysis` (parts kept per selection and
  threshold), the tables the pages read from it, costly figures, downloads;
* :mod:`~compsem.app.views` - pure display shaping (no Streamlit), :mod:`~compsem.app.draw` - charts, downloads;
* page sections: :mod:`~compsem.app.story` (Findings), :mod:`~compsem.app.objective_page`,
  :mod:`~compsem.app.reranking`, :mod:`~compsem.app.share` (the HTML report).

Nothing user-typed is passed to ``st.markdown`` unescaped (see :func:`compsem.app.views.md_escape`).
"""
