"""compsem dashboard: ``streamlit run app.py``.

Every page shares the sidebar (pair set, models, categories, threshold); the choices
live in the URL query string, so a link reproduces the view. Pages are in pages/.
"""

import streamlit as st

PAGES = [
    ("pages/00_Findings.py", "Findings", "", True),
    ("pages/0_Overview.py", "Overview", "Overview", False),
    ("pages/1_Distributions.py", "Distributions", "Distributions", False),
    ("pages/2_Failure_rates.py", "Failure rates", "Failure_rates", False),
    ("pages/3_Effect_sizes.py", "Effect sizes", "Effect_sizes", False),
    ("pages/4_Try_your_own.py", "Try your own", "Try_your_own", False),
    ("pages/5_Pairs_browser.py", "Pairs browser", "Pairs_browser", False),
    ("pages/6_Study_vs_reproduction.py", "Study vs reproduction", "Study_vs_reproduction", False),
    ("pages/7_Exports.py", "Exports", "Exports", False),
    ("pages/8_Reranking.py", "Reranking", "Reranking", False),
    ("pages/9_Objectives.py", "Does the objective matter?", "Objectives", False),
    ("pages/10_Glossary.py", "Glossary", "Glossary", False),
]

st.navigation(
    [st.Page(path, title=title, url_path=url or None, default=default) for path, title, url, default in PAGES]
).run()

from compsem.app.sidebar import warm_up_later  # noqa: E402 - after the page: nothing delays its first paint

warm_up_later()
