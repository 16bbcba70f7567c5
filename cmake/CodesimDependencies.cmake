# Third-party libraries, all from Debian packages (scripts/install-deps.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Threads REQUIRED)

# Debian's SystemC 2.3.4 was built as C++17: every target that includes SystemC must
# see SC_CPLUSPLUS=201703L, or the link fails on sc_api_version_2_3_4_cxx202002L.
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc)
add_library(codesim_systemc INTERFACE)
target_link_libraries(codesim_systemc INTERFACE PkgConfig::SYSTEMC)
target_compile_definitions(codesim_systemc INTERFACE SC_CPLUSPLUS=201703L)

if(CODESIM_BUILD_TESTS)
  find_package(GTest REQUIRED)
  pkg_check_modules(MPFR REQUIRED IMPORTED_TARGET mpfr)
  # NVIDIA's cuda_fp8.h host conversions are an independent oracle for the FP8 encoders.
  # They compile with plain g++; without the CUDA toolkit the oracle test skips.
  find_path(CODESIM_CUDA_FP8_INCLUDE cuda_fp8.h
            HINTS ENV CUDA_HOME ENV CUDA_PATH /usr/local/cuda
            PATH_SUFFIXES include)
endif()
if(CODESIM_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
