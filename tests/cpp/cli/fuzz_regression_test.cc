// Replays every input the fuzzers found a bug with (tests/fuzz/regressions/<target>/)
// and the seed corpora (tests/fuzz/corpus/<target>/) through the fuzz targets' bodies,
// so that the Release suite covers them without clang: each input is accepted or
// refused with an InputError, never another exception (or, under ASan, a memory error).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/fuzz/fuzz_targets.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// every file under tests/fuzz/<kind>/<target>/, sorted
std::vector<fs::path> Inputs(const std::string& kind, const std::string& target) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(COUNTERPOINT_SOURCE_DIR) / "tests/fuzz" / kind / target;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

void Replay(const std::string& kind) {
  for (const auto& target : fuzz::Targets()) {
    for (const fs::path& p : Inputs(kind, target.name)) {
      SCOPED_TRACE(target.name + ": " + p.string());
      const std::string bytes = Slurp(p);
      EXPECT_NO_THROW(target.run(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    }
  }
}

TEST(FuzzRegression, EveryTargetHasASeedCorpus) {
  for (const auto& target : fuzz::Targets()) EXPECT_FALSE(Inputs("corpus", target.name).empty()) << target.name;
}

TEST(FuzzRegression, KeptCrashingInputsAreRefusedCleanly) { Replay("regressions"); }

TEST(FuzzRegression, SeedCorporaAreHandledCleanly) { Replay("corpus"); }

}  // namespace
}  // namespace counterpoint
