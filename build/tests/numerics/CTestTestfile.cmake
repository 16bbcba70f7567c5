# CMake generated Testfile for 
# Source directory: /work/main/tests/numerics
# Build directory: /work/main/build/tests/numerics
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
include("/work/main/build/tests/numerics/numerics_tests[1]_include.cmake")
