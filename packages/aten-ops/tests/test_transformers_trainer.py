"""The Hugging Face Trainer and accelerate on npu, unmodified: bf16 training with the
reference's fused AdamW (`optim="adamw_torch_npu_fused"`), and accelerate's Accelerator with
mixed precision."""

import pytest
import torch
import torch_npu

transformers = pytest.importorskip("transformers")
accelerate = pytest.importorskip("accelerate")

VOCAB = 128


class Tokens(torch.utils.data.Dataset):
    def __init__(self, count: int = 16, length: int = 12) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(0, VOCAB, (count, length), generator=generator)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> dict:
        return {"input_ids": self.ids[index], "labels": self.ids[index]}


@pytest.fixture(autouse=True)
def _fresh_accelerator_state():
    # accelerate keeps one process-wide state (device, mixed precision); each test sets its own.
    accelerate.state.AcceleratorState._reset_state(True)
    yield
    accelerate.state.AcceleratorState._reset_state(True)


def tiny_llama():
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2, vocab_size=VOCAB,
        max_position_embeddings=32,
    )  # fmt: skip
    return transformers.LlamaForCausalLM(config)


def test_trainer_trains_in_bf16_with_the_fused_adamw(tmp_path):
    model = tiny_llama()
    arguments = transformers.TrainingArguments(
        output_dir=str(tmp_path), per_device_train_batch_size=4, num_train_epochs=3, learning_rate=5e-3,
        bf16=True, optim="adamw_torch_npu_fused", logging_steps=1, report_to=[], save_strategy="no",
        dataloader_pin_memory=False,
    )  # fmt: skip
    trainer = transformers.Trainer(model=model, args=arguments, train_dataset=Tokens())
    assert trainer.args.device.type == "npu"
    trainer.train()
    assert isinstance(trainer.optimizer.optimizer, torch_npu.optim.NpuFusedAdamW)
    losses = [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]
    assert next(model.parameters()).device.type == "npu"
    assert len(losses) == 12 and losses[-1] < losses[0]


@pytest.mark.parametrize("mixed_precision", ["no", "bf16"])
def test_accelerator_prepares_and_trains_on_npu(mixed_precision):
    accelerator = accelerate.Accelerator(mixed_precision=mixed_precision)
    assert accelerator.device.type == "npu"
    model = tiny_llama()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3)
    loader = torch.utils.data.DataLoader(Tokens(), batch_size=4)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    losses = []
    for _ in range(3):
        for batch in loader:
            assert batch["input_ids"].device.type == "npu"
            loss = model(**batch).loss
            accelerator.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    assert losses[-1] < losses[0]
