// The storage of npu tensors: c10's StorageImpl with the memory format CANN lays
// the data out in (torch_npu's storage descriptor). The simulator keeps every
// storage in ND order; the format is recorded so that get_npu_format reports
// what npu_format_cast asked for, and results stay those of ND data.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/StorageImpl.h>

#include "acl/acl_base.h"

namespace torch_npu::npu {

class NPUStorageImpl final : public c10::StorageImpl {
 public:
  NPUStorageImpl(use_byte_size_t, c10::SymInt size_bytes, c10::DataPtr data_ptr, c10::Allocator* allocator,
                 bool resizable, aclFormat format);

  aclFormat format() const noexcept { return format_; }
  void set_format(aclFormat format) noexcept { format_ = format; }

 private:
  aclFormat format_;
};

// The format a new storage of a tensor with `dim` dimensions takes (torch_npu's
// base formats): NCHW for 4, NCDHW for 5, else ND.
aclFormat base_format(int64_t dim) noexcept;

// A device storage of `size_bytes` from the npu allocator, in `format`.
c10::intrusive_ptr<c10::StorageImpl> make_storage(size_t size_bytes, aclFormat format);

// The recorded format of an npu tensor's storage.
aclFormat storage_format(const at::Tensor& tensor);
void set_storage_format(const at::Tensor& tensor, aclFormat format);

}  // namespace torch_npu::npu
