"""compsem.models.truncation: pairs longer than a model reads are counted with its own tokenizer (issue 22, item 7)."""

from __future__ import annotations

from compsem.models.registry import get_spec, resolve
from compsem.models.truncation import count_truncated, token_limit

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
#: Two pairs that differ only after MiniLM's 256th token: the bi-encoder cannot tell them apart.
HEAD = "The committee reviewed the proposal again. " * 40  # ~280 tokens
LATE_DIFFERENCE = [(HEAD + "It was approved.", "A short sentence."), (HEAD + "It was rejected.", "A short sentence.")]


def test_minilm_reads_256_tokens_per_sentence_and_counts_the_long_pairs():
    limit = token_limit(resolve(get_spec(MINILM)))
    assert limit is not None and limit.max_tokens == 256 and not limit.joint
    found = count_truncated(resolve(get_spec(MINILM)), [*LATE_DIFFERENCE, ("It is red.", "It is not red.")])
    assert found is not None and (found.truncated, found.pairs, found.max_tokens) == (2, 3, 256)
    assert "2 of 3 pair(s) are longer than" in found.sentence("MiniLM")


def test_a_cross_encoder_adapter_counts_both_sentences_together():
    res = resolve(get_spec("compsem/minilm-l6-stsb"))
    limit = token_limit(res)
    assert limit is not None and limit.max_tokens == 128 and limit.joint
    each = "word " * 70  # 70 tokens alone, under 128; both together, over it
    found = count_truncated(res, [(each, each), ("It is red.", "It is not red.")])
    assert found is not None and found.truncated == 1
    assert count_truncated(resolve(get_spec(MINILM)), [(each, each)]).truncated == 0  # per sentence: fits


def test_baselines_read_everything():
    assert token_limit(resolve(get_spec("token-jaccard"))) is None
    assert count_truncated(resolve(get_spec("token-jaccard")), LATE_DIFFERENCE) is None


def test_nothing_is_counted_for_no_pairs():
    assert count_truncated(resolve(get_spec(MINILM)), []) is None


def test_long_inputs_are_tokenized_a_batch_at_a_time_with_the_same_count(monkeypatch):
    # a million-pair file encoded in one call held every Encoding at once (gigabytes); the count must not change
    from compsem.models import truncation

    long_text = "word " * 300
    pairs = [(f"Short {i}.", long_text if i % 3 == 0 else f"Other {i}.") for i in range(10)]
    for key in (MINILM, "compsem/minilm-l6-stsb"):  # per sentence, and both sentences together
        res = resolve(get_spec(key))
        whole = count_truncated(res, pairs)
        sizes: list[int] = []
        real = truncation._tokenizer

        def recording(folder, real=real, sizes=sizes):
            tok = real(folder)

            class Recorder:
                def encode_batch(self, inputs, sizes=sizes):
                    sizes.append(len(inputs))
                    return tok.encode_batch(inputs)

            return Recorder()

        monkeypatch.setattr(truncation, "TOKENIZE_BATCH", 3)
        monkeypatch.setattr(truncation, "_tokenizer", recording)
        batched = count_truncated(res, pairs)
        monkeypatch.undo()
        assert batched == whole and whole.truncated == 4, (key, batched, whole)
        assert len(sizes) > 1 and max(sizes) <= 3, sizes  # several calls, none larger than the batch
