# Fails when a Catch2 test case of TEST_EXECUTABLE has no tag: every case carries one, so that a run can pick
# a group (`tha4_tests "[engine]"`) and nothing hides from it. Counts the cases, then those matching any tag.
# cmake -D TEST_EXECUTABLE=path [-D TEST_EXECUTOR=emulator] -P check_tags.cmake
# (Catch2 v2's --list-* options exit with the number of tests, not 0: only the output is read.)
execute_process(COMMAND ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" --list-test-names-only OUTPUT_VARIABLE all_names)
execute_process(COMMAND ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" --list-tags OUTPUT_VARIABLE tag_listing)
string(REGEX MATCHALL "\\[[^]\n]+\\]" tags "${tag_listing}")
list(REMOVE_DUPLICATES tags)
if(NOT tags)
  message(FATAL_ERROR "${TEST_EXECUTABLE} lists no tags")
endif()
list(JOIN tags "," any_tag)
execute_process(COMMAND ${TEST_EXECUTOR} "${TEST_EXECUTABLE}" "${any_tag}" --list-test-names-only
                OUTPUT_VARIABLE tagged_names)
string(REGEX MATCHALL "\n" all_lines "${all_names}")
string(REGEX MATCHALL "\n" tagged_lines "${tagged_names}")
list(LENGTH all_lines all_count)
list(LENGTH tagged_lines tagged_count)
if(all_count EQUAL 0)
  message(FATAL_ERROR "${TEST_EXECUTABLE} lists no test cases")
endif()
if(NOT all_count EQUAL tagged_count)
  message(FATAL_ERROR "${TEST_EXECUTABLE}: ${all_count} test cases, but only ${tagged_count} carry a tag.\n"
                      "All:\n${all_names}\nTagged:\n${tagged_names}")
endif()
message(STATUS "${TEST_EXECUTABLE}: all ${all_count} test cases carry a tag")
