# torch_npu_add_sibling_module(<target> PACKAGE <dir> COMPONENT <component>
#                              SOURCES <files...> [INCLUDES <dirs...>])
#
# The `_C` extension module of a package that ships beside torch_npu (torch_npu_hccl,
# torch_npu_profiler): site-packages/<dir>/_C*.so, linked against libtorch_npu and
# torch_python, finding both (and its own lib/) at run time without LD_LIBRARY_PATH.
function(torch_npu_add_sibling_module target)
  cmake_parse_arguments(PARSE_ARGV 1 module "" "PACKAGE;COMPONENT" "SOURCES;INCLUDES")
  Python3_add_library(${target} MODULE WITH_SOABI ${module_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME _C
    INSTALL_RPATH "$ORIGIN/lib:$ORIGIN/../torch_npu/lib:$ORIGIN/../torch/lib"
    BUILD_RPATH "${TORCH_PACKAGE_DIR}/lib")
  target_include_directories(${target} PRIVATE ${module_INCLUDES})
  target_link_libraries(${target} PRIVATE torch_npu torch_npu::torch_python ${CMAKE_DL_LIBS})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  install(TARGETS ${target} LIBRARY DESTINATION ${module_PACKAGE} COMPONENT ${module_COMPONENT})
endfunction()
