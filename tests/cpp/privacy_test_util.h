// Helpers for the release-gate tests: temporary run directories and policies.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace counterpoint::testing {

/// A fresh temporary directory, removed with its contents at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("counterpoint_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string operator/(const std::string& rel) const { return (path_ / rel).string(); }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

/// One impression: user, arm, injected?, organisation (-1: none), clicked.
struct FakeImpression {
  int64_t user;
  std::string arm;
  bool injected;
  int64_t organisation;
  bool clicked;
};

/// A minimal run directory: manifest.json (scenario hash, arms, population size) and impressions.csv.
inline void WriteFakeRun(const std::string& dir, const std::vector<std::string>& arms,
                         const std::vector<FakeImpression>& rows, const std::string& hash = std::string(64, 'a'),
                         int64_t n_users = 1000) {
  std::filesystem::create_directories(dir);
  std::string arms_json;
  for (size_t i = 0; i < arms.size(); ++i) {
    // appended piece by piece: GCC 12 warns (-Wstringop-overflow, a false positive) on
    // `const char* + std::string&&` once this is inlined
    if (i) arms_json += ',';
    arms_json += "{\"name\":\"";
    arms_json += arms[i];
    arms_json += "\"}";
  }
  WriteText(dir + "/manifest.json", "{\"scenario_sha256\":\"" + hash +
                                        "\",\"resolved_scenario\":{\"name\":\"fake\",\"population\":{\"n_users\":" +
                                        std::to_string(n_users) + "},\"arms\":[" + arms_json + "]}}");
  std::string csv = "step,arm,replicate,user,item,position,source,organisation,clicked,dismissed\n";
  int64_t step = 0;
  for (const auto& r : rows) {
    csv += std::to_string(step++ % 7) + "," + r.arm + ",0," + std::to_string(r.user) + ",17,0," +
           (r.injected ? "injected" : "organic") + "," + (r.organisation >= 0 ? std::to_string(r.organisation) : "") +
           "," + (r.clicked ? "1" : "0") + ",0\n";
  }
  WriteText(dir + "/impressions.csv", csv);
}

}  // namespace counterpoint::testing
