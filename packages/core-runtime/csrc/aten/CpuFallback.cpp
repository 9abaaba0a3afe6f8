#include "aten/CpuFallback.h"

#include <ATen/MemoryOverlap.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/native/CPUFallback.h>
#include <ATen/ops/empty.h>
#include <c10/util/env.h>
#include <torch/library.h>

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include <ATen/CPUGeneratorImpl.h>

#include "npu/NPUGenerator.h"
#include "npu_common/philox_position.h"

namespace torch_npu::aten {
namespace {

struct FallbackLedger {
  std::mutex mutex;
  std::unordered_map<std::string, int64_t> counts;
};

FallbackLedger& ledger() {
  static FallbackLedger instance;
  return instance;
}

// Counts the call and reports whether it is the op's first.
bool countFallback(const std::string& op) {
  FallbackLedger& state = ledger();
  std::lock_guard<std::mutex> lock(state.mutex);
  return ++state.counts[op] == 1;
}

bool fallbackDisabled() {
  static const bool disabled = c10::utils::check_env("TORCH_NPU_FALLBACK_CPU_DISABLE") == true;
  return disabled;
}

// Every NPU tensor among the arguments, tensor lists included (Tensor?[] lists, the
// indices of advanced indexing, are not visited).
template <typename Visit>
void forEachNpuTensor(const torch::jit::Stack& stack, size_t first, size_t count, Visit&& visit) {
  auto offer = [&](const c10::IValue& value) {
    if (value.isTensor() && value.toTensor().defined() && value.toTensor().is_privateuseone()) {
      visit(value.toTensor());
    }
  };
  for (size_t i = first; i < first + count; ++i) {
    const c10::IValue& value = stack[i];
    if (value.isTensorList()) {
      for (const c10::IValue& element : value.toListRef()) {
        offer(element);
      }
    } else {
      offer(value);
    }
  }
}

// The device of the first NPU tensor argument, if any.
std::optional<c10::Device> npuDeviceOf(const torch::jit::Stack& stack, size_t first, size_t count) {
  std::optional<c10::Device> device;
  forEachNpuTensor(stack, first, count, [&](const at::Tensor& tensor) {
    if (!device.has_value()) {
      device = tensor.device();
    }
  });
  return device;
}

// Arguments that ATen takes on the CPU beside device tensors (advanced indexing's
// index tensors, tensor_split's CPU split points).
bool mayBeOnCpu(const c10::Argument& argument) {
  return argument.name() == "indices" || argument.name() == "tensor_indices_or_sections";
}

// Running on the CPU would silently accept operands on different NPUs, or a CPU
// tensor beside NPU ones; the device would refuse them, so the fallback does too.
// A 0-dim CPU tensor is a scalar, which ATen accepts beside device tensors.
void checkSingleNpuDevice(const c10::FunctionSchema& schema, const torch::jit::Stack& stack, size_t first) {
  std::optional<c10::Device> npu_device;
  std::optional<c10::Device> other_device;
  auto note = [&](const at::Tensor& tensor, bool cpu_allowed) {
    if (!tensor.defined()) {
      return;
    }
    if (!tensor.is_privateuseone()) {
      if (!cpu_allowed && tensor.dim() > 0 && !other_device.has_value()) {
        other_device = tensor.device();
      }
      return;
    }
    if (!npu_device.has_value()) {
      npu_device = tensor.device();
    }
    TORCH_CHECK(*npu_device == tensor.device(),
                "Expected all tensors to be on the same device, but found at least two devices, ", *npu_device,
                " and ", tensor.device(), "!");
  };
  const auto& arguments = schema.arguments();
  for (size_t i = 0; i < arguments.size(); ++i) {
    const c10::IValue& value = stack[first + i];
    const bool cpu_allowed = mayBeOnCpu(arguments[i]);
    if (value.isTensor()) {
      note(value.toTensor(), cpu_allowed);
    } else if (value.isTensorList()) {
      for (const at::Tensor& tensor : value.toTensorList().vec()) {
        note(tensor, cpu_allowed);
      }
    } else if (value.isList()) {  // Tensor?[]
      for (const c10::IValue& element : value.toListRef()) {
        if (element.isTensor()) {
          note(element.toTensor(), cpu_allowed);
        }
      }
    }
  }
  TORCH_CHECK(!npu_device.has_value() || !other_device.has_value(),
              "Expected all tensors to be on the same device, but found at least two devices, ", *npu_device, " and ",
              *other_device, "!");
}

// Random ops running on the CPU still draw from the NPU generator: each call
// consumes numbers of the NPU generator's stream and seeds a CPU generator
// from that position, so seeded NPU runs are reproducible.
void substituteGenerators(const c10::OperatorHandle& op, torch::jit::Stack& stack) {
  const auto& arguments = op.schema().arguments();
  const size_t first = stack.size() - arguments.size();
  for (size_t i = 0; i < arguments.size(); ++i) {
    if (arguments[i].type()->kind() != c10::TypeKind::OptionalType ||
        arguments[i].type()->containedType(0)->kind() != c10::TypeKind::GeneratorType) {
      continue;
    }
    c10::IValue& slot = stack[first + i];
    std::optional<at::Generator> npu_generator;
    if (slot.isGenerator() && slot.toGenerator().device().is_privateuseone()) {
      npu_generator = slot.toGenerator();
    } else if (slot.isNone()) {
      if (const auto device = npuDeviceOf(stack, first, arguments.size())) {
        npu_generator = npu::getDefaultNPUGenerator(device->index());
      }
    }
    if (!npu_generator.has_value()) {
      continue;
    }
    at::Generator cpu_generator = at::detail::createCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(npu_generator->mutex());
      const auto [seed, offset] = npu_generator->get<npu::NPUGeneratorImpl>()->philox_seed_and_offset(1 << 20);
      cpu_generator.set_current_seed(npu_common::cpuSeedAt(seed, offset));
    }
    slot = c10::IValue(cpu_generator);
  }
}

// Whether the CPU kernel must see the arguments' memory as it is: two of them view
// one storage, or a written one overlaps itself (an expanded out= tensor). View
// operators (a result that aliases an argument without writing it) stay with
// at::native::cpu_fallback, which knows how to refuse them.
bool needsAliasingCopies(const c10::FunctionSchema& schema, const torch::jit::Stack& stack, size_t first) {
  for (const c10::Argument& result : schema.returns()) {
    if (result.alias_info() != nullptr && !result.alias_info()->isWrite()) {
      return false;
    }
  }
  std::unordered_set<const c10::StorageImpl*> seen;
  bool needed = false;
  const auto& arguments = schema.arguments();
  for (size_t i = 0; i < arguments.size() && !needed; ++i) {
    const c10::AliasInfo* alias = arguments[i].alias_info();
    const bool written = alias != nullptr && alias->isWrite();
    forEachNpuTensor(stack, first + i, 1, [&](const at::Tensor& tensor) {
      needed |= !seen.insert(tensor.storage().unsafeGetStorageImpl()).second ||
                (written && at::has_internal_overlap(tensor) == at::MemOverlap::Yes);
    });
  }
  return needed;
}

// The whole of `tensor`'s storage, as bytes.
at::Tensor storageBytes(const at::Tensor& tensor) {
  return at::empty({0}, tensor.options().dtype(at::kByte))
      .set_(tensor.storage(), 0, {static_cast<int64_t>(tensor.storage().nbytes())}, {1});
}

// Arguments that view one NPU storage (or a written one that overlaps itself):
// at::native::cpu_fallback copies each to the CPU on its own, so the CPU kernel could
// neither see their overlap (ATen refuses many such calls) nor compute what the
// aliasing means. These calls run instead on CPU copies that alias as the NPU
// tensors do: one copy per storage, written back.
void runOnAliasedCpuCopies(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  const c10::FunctionSchema& schema = op.schema();
  const size_t count = schema.arguments().size();
  const size_t first = stack->size() - count;
  const c10::Device device = *npuDeviceOf(*stack, first, count);
  const std::vector<c10::IValue> npu_arguments(stack->begin() + static_cast<std::ptrdiff_t>(first), stack->end());
  std::unordered_map<const c10::StorageImpl*, std::pair<at::Tensor, at::Tensor>> copies;  // npu bytes, cpu bytes
  // One CPU view per NPU tensor: a tensor passed twice is the same tensor on the CPU too.
  std::unordered_map<const c10::TensorImpl*, at::Tensor> views;
  auto to_cpu = [&](const at::Tensor& tensor) {
    auto [view, new_view] = views.try_emplace(tensor.unsafeGetTensorImpl());
    if (!new_view) {
      return view->second;
    }
    auto [entry, added] = copies.try_emplace(tensor.storage().unsafeGetStorageImpl());
    if (added) {
      at::Tensor npu_bytes = storageBytes(tensor);
      entry->second = {npu_bytes, npu_bytes.cpu()};
    }
    view->second = at::empty({0}, tensor.options().device(at::kCPU))
                       .set_(entry->second.second.storage(), tensor.storage_offset(), tensor.sizes(), tensor.strides());
    return view->second;
  };
  for (size_t i = first; i < stack->size(); ++i) {
    c10::IValue& value = (*stack)[i];
    if (value.isTensor() && value.toTensor().defined() && value.toTensor().is_privateuseone()) {
      value = to_cpu(value.toTensor());
    } else if (value.isTensorList()) {
      std::vector<at::Tensor> tensors = value.toTensorList().vec();
      for (at::Tensor& tensor : tensors) {
        tensor = tensor.defined() && tensor.is_privateuseone() ? to_cpu(tensor) : tensor;
      }
      value = c10::IValue(tensors);
    }
  }
  const std::vector<c10::IValue> cpu_arguments(stack->begin() + static_cast<std::ptrdiff_t>(first), stack->end());
  op.redispatchBoxed(c10::DispatchKeySet(c10::DispatchKey::CPU), stack);
  // Written arguments: their storages go back whole; one the kernel resized (an out=
  // tensor on a storage of its own now) is resized on the NPU and copied.
  std::unordered_set<const c10::StorageImpl*> written;
  std::vector<std::pair<at::Tensor, at::Tensor>> resized;  // npu argument, its CPU result
  for (size_t i = 0; i < count; ++i) {
    const c10::AliasInfo* alias = schema.arguments()[i].alias_info();
    if (alias == nullptr || !alias->isWrite() || !npu_arguments[i].isTensor()) {
      continue;
    }
    const at::Tensor& npu_tensor = npu_arguments[i].toTensor();
    const at::Tensor& cpu_tensor = cpu_arguments[i].toTensor();
    if (!npu_tensor.defined() || !npu_tensor.is_privateuseone()) {
      continue;
    }
    const auto& cpu_bytes = copies.at(npu_tensor.storage().unsafeGetStorageImpl()).second;
    if (cpu_tensor.storage().unsafeGetStorageImpl() == cpu_bytes.storage().unsafeGetStorageImpl() &&
        cpu_tensor.sizes() == npu_tensor.sizes()) {
      written.insert(npu_tensor.storage().unsafeGetStorageImpl());
    } else {
      resized.emplace_back(npu_tensor, cpu_tensor);
    }
  }
  for (const c10::StorageImpl* storage : written) {
    const auto& [npu_bytes, cpu_bytes] = copies.at(storage);
    npu_bytes.copy_(cpu_bytes);
  }
  for (auto& [npu_tensor, cpu_tensor] : resized) {
    at::Tensor target = npu_tensor;  // resize_ on a handle to the caller's tensor
    target.resize_(cpu_tensor.sizes());
    target.copy_(cpu_tensor);
  }
  // Results that alias a written argument are that NPU argument (views never get here);
  // new ones move to the NPU.
  const size_t returns = schema.returns().size();
  for (size_t r = 0; r < returns; ++r) {
    c10::IValue& value = (*stack)[stack->size() - returns + r];
    const c10::AliasInfo* alias = schema.returns()[r].alias_info();
    const auto& arguments = schema.arguments();
    const auto source = alias == nullptr ? arguments.end() : std::find_if(arguments.begin(), arguments.end(),
        [&](const c10::Argument& argument) {
          return argument.alias_info() != nullptr && argument.alias_info()->beforeSets() == alias->beforeSets();
        });
    if (source != arguments.end()) {
      value = npu_arguments[static_cast<size_t>(source - arguments.begin())];
    } else if (value.isTensor() && value.toTensor().defined()) {
      value = value.toTensor().to(device);
    } else if (value.isTensorList()) {
      std::vector<at::Tensor> tensors = value.toTensorList().vec();
      for (at::Tensor& tensor : tensors) {
        tensor = tensor.defined() ? tensor.to(device) : tensor;
      }
      value = c10::IValue(tensors);
    }
  }
}

void npuCpuFallback(const c10::OperatorHandle& op, torch::jit::Stack* stack) {
  const std::string name = c10::toString(op.schema().operator_name());
  TORCH_CHECK_NOT_IMPLEMENTED(!fallbackDisabled(), "The operator '", name,
                              "' is not currently supported on the NPU backend, and falling back to the CPU is "
                              "disabled by TORCH_NPU_FALLBACK_CPU_DISABLE=1.");
  if (countFallback(name)) {
    TORCH_WARN("CAUTION: The operator '", name,
               "' is not currently supported on the NPU backend and will fall back to run on the CPU. "
               "This may have performance implications.");
  }
  checkSingleNpuDevice(op.schema(), *stack, stack->size() - op.schema().arguments().size());
  substituteGenerators(op, *stack);
  if (needsAliasingCopies(op.schema(), *stack, stack->size() - op.schema().arguments().size())) {
    runOnAliasedCpuCopies(op, stack);
    return;
  }
  at::native::cpu_fallback(op, stack);
}

}  // namespace

std::map<std::string, int64_t> fallbackCounts() {
  FallbackLedger& state = ledger();
  std::lock_guard<std::mutex> lock(state.mutex);
  return {state.counts.begin(), state.counts.end()};
}

void resetFallbackCounts() {
  FallbackLedger& state = ledger();
  std::lock_guard<std::mutex> lock(state.mutex);
  state.counts.clear();
}

TORCH_LIBRARY_IMPL(_, PrivateUse1, m) {
  m.fallback(torch::CppFunction::makeFromBoxedFunction<&npuCpuFallback>());
}

}  // namespace torch_npu::aten
