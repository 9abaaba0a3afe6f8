# Locates the installed PyTorch (the one we build against) and exposes the
# imported target torch_npu::torch with its headers, libraries and C++ ABI.
find_package(Python3 REQUIRED COMPONENTS Interpreter Development.Module)

# compat/build/torch_abi.py reports the installed torch and the C++ ABI to build with:
# torch's own, or what _GLIBCXX_USE_CXX11_ABI / _ABI_VERSION ask for when that agrees.
execute_process(
  COMMAND "${Python3_EXECUTABLE}" "${PROJECT_SOURCE_DIR}/compat/build/torch_abi.py"
  OUTPUT_VARIABLE _torch_query
  ERROR_VARIABLE _torch_query_error
  OUTPUT_STRIP_TRAILING_WHITESPACE
  RESULT_VARIABLE _torch_query_result)
if(_torch_query_result EQUAL 2)
  string(REGEX MATCH "torch-npu: [^\n]*" _torch_abi_refusal "${_torch_query_error}")
  message(FATAL_ERROR "${_torch_abi_refusal}")
elseif(NOT _torch_query_result EQUAL 0)
  message(FATAL_ERROR "torch-npu builds against an installed PyTorch, but `import torch` failed "
                      "with ${Python3_EXECUTABLE}. Install the PyTorch of your matrix cell first.\n"
                      "${_torch_query_error}")
endif()
string(REGEX MATCHALL "[a-z0-9_]+=[^\n]*" _torch_query "${_torch_query}")
foreach(_line IN LISTS _torch_query)
  string(REGEX REPLACE "=.*" "" _key "${_line}")
  string(REGEX REPLACE "^[^=]*=" "" _value "${_line}")
  set(_torch_${_key} "${_value}")
endforeach()
set(TORCH_PACKAGE_DIR "${_torch_torch_dir}")
set(TORCH_VERSION "${_torch_torch_version}")
set(TORCH_CXX11_ABI "${_torch_cxx11_abi}")
set(TORCH_ABI_VERSION "${_torch_abi_version}")

add_library(torch_npu_torch INTERFACE)
add_library(torch_npu::torch ALIAS torch_npu_torch)
target_include_directories(torch_npu_torch SYSTEM INTERFACE
  "${TORCH_PACKAGE_DIR}/include"
  "${TORCH_PACKAGE_DIR}/include/torch/csrc/api/include")
target_link_directories(torch_npu_torch INTERFACE "${TORCH_PACKAGE_DIR}/lib")
target_link_libraries(torch_npu_torch INTERFACE torch torch_cpu c10)
target_compile_definitions(torch_npu_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=${TORCH_CXX11_ABI})
if(TORCH_ABI_VERSION)
  target_compile_options(torch_npu_torch INTERFACE "-fabi-version=${TORCH_ABI_VERSION}")
endif()

add_library(torch_npu_torch_python INTERFACE)
add_library(torch_npu::torch_python ALIAS torch_npu_torch_python)
target_link_libraries(torch_npu_torch_python INTERFACE torch_npu::torch torch_python)

message(STATUS "torch-npu: building against PyTorch ${TORCH_VERSION} at ${TORCH_PACKAGE_DIR} "
               "(_GLIBCXX_USE_CXX11_ABI=${TORCH_CXX11_ABI}, -fabi-version=${TORCH_ABI_VERSION})")
