"""The models more than one benchmark times, built once here so that their figures compare."""

from __future__ import annotations

import torch

# Issue 8's small Llama: 2 layers, hidden 128, 4 heads, sequence 64, batch 4, sdpa attention, AdamW.
VOCAB, SEQUENCE, BATCH = 1000, 64, 4


def tiny_llama(device: torch.device) -> tuple[torch.nn.Module, torch.optim.Optimizer, torch.Tensor]:
    """The model on ``device``, its AdamW optimizer and one batch of token ids (also the labels)."""
    import transformers

    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4, vocab_size=VOCAB,
        max_position_embeddings=SEQUENCE,
    )  # fmt: skip
    model = transformers.LlamaForCausalLM._from_config(config, attn_implementation="sdpa").to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(0, VOCAB, (BATCH, SEQUENCE), generator=torch.Generator().manual_seed(1)).to(device)
    return model, optimizer, ids
