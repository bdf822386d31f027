"""Latency figures: percentiles of timed samples, in milliseconds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile_ms(samples: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000.0, q))
