# Writes OUT, a C++ header holding k_help: what STAGE (the executable built without it,
# which loads the commands module) prints for `mailroom --help`.
execute_process(COMMAND ${STAGE} --help OUTPUT_VARIABLE text ERROR_VARIABLE errors
                RESULT_VARIABLE status)
if(NOT status EQUAL 0 OR text STREQUAL "")
  message(FATAL_ERROR "${STAGE} --help failed (${status}): ${errors}")
endif()
string(FIND "${text}" ")mailroom-help\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "the help text holds the raw string's delimiter: change it in help_text.cmake")
endif()
file(WRITE ${OUT}.new "// Generated at build time by src/help_text.cmake from `${STAGE} --help`.\n"
                      "constexpr char k_help[] = R\"mailroom-help(${text})mailroom-help\";\n")
# Unchanged help leaves OUT untouched, so a change to the module does not rebuild the front.
file(COPY_FILE ${OUT}.new ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.new)
