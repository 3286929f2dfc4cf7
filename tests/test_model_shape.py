"""Parameter counts from config.json arithmetic, against the published counts of public models
(configs and citations in support/model_fixtures.py), and the rules each family adds."""

from __future__ import annotations

import pytest

from capstone_tui.core.errors import ValidationError
from capstone_tui.core.planner.shape import CONFIG_ARITHMETIC, NOT_COUNTED, read_shape
from support import model_fixtures as fx


def near(count: int, published_billions: float, digits: int) -> bool:
    """Published figures are rounded or truncated to `digits` decimals of a billion."""
    return abs(count / 1e9 - published_billions) < 10.0**-digits


@pytest.mark.parametrize(("config", "exact", "published_billions"), [
    (fx.LLAMA3_8B, 8_030_261_248, 8.03),       # model page "8.03B params"
    (fx.MISTRAL_7B, 7_241_732_096, 7.24),      # model page "7.24B params"
    (fx.QWEN25_7B, 7_615_616_512, 7.61),       # model card "Number of Parameters: 7.61B"
    (fx.GEMMA2_9B, 9_241_705_984, 9.24),       # report Table 2: 917,504,000 + 8,324,201,984
    (fx.PHI3_MINI, 3_821_079_552, 3.82),       # model page "3.82B params" (report: 3.8B)
    (fx.MIXTRAL_8X7B, 46_702_792_704, 46.7),   # "46.7B total parameters"
    (fx.QWEN15_MOE_A27B, 14_315_784_192, 14.3),  # "14.3B parameters in total"
    (fx.DEEPSEEK_V2_LITE, 15_706_484_224, 15.7),  # "15.7B parameters in total"
])
def test_published_totals(config: dict, exact: int, published_billions: float) -> None:
    shape = read_shape(config)
    assert shape.params_how == CONFIG_ARITHMETIC
    assert shape.params == exact
    digits = 2 if published_billions < 10 else 1
    assert near(shape.params, published_billions, digits)


def test_gemma2_split_matches_the_report_table() -> None:
    shape = read_shape(fx.GEMMA2_9B)
    embedding = shape.vocab * shape.hidden
    assert embedding == 917_504_000
    assert shape.params - embedding == 8_324_201_984  # tied: one embedding, four norms per layer
    assert shape.tied_embeddings is True and shape.head_dim == 256  # explicit head_dim != hidden / heads


def test_qwen25_non_embedding_count() -> None:
    shape = read_shape(fx.QWEN25_7B)
    assert near(shape.params - 2 * shape.vocab * shape.hidden, 6.53, 2)  # card: 6.53B non-embedding


@pytest.mark.parametrize(("config", "active_billions"), [
    (fx.MIXTRAL_8X7B, 12.9),       # "uses 12.9B parameters per token"
    (fx.QWEN15_MOE_A27B, 2.7),     # "2.7B activated parameters"
])
def test_moe_active_parameters(config: dict, active_billions: float) -> None:
    shape = read_shape(config)
    assert shape.experts and shape.experts_per_token
    assert near(shape.active_params, active_billions, 1)
    assert shape.active_params < shape.params


def test_deepseek_active_leaves_out_the_embedding_lookup() -> None:
    shape = read_shape(fx.DEEPSEEK_V2_LITE)
    assert near(shape.active_params - shape.vocab * shape.hidden, 2.4, 1)  # "2.4B activated"
    assert shape.kv_latent_dim == 512 + 64  # MLA caches the latent and the rope key


def test_tied_embeddings_drop_one_vocab_matrix() -> None:
    untied = read_shape(fx.LLAMA3_8B)
    tied = read_shape({**fx.LLAMA3_8B, "tie_word_embeddings": True})
    assert untied.params - tied.params == 128_256 * 4096


def test_qwen2_attention_biases_and_llama_attention_bias() -> None:
    as_llama = read_shape({**fx.QWEN25_7B, "model_type": "llama"})
    qwen = read_shape(fx.QWEN25_7B)
    q, kv = 28 * 128, 4 * 128
    assert qwen.params - as_llama.params == 28 * (q + 2 * kv)  # bias on q, k, v in every layer
    biased = read_shape({**fx.LLAMA3_8B, "attention_bias": True})
    assert biased.params - read_shape(fx.LLAMA3_8B).params == 32 * (4096 + 2 * 1024 + 4096)


def test_gemma2_has_two_more_norms_per_layer_than_gemma() -> None:
    assert read_shape(fx.GEMMA2_9B).params - read_shape({**fx.GEMMA2_9B, "model_type": "gemma"}).params == 42 * 2 * 3584


def test_unknown_architecture_is_not_counted_but_read() -> None:
    shape = read_shape({"model_type": "mamba", "architectures": ["MambaForCausalLM"], "hidden_size": 768,
                        "num_hidden_layers": 24, "vocab_size": 50280})
    assert shape.params is None and shape.params_how == NOT_COUNTED and not shape.counted
    assert shape.layers == 24 and shape.hidden == 768
    assert "not counted" in shape.notes[0]


@pytest.mark.parametrize("config", [
    [1, 2],
    {**fx.LLAMA3_8B, "num_hidden_layers": -3},
    {**fx.LLAMA3_8B, "hidden_size": "4096"},
    {**fx.LLAMA3_8B, "num_key_value_heads": 7},
    {**fx.LLAMA3_8B, "vocab_size": 2**60},
    {**fx.LLAMA3_8B, "tie_word_embeddings": "no"},
    {k: v for k, v in fx.LLAMA3_8B.items() if k != "num_hidden_layers"},
])
def test_malformed_configs_are_validation_errors(config: object) -> None:
    with pytest.raises(ValidationError) as caught:
        read_shape(config)
    assert "config.json" in caught.value.message and "\n" not in caught.value.message
