"""compsem: where embedding similarity breaks on compositional meaning changes.

The data path, one module per step::

    pairs file -> compsem.data.pairs -> compsem.models.registry -> compsem.scoring (compsem.scorers + compsem.store.score_store
      -> compsem.store.sqlite)
      -> tidy DataFrame (one row per pair x model) -> compsem.stats -> compsem.figures -> pages/

Nothing here imports Streamlit; the dashboard and the CLI are thin layers over the library.
"""

from __future__ import annotations

__version__ = "0.1.0"
