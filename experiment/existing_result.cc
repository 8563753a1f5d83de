#include "experiment/existing_result.h"

#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/io.h"

namespace counterpoint {

namespace fs = std::filesystem;

std::optional<ExistingResult> FindExistingResult(const std::string& dir) {
  const fs::path manifest = fs::path(dir) / "manifest.json";
  std::error_code ec;
  if (!fs::is_regular_file(manifest, ec)) return std::nullopt;
  ExistingResult out{"(unreadable manifest)", "unknown time", "unknown"};
  try {
    const nlohmann::json j = nlohmann::json::parse(ReadFile(manifest.string()));
    if (j.contains("resolved_scenario") && j["resolved_scenario"].contains("name") &&
        j["resolved_scenario"]["name"].is_string())
      out.scenario = j["resolved_scenario"]["name"].get<std::string>();
    else if (j.contains("scenario_file") && j["scenario_file"].is_string())
      out.scenario = j["scenario_file"].get<std::string>();
    if (j.contains("finished_utc") && j["finished_utc"].is_string())
      out.finished = j["finished_utc"].get<std::string>();
    if (j.contains("status") && j["status"].is_string()) out.status = j["status"].get<std::string>();
  } catch (const std::exception&) {
    // a damaged manifest is still someone's result: keep the defaults
  }
  return out;
}

void RefuseToOverwrite(const std::string& dir, const std::string& what, const std::string& overwrite_hint) {
  const std::optional<ExistingResult> found = FindExistingResult(dir);
  if (!found) return;
  std::string msg = "'" + dir + "' already holds a result of scenario '" + found->scenario + "' (" + found->status +
                    ", finished " + found->finished + "); it is not overwritten without being asked: choose another " +
                    "directory, or pass " + overwrite_hint + " to replace it";
  if (found->status == "partial") msg += " (a partial run with a checkpoint continues with --resume " + dir + ")";
  throw InputError(what, msg);
}

std::string FreshOutputDir(const std::string& dir, long long utc) {
  if (!FindExistingResult(dir)) return dir;
  const std::time_t t = static_cast<std::time_t>(utc);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::string base = dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  base += "-" + std::string(stamp);
  std::string candidate = base;
  std::error_code ec;
  for (int n = 2; fs::exists(candidate, ec); ++n) candidate = base + "-" + std::to_string(n);
  return candidate;
}

}  // namespace counterpoint
