#include "privacy/run_events.h"

#include <charconv>
#include <filesystem>

#include "core/error.h"
#include "core/gzip.h"
#include "core/hash.h"

namespace counterpoint::privacy {

const char* const kImpressionsHeader = "step,arm,replicate,user,item,position,source,organisation,clicked,dismissed";

std::string ImpressionsPath(const std::string& run_dir) {
  // gzip-compressed (the default, output.compress_events) or plain
  const std::string gz = (std::filesystem::path(run_dir) / "impressions.csv.gz").string();
  if (std::filesystem::exists(gz)) return gz;
  const std::string path = (std::filesystem::path(run_dir) / "impressions.csv").string();
  if (!std::filesystem::exists(path))
    throw InputError(path,
                     "no per-user event log (impressions.csv.gz or impressions.csv) in the run directory; run the "
                     "scenario with --set output.events=true");
  return path;
}

namespace {
int64_t Int(std::string_view field, const std::string& path, int64_t line, int col, const char* name) {
  int64_t v = 0;
  const auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (ec != std::errc() || p != field.data() + field.size())
    throw InputError(path, static_cast<int>(line), col,
                     std::string("column '") + name + "': expected an integer, got '" + std::string(field) + "'");
  return v;
}
}  // namespace

std::string ForEachImpression(const std::string& path, const std::function<void(const ImpressionRow&)>& fn) {
  LineReader in(path);  // gzip or plain
  std::string line;
  if (!in.Next(line) || line != kImpressionsHeader)
    throw InputError(path, 1, 1, std::string("expected the header '") + kImpressionsHeader + "'");
  Sha256 read;
  read.Update(line);
  read.Update("\n");
  int64_t n = 1;
  std::vector<std::string_view> f(10);
  ImpressionRow row;
  while (in.Next(line)) {
    ++n;
    read.Update(line);
    read.Update("\n");
    if (line.empty()) continue;
    // split into exactly 10 fields (arm names are written unquoted and contain no comma)
    size_t start = 0, k = 0;
    for (size_t i = 0; i <= line.size() && k < 11; ++i) {
      if (i == line.size() || line[i] == ',') {
        if (k < 10) f[k] = std::string_view(line).substr(start, i - start);
        ++k;
        start = i + 1;
      }
    }
    if (k != 10) throw InputError(path, static_cast<int>(n), 1, "expected 10 fields, got " + std::to_string(k));
    row.line = n;
    row.step = Int(f[0], path, n, 1, "step");
    row.arm = f[1];
    row.replicate = Int(f[2], path, n, 3, "replicate");
    row.user = Int(f[3], path, n, 4, "user");
    row.item = Int(f[4], path, n, 5, "item");
    row.position = Int(f[5], path, n, 6, "position");
    if (f[6] == "injected")
      row.injected = true;
    else if (f[6] == "organic")
      row.injected = false;
    else
      throw InputError(path, static_cast<int>(n), 7, "column 'source': expected organic or injected");
    row.organisation = f[7].empty() ? -1 : Int(f[7], path, n, 8, "organisation");
    const int64_t clicked = Int(f[8], path, n, 9, "clicked");
    if (clicked != 0 && clicked != 1)
      throw InputError(path, static_cast<int>(n), 9, "column 'clicked': expected 0 or 1");
    row.clicked = clicked == 1;
    const int64_t dismissed = Int(f[9], path, n, 10, "dismissed");
    if (dismissed != 0 && dismissed != 1)
      throw InputError(path, static_cast<int>(n), 10, "column 'dismissed': expected 0 or 1");
    row.dismissed = dismissed == 1;
    if (row.user < 0) throw InputError(path, static_cast<int>(n), 4, "column 'user': negative id");
    fn(row);
  }
  return read.HexDigest();
}

}  // namespace counterpoint::privacy
