#include "experiment/shipped_scenarios.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

#include "core/error.h"

namespace counterpoint {

namespace fs = std::filesystem;

std::vector<std::string> ShippedScenarioDirs() {
  std::vector<std::string> dirs;
  std::error_code ec;
  if (fs::is_directory(COUNTERPOINT_SOURCE_SCENARIOS, ec)) dirs.push_back(COUNTERPOINT_SOURCE_SCENARIOS);
  dirs.push_back(COUNTERPOINT_SHARE_DIR "/scenarios");
  return dirs;
}

namespace {
std::string Description(const std::string& path) {
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (root.IsMap() && root["description"] && root["description"].IsScalar())
      return root["description"].as<std::string>();
  } catch (const std::exception&) {
    // a listing shows what it can; loading the scenario reports the error in full
  }
  return "";
}

// every *.yaml of `dirs` by name, the first directory that has a name winning: name and
// path, names ascending (no file is parsed)
std::vector<ShippedScenario> ScenarioFiles(const std::vector<std::string>& dirs) {
  std::vector<ShippedScenario> out;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const fs::path& f = it->path();
      const std::string name = f.stem().string();
      if (f.extension() == ".yaml" && it->is_regular_file(ec) &&
          std::none_of(out.begin(), out.end(), [&](const ShippedScenario& s) { return s.name == name; }))
        out.push_back({name, f.string(), ""});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}
}  // namespace

std::vector<ShippedScenario> ListShippedScenarios(const std::vector<std::string>& dirs) {
  std::vector<ShippedScenario> out = ScenarioFiles(dirs);
  for (ShippedScenario& s : out) s.description = Description(s.path);
  return out;
}

std::string ResolveScenarioPath(const std::string& arg, const std::vector<std::string>& dirs) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) return arg;
  if (fs::is_directory(arg, ec))
    throw InputError(arg,
                     "is a directory, not a scenario file: give the YAML file (counterpoint list scenarios "
                     "names the shipped ones)");
  const fs::path p(arg);
  if (!p.has_parent_path()) {
    // the first directory that has the name, as in ListShippedScenarios
    const std::string file = (p.extension() == ".yaml" ? p.stem().string() : arg) + ".yaml";
    for (const std::string& dir : dirs)
      if (fs::is_regular_file(fs::path(dir) / file, ec)) return (fs::path(dir) / file).string();
  }
  std::string names;
  for (const ShippedScenario& s : ScenarioFiles(dirs)) names += (names.empty() ? "" : ", ") + s.name;
  const fs::path cwd = fs::current_path(ec);
  throw FileNotFound(arg, "no such scenario file (looked for " + fs::absolute(p, ec).string() + ", current directory " +
                              cwd.string() + ") and no shipped scenario of that name; shipped: " +
                              (names.empty() ? "(none found)" : names) + " (counterpoint list scenarios)");
}

}  // namespace counterpoint
