#include "aten/CpuFallback.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/native/CPUFallback.h>
#include <c10/util/env.h>
#include <torch/library.h>

#include <mutex>
#include <unordered_map>

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

// The device of the first NPU tensor argument, if any.
std::optional<c10::Device> npuDeviceOf(const torch::jit::Stack& stack, size_t first, size_t count) {
  for (size_t i = first; i < first + count; ++i) {
    const c10::IValue& value = stack[i];
    if (value.isTensor() && value.toTensor().is_privateuseone()) {
      return value.toTensor().device();
    }
    if (value.isTensorList()) {
      for (const at::Tensor& tensor : value.toTensorList().vec()) {
        if (tensor.defined() && tensor.is_privateuseone()) {
          return tensor.device();
        }
      }
    }
  }
  return std::nullopt;
}

// Running on the CPU would silently accept operands on different NPUs; the
// device would refuse them, so the fallback does too.
void checkSingleNpuDevice(const torch::jit::Stack& stack, size_t first, size_t count) {
  std::optional<c10::Device> seen;
  auto check = [&](const at::Tensor& tensor) {
    if (!tensor.defined() || !tensor.is_privateuseone()) {
      return;
    }
    if (!seen.has_value()) {
      seen = tensor.device();
    }
    TORCH_CHECK(*seen == tensor.device(),
                "Expected all tensors to be on the same device, but found at least two devices, ", *seen, " and ",
                tensor.device(), "!");
  };
  for (size_t i = first; i < first + count; ++i) {
    const c10::IValue& value = stack[i];
    if (value.isTensor()) {
      check(value.toTensor());
    } else if (value.isTensorList()) {
      for (const at::Tensor& tensor : value.toTensorList().vec()) {
        check(tensor);
      }
    }
  }
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
  const size_t argument_count = op.schema().arguments().size();
  checkSingleNpuDevice(*stack, stack->size() - argument_count, argument_count);
  substituteGenerators(op, *stack);
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
