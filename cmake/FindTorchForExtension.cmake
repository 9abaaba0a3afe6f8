# Locates the installed PyTorch (the one we build against) and exposes the
# imported target torch_npu::torch with its headers, libraries and C++ ABI.
find_package(Python3 REQUIRED COMPONENTS Interpreter Development.Module)

# Autoload is off so that an installed (or in-tree) torch_npu is not imported.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env TORCH_DEVICE_BACKEND_AUTOLOAD=0 "${Python3_EXECUTABLE}" -c
    "import torch, os; print(os.path.dirname(torch.__file__)); print(torch.__version__.split('+')[0]); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))"
  OUTPUT_VARIABLE _torch_query
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _torch_query_result)
if(NOT _torch_query_result EQUAL 0)
  message(FATAL_ERROR "torch-npu builds against an installed PyTorch, but `import torch` failed "
                      "with ${Python3_EXECUTABLE}. Install the PyTorch of your matrix cell first.")
endif()
string(REPLACE "\n" ";" _torch_query "${_torch_query}")
list(GET _torch_query 0 TORCH_PACKAGE_DIR)
list(GET _torch_query 1 TORCH_VERSION)
list(GET _torch_query 2 TORCH_CXX11_ABI)

add_library(torch_npu_torch INTERFACE)
add_library(torch_npu::torch ALIAS torch_npu_torch)
target_include_directories(torch_npu_torch SYSTEM INTERFACE
  "${TORCH_PACKAGE_DIR}/include"
  "${TORCH_PACKAGE_DIR}/include/torch/csrc/api/include")
target_link_directories(torch_npu_torch INTERFACE "${TORCH_PACKAGE_DIR}/lib")
target_link_libraries(torch_npu_torch INTERFACE torch torch_cpu c10)
target_compile_definitions(torch_npu_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=${TORCH_CXX11_ABI})

add_library(torch_npu_torch_python INTERFACE)
add_library(torch_npu::torch_python ALIAS torch_npu_torch_python)
target_link_libraries(torch_npu_torch_python INTERFACE torch_npu::torch torch_python)

message(STATUS "torch-npu: building against PyTorch ${TORCH_VERSION} at ${TORCH_PACKAGE_DIR}")
