// Failed conversions of aclnn descriptors into ATen values.
//
// toAten() cannot fail loudly: generated code calls it in the argument list
// of prepare(), inside an extern "C" function where no exception may escape
// and no status can be returned yet. A failed conversion records why here,
// per thread, and the prepare() that the call belongs to reports it.
#pragma once

#include <optional>
#include <string>

namespace npu_sim::aclnn {

void recordConversionError(const char* what) noexcept;
// The first error recorded since the last call, if any; clears it.
std::optional<std::string> takeConversionError() noexcept;

}  // namespace npu_sim::aclnn
