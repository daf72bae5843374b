# test_io_access checks which ports vmbd_io_request_access() asks for: the
# real ioperm() is swapped for the test's recorder at link time, so the
# test neither needs nor requests port access.
if(TARGET test_io_access AND CMAKE_SYSTEM_NAME STREQUAL "Linux")
  target_link_options(test_io_access PRIVATE -Wl,--wrap=ioperm)
endif()
