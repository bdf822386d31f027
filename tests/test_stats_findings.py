"""compsem.stats.findings: the overview's sentences, every number checked."""

from __future__ import annotations

from stats_data import META, PAIRS, SCORES, frame, results, row  # noqa: F401 - results is a fixture

from compsem import stats


def test_findings_full_results(results):
    sentences = stats.findings(results, 0.5, min_pairs=1)
    assert len(sentences) == 5
    # bi negation: every score >= 0.5 for both models -> 100%, mean (0.9+0.8+0.7+0.95+0.85+0.6)/6 = 0.800
    assert "bi-encoders fail most on Negation" in sentences[0] and "100%" in sentences[0]
    assert "0.800" in sentences[0] and "2 bi-encoder models" in sentences[0]
    # cross negation: ce1 1/3, ce_ret 3/3 -> mean 67%; mean score 3.84 / 6 = 0.640
    assert "from 100% to 67%" in sentences[1] and "0.640" in sentences[1]
    # cross hedging: ce1 [0.6, 0.5] -> 1, ce_ret -> 1: hedging 100% beats negation 67%
    assert "cross-encoders is Hedging" in sentences[2] and "100%" in sentences[2]
    assert "100% for bi-encoders, 100% for cross-encoders" in sentences[3]
    # ce_ret: adversarial mean (0.99+0.98+0.97+0.9+0.9)/5 = 0.948 > positive controls 0.550
    assert sentences[4].startswith("ce_ret (cross-encoder, retrieval objective)")
    assert "0.948" in sentences[4] and "0.550" in sentences[4]


def test_findings_degrade_with_one_model_or_one_family(results):
    one = stats.findings(results[results["model"] == "ce1"], 0.5, min_pairs=1)
    assert 1 <= len(one) < 5 and "cross-encoders fail most on Hedging" in one[0]
    bis = stats.findings(results[results["kind"] == "bi-encoder"], 0.5, min_pairs=1)
    assert not any("Cross-encoders" in s or "ce_ret" in s for s in bis)
    nothing = stats.findings(frame([("u1", "negative_control", "bi1", 0.1)]), 0.5, min_pairs=1)
    assert nothing == [
        "1 model(s) scored 1 pair(s); the results hold no adversarial categories or positive controls to summarise."
    ]
