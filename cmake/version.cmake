# Writes core/version.h with the project version and the current git
# revision (with -dirty for uncommitted changes). Run at every build by the
# counterpoint_version target; configure_file leaves the file untouched when
# nothing changed, so nothing recompiles needlessly.
execute_process(COMMAND git describe --always --dirty --abbrev=12 WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE COUNTERPOINT_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT COUNTERPOINT_GIT_REVISION)
  set(COUNTERPOINT_GIT_REVISION "unknown")
endif()
configure_file(${SOURCE_DIR}/core/version.h.in ${OUTPUT} @ONLY)
