# Writes OUT, a C header defining NNQ_REVISION: `git describe` of the source tree SRC when it is
# a git checkout (with -dirty for uncommitted changes), "" otherwise. Run at every build
# (cmake -DSRC=... -DOUT=... -P revision.cmake); OUT is rewritten only when the text changes, so
# that nothing recompiles when the revision did not move.
set(rev "")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SRC}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SRC}" describe --always --dirty --abbrev=12
                  OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
set(text "#define NNQ_REVISION \"${rev}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
