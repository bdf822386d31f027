"""What a good model should do with a free-text pair, and whether each model did: one line per model.

The dashboard's Try-your-own page asks what sentence B is to sentence A (:data:`PAIR_KINDS`):
an edit that changes the meaning (a good model scores it low), a paraphrase (high) or an
unrelated sentence (low). :func:`verdict` turns a model's score at the threshold into a sentence
a stakeholder can read without knowing what a logit is.

Example:
    >>> verdict("edit", 0.81, 0.5)
    'should score low (the edit changes the meaning); scored 0.810 ≥ 0.5: fooled'
    >>> verdict("paraphrase", 0.91, 0.5)
    'should score high (same meaning); scored 0.910 ≥ 0.5: right'
"""

from __future__ import annotations

from dataclasses import dataclass

from compsem.data.formatting import format_score


@dataclass(frozen=True)
class PairKind:
    """One answer to "what is B to A?".

    Attributes:
        label: the choice as the page shows it.
        expect_high: whether a good model scores such a pair at or above the threshold.
        why: the reason, in a few words.
    """

    label: str
    expect_high: bool
    why: str


#: What sentence B can be to sentence A, by key.
PAIR_KINDS: dict[str, PairKind] = {
    "edit": PairKind("an edit that changes the meaning", False, "the edit changes the meaning"),
    "paraphrase": PairKind("a paraphrase (same meaning)", True, "same meaning"),
    "unrelated": PairKind("unrelated", False, "unrelated sentences"),
}


def verdict(kind: str, score: float, threshold: float, score_reversed: float | None = None) -> str:
    """One line: what a good model does with a ``kind`` pair, what this one scored, and whether it did.

    Args:
        kind: a key of :data:`PAIR_KINDS`.
        score: the model's 0-1 score of (A, B).
        threshold: scores at or above it read as "similar".
        score_reversed: the score of (B, A), for a model that reads order; a different verdict in that
            order is named.

    Raises:
        ValueError: an unknown ``kind`` or a threshold outside 0-1.
    """
    if kind not in PAIR_KINDS:
        raise ValueError(f"the pair kind must be one of {', '.join(PAIR_KINDS)}, not {kind!r}")
    if not 0 <= threshold <= 1:
        raise ValueError(f"the threshold must be between 0 and 1, not {threshold!r}")
    want = PAIR_KINDS[kind]
    high = score >= threshold
    sign = "≥" if high else "<"
    outcome = "right" if high == want.expect_high else ("fooled" if high else "missed it")
    line = (
        f"should score {'high' if want.expect_high else 'low'} ({want.why}); "
        f"scored {format_score(score)} {sign} {threshold:g}: {outcome}"
    )
    if score_reversed is not None and (score_reversed >= threshold) != high:
        other = "right" if (score_reversed >= threshold) == want.expect_high else "wrong"
        line += f" (in the order B, A: {format_score(score_reversed)}, {other})"
    return line


__all__ = ["PAIR_KINDS", "PairKind", "verdict"]
