// Helpers the plain benchmark executables share: wall time and peak memory.
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace counterpoint::bench {

inline double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

/// Peak resident set size of this process, in MiB.
inline double PeakMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace counterpoint::bench
