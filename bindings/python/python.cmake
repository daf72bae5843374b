# Python bindings (bindings/python/vmbackdoor, pure Python over ctypes):
# found here so tests/python.cmake knows the interpreter, and installed by
# `cmake --install` into that interpreter's site-packages under the install
# prefix. Included from the top-level CMakeLists.txt.
#
# VMBD_PYTHON_INSTALL_DIR (relative to the install prefix, or absolute):
# default is sysconfig's purelib of the Python found, made relative to the
# prefix (on Debian with prefix /usr/local: lib/python3.11/dist-packages,
# which Debian's python3 searches); when that purelib is not under the
# prefix, the posix_prefix scheme's lib/pythonX.Y/site-packages.
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(STATUS "python3 not found: Python bindings not installed, their tests SKIPPED")
  return()
endif()

if(NOT DEFINED VMBD_PYTHON_INSTALL_DIR)
  execute_process(
    COMMAND ${Python3_EXECUTABLE} -c "
import os, sys, sysconfig
prefix = os.path.abspath(sys.argv[1])
pure = os.path.abspath(sysconfig.get_path('purelib'))
if os.path.commonpath([pure, prefix]) == prefix and pure != prefix:
    print(os.path.relpath(pure, prefix))
else:
    print(os.path.relpath(sysconfig.get_path('purelib', 'posix_prefix',
          vars={'base': prefix, 'platbase': prefix}), prefix))
" ${CMAKE_INSTALL_PREFIX}
    OUTPUT_VARIABLE vmbd_py_dir OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE vmbd_py_rc)
  if(NOT vmbd_py_rc EQUAL 0 OR vmbd_py_dir STREQUAL "")
    message(FATAL_ERROR "cannot ask ${Python3_EXECUTABLE} for its site-packages; "
                        "set VMBD_PYTHON_INSTALL_DIR")
  endif()
  set(VMBD_PYTHON_INSTALL_DIR ${vmbd_py_dir} CACHE STRING
      "Python package directory, relative to the install prefix or absolute")
endif()
message(STATUS "Python bindings: ${Python3_EXECUTABLE}, installed to <prefix>/${VMBD_PYTHON_INSTALL_DIR}")

install(DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/vmbackdoor
        DESTINATION ${VMBD_PYTHON_INSTALL_DIR}
        FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
# The installed package finds the library it was installed with: write its
# absolute path (in the prefix actually installed to, without DESTDIR)
# next to the package at install time.
install(CODE "
  set(vmbd_pkg \"${VMBD_PYTHON_INSTALL_DIR}\")
  if(NOT IS_ABSOLUTE \"\${vmbd_pkg}\")
    set(vmbd_pkg \"\${CMAKE_INSTALL_PREFIX}/\${vmbd_pkg}\")
  endif()
  set(vmbd_lib \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/libvmbackdoor.so.${VMBD_ABI_VERSION}\")
  file(WRITE \"\$ENV{DESTDIR}\${vmbd_pkg}/vmbackdoor/_installed.py\"
       \"# Written by cmake --install: the library this package was installed with.\\nLIBRARY = \\\"\${vmbd_lib}\\\"\\n\")
  message(STATUS \"Installing: \$ENV{DESTDIR}\${vmbd_pkg}/vmbackdoor/_installed.py\")
")
