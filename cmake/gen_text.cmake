# Run the icstress program with one generator option (--man, --completion, --markdown) and write
# its output to OUT (and OUT.gz when GZIP is set): the man page and the completion come from the
# program's own option tables (drivers/commands.c), so they cannot drift from --help.
execute_process(COMMAND ${EXE} ${ARG} OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} ${ARG} failed: ${rc}")
endif()
if(GZIP)
  execute_process(COMMAND gzip -9 -n -c ${OUT} OUTPUT_FILE ${OUT}.gz RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${OUT} failed: ${rc}")
  endif()
endif()
