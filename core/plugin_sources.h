// Where a plug-in registered at run time (a Python class) comes from, so that a result
// can be traced to the code that made it: every manifest of a run that uses such a
// plug-in records its module, name and the SHA-256 of its source (docs/python.md).
// Built-in plug-ins are identified by the engine's version and git revision instead.
#pragma once

#include <string>

namespace counterpoint {

struct PluginSource {
  std::string language;       ///< "python"
  std::string module;         ///< the defining module (__main__ in a notebook)
  std::string qualname;       ///< the class's qualified name
  std::string file;           ///< its source file, "" if unknown
  std::string source_sha256;  ///< SHA-256 of its source text
  std::string source_of;      ///< what was hashed: "class" (its source) or "methods" (each method's)
};

/// Records the source of plug-in `name` in `registry` ("ranker", "intervention", ...),
/// replacing an earlier record.
void SetPluginSource(const std::string& registry, const std::string& name, PluginSource source);

/// Forgets every record of `registry`.
void ClearPluginSources(const std::string& registry);

/// The record of plug-in `name` in `registry`, or nullptr for a built-in.
const PluginSource* FindPluginSource(const std::string& registry, const std::string& name);

}  // namespace counterpoint
