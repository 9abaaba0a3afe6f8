"""Hugging Face transformers models on npu against the same models on the CPU.

Tiny configurations built locally (nothing downloaded). For each model: every parameter's
gradient after one backward, and the losses of a few AdamW steps, equal to the CPU's. These
catch what per-operator tests cannot: a gradient lost between two uses of one parameter,
a module move that unties weights.
"""

import copy

import pytest
import torch
import torch_npu
from torch.utils._python_dispatch import TorchDispatchMode

transformers = pytest.importorskip("transformers")

VOCAB = 320
SEQUENCE = 24


def llama(attn_implementation: str):
    config = transformers.LlamaConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=VOCAB, max_position_embeddings=64,
    )  # fmt: skip
    return transformers.LlamaForCausalLM._from_config(config, attn_implementation=attn_implementation)


def qwen2(attn_implementation: str):
    config = transformers.Qwen2Config(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        vocab_size=VOCAB, max_position_embeddings=64,
    )  # fmt: skip
    return transformers.Qwen2ForCausalLM._from_config(config, attn_implementation=attn_implementation)


def gpt2(attn_implementation: str):
    config = transformers.GPT2Config(
        n_embd=64, n_layer=2, n_head=4, vocab_size=VOCAB, n_positions=64, resid_pdrop=0.0, embd_pdrop=0.0,
        attn_pdrop=0.0,
    )  # fmt: skip
    return transformers.GPT2LMHeadModel._from_config(config, attn_implementation=attn_implementation)


def bert(attn_implementation: str):
    config = transformers.BertConfig(
        hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, vocab_size=VOCAB,
        max_position_embeddings=64, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )  # fmt: skip
    return transformers.BertForMaskedLM._from_config(config, attn_implementation=attn_implementation)


MODELS = [
    (llama, "sdpa"), (llama, "eager"), (llama, "flash_attention_2"), (qwen2, "sdpa"), (gpt2, "sdpa"),
    (gpt2, "eager"), (bert, "sdpa"), (bert, "eager"),
]  # fmt: skip


def batch(device) -> dict:
    generator = torch.Generator().manual_seed(3)
    ids = torch.randint(0, VOCAB, (2, SEQUENCE), generator=generator)
    mask = torch.ones(2, SEQUENCE, dtype=torch.long)
    mask[1, -5:] = 0  # a padded row, whose padding the loss ignores
    labels = ids.masked_fill(mask == 0, -100)
    return {"input_ids": ids.to(device), "attention_mask": mask.to(device), "labels": labels.to(device)}


def pair(build, attn_implementation: str):
    """The model on the CPU and on npu. flash_attention_2 exists on npu only (transformers runs it
    through npu_fusion_attention), so its CPU twin uses sdpa: the same weights, the same math."""
    torch.manual_seed(0)
    model = build(attn_implementation)
    on_npu = copy.deepcopy(model).npu()
    if attn_implementation == "flash_attention_2":
        model.set_attn_implementation("sdpa")
    return model, on_npu


# What still runs through the CPU fallback in these steps: nothing (nonzero, for the padded
# batch's masks, runs as aclnnNonzero).
NOT_NATIVE_YET: set = set()


@pytest.mark.parametrize("build,attn_implementation", MODELS, ids=[f"{b.__name__}-{a}" for b, a in MODELS])
def test_every_gradient_equals_the_cpu(build, attn_implementation):
    model, on_npu = pair(build, attn_implementation)
    loss = model(**batch("cpu")).loss
    before = dict(torch_npu._C._fallback_counts())
    npu_loss = on_npu(**batch("npu")).loss
    loss.backward()
    npu_loss.backward()
    fell_back = {op for op, n in torch_npu._C._fallback_counts().items() if n > before.get(op, 0)}
    assert fell_back <= NOT_NATIVE_YET, f"these operators fell back to the CPU: {fell_back - NOT_NATIVE_YET}"
    torch.testing.assert_close(npu_loss.cpu(), loss, atol=1e-5, rtol=1e-5)
    expected = dict(model.named_parameters())
    actual = dict(on_npu.named_parameters())
    assert actual.keys() == expected.keys()
    for name, parameter in expected.items():
        assert actual[name].grad is not None, f"{name} got no gradient"
        torch.testing.assert_close(actual[name].grad.cpu(), parameter.grad, atol=1e-5, rtol=1e-4, msg=name)


@pytest.mark.parametrize("build", [llama, gpt2, bert], ids=["llama", "gpt2", "bert"])
def test_adamw_steps_follow_the_cpu(build):
    model, on_npu = pair(build, "sdpa")
    losses = {}
    for module, device in ((model, "cpu"), (on_npu, "npu")):
        optimizer = torch.optim.AdamW(module.parameters(), lr=1e-3)
        losses[device] = []
        for _ in range(4):
            optimizer.zero_grad()
            loss = module(**batch(device)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            optimizer.step()
            losses[device].append(loss.item())
    assert losses["cpu"][-1] < losses["cpu"][0]
    torch.testing.assert_close(losses["npu"], losses["cpu"], atol=1e-4, rtol=1e-4)


class _RecordOps(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.seen: set = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.seen.add(func)
        return func(*args, **(kwargs or {}))


def test_flash_attention_2_runs_through_npu_fusion_attention():
    _, on_npu = pair(llama, "flash_attention_2")
    with _RecordOps() as recorded:
        on_npu(**batch("npu")).loss.backward()
    assert torch.ops.npu.npu_fusion_attention.default in recorded.seen
    assert torch.ops.npu.npu_fusion_attention_grad.default in recorded.seen


def test_transformers_sees_the_npu_and_its_custom_operators():
    from transformers.integrations import npu_flash_attention

    assert transformers.utils.is_torch_npu_available(check_device=True)
    assert npu_flash_attention.npu_fusion_attention is torch_npu.npu_fusion_attention
