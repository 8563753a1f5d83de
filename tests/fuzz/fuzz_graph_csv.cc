// libFuzzer entry point: counterpoint::fuzz::FuzzGraphCsv (tests/fuzz/fuzz_targets.h).
#include "tests/fuzz/fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  counterpoint::fuzz::FuzzGraphCsv(data, size);
  return 0;
}
