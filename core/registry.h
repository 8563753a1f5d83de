// Name -> {parameter spec, factory} registries for plug-ins.
//
// Each plug-in registers itself in its own .cc with a static registrar, so
// adding one is its .h/.cc, its test and one CMake line:
//
//   static const bool kRegistered = RetrieverRegistry::Get().Add(
//       "faiss", FaissRetrieverSpec(), [](const Params& p) { ... });
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/params.h"

namespace counterpoint {

template <class Product, class... Args>
class Registry {
 public:
  using Factory = std::function<Product(const Params&, Args...)>;
  struct Entry {
    ComponentSpec spec;
    Factory factory;
  };

  static Registry& Get() {
    static Registry instance;
    return instance;
  }

  /// Registers `name`; returns true so it can initialise a static.
  bool Add(const std::string& name, ComponentSpec spec, Factory factory) {
    if (entries_.count(name)) throw std::logic_error("plug-in registered twice: " + name);
    entries_[name] = Entry{std::move(spec), std::move(factory)};
    return true;
  }

  /// Unregisters `name` (plug-ins defined at run time, e.g. in Python); false if absent.
  bool Remove(const std::string& name) { return entries_.erase(name) > 0; }

  const Entry* Find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }

  std::vector<std::string> Names() const {
    std::vector<std::string> out;
    for (const auto& [name, entry] : entries_) out.push_back(name);
    return out;
  }

 private:
  std::map<std::string, Entry> entries_;
};

}  // namespace counterpoint
