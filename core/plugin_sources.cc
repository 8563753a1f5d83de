#include "core/plugin_sources.h"

#include <map>
#include <utility>

namespace counterpoint {

namespace {
// registered from Python's thread at import or registration time, read when a run's
// manifest is written (on the same thread)
std::map<std::pair<std::string, std::string>, PluginSource>& Sources() {
  static std::map<std::pair<std::string, std::string>, PluginSource> sources;
  return sources;
}
}  // namespace

void SetPluginSource(const std::string& registry, const std::string& name, PluginSource source) {
  Sources()[{registry, name}] = std::move(source);
}

void ClearPluginSources(const std::string& registry) {
  std::erase_if(Sources(), [&](const auto& entry) { return entry.first.first == registry; });
}

const PluginSource* FindPluginSource(const std::string& registry, const std::string& name) {
  const auto it = Sources().find({registry, name});
  return it == Sources().end() ? nullptr : &it->second;
}

}  // namespace counterpoint
