// Helpers shared by the C++ tests.
#pragma once

#include <gtest/gtest.h>
#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "embeddings/catalog.h"
#include "experiment/runner.h"

namespace counterpoint::testing {

/// An empty directory of its own under the system's temporary directory, named by `name`
/// and the process (what was there is removed first); the test removes it when done.
inline std::filesystem::path FreshTempDir(const std::string& name) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("counterpoint_" + name + "_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// A run that checkpoints to `path` every `every` steps (by default only where it stops)
/// and stops once `stop_at` steps are done (each call's control counts its own polls)
inline RunControl StopAfter(int64_t stop_at, const std::string& path, int64_t every = 1000000) {
  RunControl control;
  control.checkpoint_every = every;
  control.checkpoint_path = path;
  auto polls = std::make_shared<int64_t>(0);
  control.should_stop = [polls, stop_at] { return (*polls)++ >= stop_at; };
  return control;
}

/// Path of a file under tests/data.
inline std::string DataPath(const std::string& rel) {
  return std::string(COUNTERPOINT_SOURCE_DIR) + "/tests/data/" + rel;
}

/// A catalog whose items are the given rows, labels and extremities.
inline std::shared_ptr<const Catalog> MakeCatalog(int64_t dim, std::vector<float> rows, std::vector<Label> labels,
                                                  std::vector<float> extremity, std::vector<int32_t> topics = {}) {
  CatalogData data;
  data.dim = dim;
  data.embeddings = std::move(rows);
  data.labels = std::move(labels);
  data.extremity = std::move(extremity);
  data.topic = std::move(topics);
  return std::make_shared<const Catalog>(std::move(data), "test catalog");
}

/// Sets the OpenMP thread count for one scope and restores it afterwards (also on a throw).
class ScopedThreads {
 public:
  explicit ScopedThreads(int n) : before_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ScopedThreads() { omp_set_num_threads(before_); }
  ScopedThreads(const ScopedThreads&) = delete;
  ScopedThreads& operator=(const ScopedThreads&) = delete;

 private:
  int before_;
};

/// Exit status and combined stdout+stderr of a shell command.
struct CommandResult {
  int status = -1;
  std::string output;
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) r.output.append(buf.data(), n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

/// True if `needle` occurs in `haystack`.
inline bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// Runs `f`, expecting an InputError; returns it for inspection.
template <class F>
InputError CatchInputError(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "expected an InputError";
  return InputError("", "none thrown");
}

}  // namespace counterpoint::testing
