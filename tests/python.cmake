# Python binding tests (label `python`): every tests/python/test_*.py is
# one CTest test run with unittest (standard library only) against this
# build's shared library, plus install_python, which imports the package
# `cmake --install` put into the install test's prefix. SKIPPED without
# python3, and in sanitizer builds (an instrumented libvmbackdoor.so cannot
# be loaded into an uninstrumented python3).
file(GLOB VMBD_PY_TESTS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/python/test_*.py)
set(VMBD_PY_SKIP "")
if(NOT VMBD_BUILD_PYTHON)
  set(VMBD_PY_SKIP "VMBD_BUILD_PYTHON is OFF")
elseif(NOT Python3_Interpreter_FOUND)
  set(VMBD_PY_SKIP "python3 not found")
elseif(VMBD_SANITIZE)
  set(VMBD_PY_SKIP "build uses VMBD_SANITIZE: python3 cannot load the instrumented library")
elseif(CMAKE_CROSSCOMPILING)
  set(VMBD_PY_SKIP "cross build (${CMAKE_SYSTEM_PROCESSOR}): the native python3 cannot load the library")
endif()
if(VMBD_PY_SKIP)
  foreach(src ${VMBD_PY_TESTS})
    get_filename_component(name ${src} NAME_WE)
    vmbd_skip_test(python_${name} "${VMBD_PY_SKIP}" python)
  endforeach()
  vmbd_skip_test(install_python "${VMBD_PY_SKIP}" "python;install")
  return()
endif()

# Prints the C layout of the structs the bindings mirror (test_layout.py).
add_executable(vmbd-py-layout ${CMAKE_CURRENT_SOURCE_DIR}/python/layout.c)
target_include_directories(vmbd-py-layout PRIVATE ${PROJECT_SOURCE_DIR}/include)

foreach(src ${VMBD_PY_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME python_${name}
    COMMAND ${Python3_EXECUTABLE} -m unittest -v ${name}
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/python)
  set_tests_properties(python_${name} PROPERTIES LABELS python
    SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT "VMBACKDOOR_LIB=$<TARGET_FILE:vmbackdoor>;VMBD_LAYOUT_HELPER=$<TARGET_FILE:vmbd-py-layout>;VMBD_PYTHON_PATH=${PROJECT_SOURCE_DIR}/bindings/python;VMBD_PROJECT_VERSION=${PROJECT_VERSION};PYTHONDONTWRITEBYTECODE=1")
endforeach()

# The installed package, found through the prefix's site-packages, loads
# the prefix's library without VMBACKDOOR_LIB (install_prefix installs).
add_test(NAME install_python
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/python/installed.py
          ${VMBD_INSTALL_PREFIX} ${VMBD_PYTHON_INSTALL_DIR}
          ${CMAKE_INSTALL_LIBDIR} ${VMBD_ABI_VERSION})
set_tests_properties(install_python PROPERTIES LABELS "python;install"
  FIXTURES_REQUIRED vmbd_installed SKIP_RETURN_CODE 77
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1")
