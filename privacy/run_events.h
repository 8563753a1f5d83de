// Streaming reader of a run directory's per-user event log (impressions.csv).
//
// The log of a full scenario holds tens of millions of rows, so it is read line by
// line, never loaded whole. Every malformed row is an InputError at file:line.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace counterpoint::privacy {

/// One impression row; string fields point into the current line.
struct ImpressionRow {
  int64_t line = 0;
  int64_t step = 0;
  std::string_view arm;
  int64_t replicate = 0;
  int64_t user = 0;
  int64_t item = 0;
  int64_t position = 0;
  bool injected = false;
  int64_t organisation = -1;  ///< -1 when the item belongs to no organisation
  bool clicked = false;
  bool dismissed = false;  ///< marked "not interested"
};

/// Path of the event log in `run_dir`; throws InputError (naming output.events) if absent.
std::string ImpressionsPath(const std::string& run_dir);

/// Calls `fn` for every row of `path`, in file order. Returns the SHA-256 of what was read:
/// the log's text, decompressed, each line followed by "\n" (for a plain impressions.csv
/// that ends in a newline, the file's own SHA-256), so a release names the bytes it used.
std::string ForEachImpression(const std::string& path, const std::function<void(const ImpressionRow&)>& fn);

/// The header ImpressionsCsv writes.
extern const char* const kImpressionsHeader;

}  // namespace counterpoint::privacy
