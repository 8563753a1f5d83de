// libFuzzer entry point: counterpoint::fuzz::FuzzIndexFactory (tests/fuzz/fuzz_targets.h).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  counterpoint::fuzz::FuzzIndexFactory(data, size);
  return 0;
}
