#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli/commands.h"

namespace counterpoint::cli {

Progress::Progress(std::string label) : label_(std::move(label)), tty_(isatty(STDERR_FILENO)) {}

void Progress::Update(int64_t done, int64_t total) {
  const int pct = total > 0 ? static_cast<int>(100 * done / total) : 100;
  if (tty_) {
    if (pct == last_shown_) return;
    const int width = 30, filled = pct * width / 100;
    std::fprintf(stderr, "\r%s [%s%s] %3d%% (%lld/%lld)", label_.c_str(), std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), pct, static_cast<long long>(done),
                 static_cast<long long>(total));
    std::fflush(stderr);
  } else {
    if (pct / 10 == last_shown_ / 10 && last_shown_ >= 0) return;
    std::fprintf(stderr, "%s: %d%% (%lld/%lld)\n", label_.c_str(), pct, static_cast<long long>(done),
                 static_cast<long long>(total));
  }
  last_shown_ = pct;
}

void Progress::Finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace counterpoint::cli
