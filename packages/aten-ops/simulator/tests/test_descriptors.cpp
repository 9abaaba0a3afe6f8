// Descriptors and their conversion to ATen values (toAten), without running
// kernels.
#include <c10/core/InferenceMode.h>
#include <c10/util/complex.h>

#include <cmath>
#include <limits>

#include "aclnn_fixture.h"
#include "npu_sim/sim_extensions.h"

using namespace sim_test;
using namespace aclnn_test;
using npu_sim::aclnn::toAten;
using npu_sim::aclnn::toOptional;

TEST_CASE(dtype_mapping_covers_every_acl_type_aten_has) {
  const std::pair<aclDataType, at::ScalarType> pairs[] = {
      {ACL_FLOAT, at::kFloat},     {ACL_FLOAT16, at::kHalf},         {ACL_BF16, at::kBFloat16},
      {ACL_DOUBLE, at::kDouble},   {ACL_INT8, at::kChar},            {ACL_INT16, at::kShort},
      {ACL_INT32, at::kInt},       {ACL_INT64, at::kLong},           {ACL_UINT8, at::kByte},
      {ACL_UINT16, at::kUInt16},   {ACL_UINT32, at::kUInt32},        {ACL_UINT64, at::kUInt64},
      {ACL_BOOL, at::kBool},       {ACL_COMPLEX64, at::kComplexFloat}, {ACL_COMPLEX128, at::kComplexDouble},
  };
  for (const auto& [acl, aten] : pairs) {
    CHECK(npu_sim::aclnn::toScalarType(acl) == aten);
    CHECK(npu_sim::aclnn::toAclDataType(aten) == acl);
  }
  CHECK(!npu_sim::aclnn::toScalarType(ACL_STRING));
  CHECK(!npu_sim::aclnn::toScalarType(ACL_DT_UNDEFINED));
  CHECK(!npu_sim::aclnn::toScalarType(static_cast<aclDataType>(99)));
  CHECK(!npu_sim::aclnn::toAclDataType(at::kFloat8_e4m3fn));
  CHECK(!npu_sim::aclnn::toAclDataType(at::kQInt8));
}

TEST_CASE(tensor_views_device_memory_in_place) {
  ScopedSimulator sim;
  DeviceBuffer storage(64 * sizeof(float));
  // A transposed 3x4 view starting at element 5 of a 64-element storage.
  auto descriptor = viewTensor(storage.get(), {3, 4}, {1, 3}, 5, ACL_FLOAT, 64);
  const at::Tensor view = toAten(descriptor.get());
  CHECK(view.defined());
  CHECK(view.is_cpu());
  CHECK(view.scalar_type() == at::kFloat);
  CHECK(view.sizes().equals({3, 4}));
  CHECK(view.strides().equals({1, 3}));
  CHECK_EQ(view.storage_offset(), int64_t{5});
  // In place: at the device memory itself, or its second mapping when host
  // code may not touch it (TORCH_NPU_SIM_PROTECT).
  float* const host_storage = static_cast<float*>(npuSimHostAddress(storage.get()));
  CHECK(view.data_ptr() == host_storage + 5);
  CHECK(view.storage().data() == host_storage);
  CHECK_EQ(view.storage().nbytes(), size_t{64 * sizeof(float)});
  CHECK(!view.storage().resizable());
  // Only the CPU key: no autograd, nothing that would intercept a kernel.
  CHECK(view.is_inference());
  CHECK(view.key_set().has(c10::DispatchKey::CPU));
  CHECK(!view.key_set().has_any(c10::autograd_dispatch_keyset_with_ADInplaceOrView));

  // The view does not own the memory and does not need the descriptor.
  descriptor.reset();
  upload<float>(storage.get(), std::vector<float>(64, 1.5f));
  CHECK_EQ(view.sum().item<float>(), 12 * 1.5f);

  CHECK(!toAten(static_cast<const aclTensor*>(nullptr)).defined());
  CHECK(!toOptional(static_cast<const aclTensor*>(nullptr)).has_value());
  CHECK(npu_sim::aclnn::isDefined(viewTensor(storage.get(), {2}, {1}, 0, ACL_FLOAT, 64).get()));
  CHECK(!npu_sim::aclnn::isDefined(nullptr));
}

TEST_CASE(tensor_dtypes_and_shapes) {
  ScopedSimulator sim;
  DeviceBuffer storage(1024);
  for (const aclDataType dtype : {ACL_FLOAT16, ACL_BF16, ACL_INT8, ACL_UINT8, ACL_INT64, ACL_BOOL, ACL_COMPLEX128}) {
    auto descriptor = contiguousTensor(storage.get(), {2, 3}, dtype);
    CHECK(toAten(descriptor.get()).scalar_type() == *npu_sim::aclnn::toScalarType(dtype));
  }
  // 0-dim: no dims at all, a one-element storage.
  aclTensor* scalar_tensor = aclCreateTensor(nullptr, 0, ACL_FLOAT, nullptr, 0, ACL_FORMAT_ND, nullptr, 0,
                                             storage.get());
  CHECK(scalar_tensor != nullptr);
  CHECK_EQ(toAten(scalar_tensor).dim(), int64_t{0});
  aclDestroyTensor(scalar_tensor);
  // No strides: contiguous.
  const int64_t dims[] = {2, 3, 4};
  const int64_t storage_dims[] = {24};
  aclTensor* contiguous = aclCreateTensor(dims, 3, ACL_FLOAT, nullptr, 0, ACL_FORMAT_NCHW, storage_dims, 1,
                                          storage.get());
  CHECK(contiguous != nullptr);
  CHECK(toAten(contiguous).strides().equals({12, 4, 1}));
  aclDestroyTensor(contiguous);
  // Empty: no memory needed.
  const int64_t empty_dims[] = {0, 5};
  const int64_t empty_strides[] = {5, 1};
  const int64_t no_elements[] = {0};
  aclTensor* empty =
      aclCreateTensor(empty_dims, 2, ACL_FLOAT, empty_strides, 0, ACL_FORMAT_ND, no_elements, 1, nullptr);
  CHECK(empty != nullptr);
  CHECK_EQ(toAten(empty).numel(), int64_t{0});
  aclDestroyTensor(empty);
}

TEST_CASE(create_tensor_rejects_what_a_kernel_could_not_use) {
  ScopedSimulator sim;
  DeviceBuffer storage(256);
  const int64_t dims[] = {4, 4};
  const int64_t strides[] = {4, 1};
  const int64_t sixteen[] = {16};
  const int64_t fifteen[] = {15};
  const int64_t negative_stride[] = {4, -1};
  auto rejected = [](aclTensor* tensor, const char* reason) {
    if (tensor != nullptr) {
      aclDestroyTensor(tensor);
      return false;
    }
    return contains(recentError(), reason);
  };
  CHECK(!rejected(aclCreateTensor(dims, 2, ACL_FLOAT, strides, 0, ACL_FORMAT_ND, sixteen, 1, storage.get()), ""));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_FLOAT, strides, 0, ACL_FORMAT_ND, fifteen, 1, storage.get()),
                 "reaches element 15"));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_FLOAT, strides, 1, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "reaches element 16"));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_FLOAT, strides, -1, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "negative offset"));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_FLOAT, negative_stride, 3, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "negative stride"));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_STRING, strides, 0, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "no ATen counterpart"));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_FLOAT, strides, 0, ACL_FORMAT_FRACTAL_NZ, sixteen, 1, storage.get()),
                 "format 29"));
  CHECK(rejected(aclCreateTensor(dims, 2, ACL_FLOAT, strides, 0, ACL_FORMAT_ND, sixteen, 1, nullptr),
                 "tensorData is null"));
  CHECK(rejected(aclCreateTensor(nullptr, 2, ACL_FLOAT, strides, 0, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "viewDims is null"));
  const int64_t huge[] = {int64_t{1} << 62, 8};
  const int64_t huge_strides[] = {8, 1};
  const int64_t broadcast[] = {0, 0};
  CHECK(rejected(aclCreateTensor(huge, 2, ACL_FLOAT, huge_strides, 0, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "overflows"));
  // Zero strides keep the extent in the storage, but the element count
  // must still fit ATen's int64.
  CHECK(rejected(aclCreateTensor(huge, 2, ACL_FLOAT, broadcast, 0, ACL_FORMAT_ND, sixteen, 1, storage.get()),
                 "overflows"));
  CHECK_EQ(aclDestroyTensor(nullptr), ACLNN_SUCCESS);
}

TEST_CASE(scalars_of_every_type) {
  CHECK_EQ(toAten(scalar(2.5f, ACL_FLOAT).get()).toDouble(), 2.5);
  CHECK_EQ(toAten(scalar(-0.125, ACL_DOUBLE).get()).toDouble(), -0.125);
  CHECK_EQ(toAten(scalar(c10::Half(1.5f).x, ACL_FLOAT16).get()).toDouble(), 1.5);
  CHECK_EQ(toAten(scalar(c10::BFloat16(-3.0f).x, ACL_BF16).get()).toDouble(), -3.0);
  CHECK_EQ(toAten(scalar(int8_t{-7}, ACL_INT8).get()).toLong(), int64_t{-7});
  CHECK_EQ(toAten(scalar(int16_t{-300}, ACL_INT16).get()).toLong(), int64_t{-300});
  CHECK_EQ(toAten(scalar(int32_t{-70000}, ACL_INT32).get()).toLong(), int64_t{-70000});
  CHECK_EQ(toAten(scalar(int64_t{1} << 40, ACL_INT64).get()).toLong(), int64_t{1} << 40);
  CHECK_EQ(toAten(scalar(uint8_t{200}, ACL_UINT8).get()).toLong(), int64_t{200});
  CHECK_EQ(toAten(scalar(uint16_t{60000}, ACL_UINT16).get()).toLong(), int64_t{60000});
  CHECK_EQ(toAten(scalar(uint32_t{4000000000u}, ACL_UINT32).get()).toLong(), int64_t{4000000000});
  const uint64_t big = std::numeric_limits<uint64_t>::max() - 1;
  CHECK_EQ(toAten(scalar(big, ACL_UINT64).get()).toUInt64(), big);
  const at::Scalar truth = toAten(scalar(true, ACL_BOOL).get());
  CHECK(truth.isBoolean());
  CHECK(truth.toBool());
  CHECK(!toAten(scalar(false, ACL_BOOL).get()).toBool());
  const at::Scalar complex64 = toAten(scalar(c10::complex<float>(1.0f, -2.0f), ACL_COMPLEX64).get());
  CHECK(complex64.isComplex());
  CHECK(complex64.toComplexDouble() == c10::complex<double>(1.0, -2.0));
  CHECK(toAten(scalar(c10::complex<double>(0.5, 4.0), ACL_COMPLEX128).get()).toComplexDouble() ==
        c10::complex<double>(0.5, 4.0));
  const at::Scalar integral = toAten(scalar(int32_t{3}, ACL_INT32).get());
  CHECK(integral.isIntegral(/*includeBool=*/false));
  CHECK(toAten(scalar(1.0f, ACL_FLOAT).get()).isFloatingPoint());

  int32_t value = 1;
  CHECK(aclCreateScalar(&value, ACL_STRING) == nullptr);
  CHECK(contains(recentError(), "not supported"));
  CHECK(aclCreateScalar(nullptr, ACL_INT32) == nullptr);
  CHECK(!toOptional(static_cast<const aclScalar*>(nullptr)).has_value());
  CHECK(toOptional(scalar(value, ACL_INT32).get())->toLong() == 1);
}

TEST_CASE(arrays_and_lists) {
  ScopedSimulator sim;
  const int64_t ints[] = {3, -1, 4};
  const float floats[] = {0.5f, 2.0f};
  const bool bools[] = {true, false, true};
  Owned<aclIntArray> int_array(aclCreateIntArray(ints, 3));
  Owned<aclFloatArray> float_array(aclCreateFloatArray(floats, 2));
  Owned<aclBoolArray> bool_array(aclCreateBoolArray(bools, 3));
  CHECK(toAten(int_array.get()) == std::vector<int64_t>({3, -1, 4}));
  CHECK(toAten(float_array.get()) == std::vector<float>({0.5f, 2.0f}));
  CHECK(toAten(bool_array.get()) == std::vector<bool>({true, false, true}));
  CHECK(toAten(static_cast<const aclIntArray*>(nullptr)).empty());
  CHECK(!toOptional(static_cast<const aclIntArray*>(nullptr)).has_value());
  Owned<aclIntArray> empty_ints(aclCreateIntArray(nullptr, 0));
  CHECK(empty_ints != nullptr);
  CHECK(toOptional(empty_ints.get())->empty());
  CHECK(aclCreateIntArray(nullptr, 2) == nullptr);

  DeviceBuffer storage(256);
  // The list owns its elements; a null element is an absent tensor.
  const aclTensor* elements[] = {contiguousTensor(storage.get(), {2}, ACL_FLOAT).release(), nullptr,
                                 contiguousTensor(storage.get(), {3, 2}, ACL_INT32).release()};
  Owned<aclTensorList> list(aclCreateTensorList(elements, 3));
  CHECK(list != nullptr);
  const std::vector<at::Tensor> tensors = toAten(list.get());
  CHECK_EQ(tensors.size(), size_t{3});
  CHECK(tensors[0].sizes().equals({2}));
  CHECK(!tensors[1].defined());
  CHECK(tensors[2].scalar_type() == at::kInt);
  const c10::List<std::optional<at::Tensor>> optional_tensors = npu_sim::aclnn::toOptionalList(list.get());
  CHECK_EQ(optional_tensors.size(), size_t{3});
  CHECK(optional_tensors.get(0).has_value());
  CHECK(!optional_tensors.get(1).has_value());
  CHECK(toAten(static_cast<const aclTensorList*>(nullptr)).empty());

  const aclScalar* scalars[] = {scalar(int64_t{5}, ACL_INT64).release(), scalar(0.25, ACL_DOUBLE).release()};
  Owned<aclScalarList> scalar_list(aclCreateScalarList(scalars, 2));
  const std::vector<at::Scalar> values = toAten(scalar_list.get());
  CHECK_EQ(values.size(), size_t{2});
  CHECK_EQ(values[0].toLong(), int64_t{5});
  CHECK_EQ(values[1].toDouble(), 0.25);
  // A null scalar element is refused; the list took (and freed) the others.
  const aclScalar* with_null[] = {scalar(1.0f, ACL_FLOAT).release(), nullptr};
  CHECK(aclCreateScalarList(with_null, 2) == nullptr);
  CHECK(contains(recentError(), "element is null"));
}

TEST_CASE(view_shape_reads_back_and_a_kernel_can_shrink_it) {
  ScopedSimulator sim;
  DeviceBuffer storage(64 * sizeof(int64_t));
  auto descriptor = contiguousTensor(storage.get(), {8, 3}, ACL_INT64);
  int64_t* dims = nullptr;
  uint64_t dims_num = 0;
  CHECK_EQ(aclGetViewShape(descriptor.get(), &dims, &dims_num), ACLNN_SUCCESS);
  CHECK_EQ(dims_num, uint64_t{2});
  CHECK(dims[0] == 8 && dims[1] == 3);
  delete[] dims;
  // What aclnnNonzero's kernel does: the rows it wrote, the strides kept.
  npu_sim::aclnn::setViewShape(descriptor.get(), {5, 3});
  CHECK_EQ(aclGetViewShape(descriptor.get(), &dims, &dims_num), ACLNN_SUCCESS);
  CHECK(dims_num == 2 && dims[0] == 5 && dims[1] == 3);
  delete[] dims;
  CHECK(toAten(descriptor.get()).strides().equals({3, 1}));
  bool refused = false;
  try {
    npu_sim::aclnn::setViewShape(descriptor.get(), {9, 3});
  } catch (const c10::Error&) {
    refused = true;
  }
  CHECK(refused);
  CHECK_EQ(aclGetViewShape(nullptr, &dims, &dims_num), ACLNN_ERR_PARAM_NULLPTR);
  CHECK_EQ(aclGetViewShape(descriptor.get(), nullptr, &dims_num), ACLNN_ERR_PARAM_NULLPTR);
}
