#include "privacy/ledger_anchor.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/hash.h"
#include "core/io.h"

namespace counterpoint::privacy {

std::string GenesisHash(const std::string& ledger_id) { return Sha256Hex("counterpoint budget ledger " + ledger_id); }

std::optional<LedgerAnchor> ReadAnchor(const std::string& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  const char* fix =
      ": the ledger's anchor must be the JSON the gate wrote ({\"ledger_id\", \"rows\", \"head\"}); restore it from "
      "a backup (docs/data-protection.md, \"The ledger's integrity\")";
  LedgerAnchor a;
  try {
    const nlohmann::json j = nlohmann::json::parse(ReadFile(path));
    a.ledger_id = j.at("ledger_id").get<std::string>();
    a.rows = j.at("rows").get<int64_t>();
    a.head = j.at("head").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, std::string("not a ledger anchor (") + e.what() + ")" + fix);
  }
  if (a.rows < 0 || a.head.size() != 64)
    throw InputError(path, "not a ledger anchor (rows or head out of range)" + std::string(fix));
  return a;
}

void WriteAnchor(const std::string& path, const LedgerAnchor& anchor) {
  const nlohmann::json j = {{"ledger_id", anchor.ledger_id}, {"rows", anchor.rows}, {"head", anchor.head}};
  WriteFileAtomic(path, j.dump(2) + "\n");
}

}  // namespace counterpoint::privacy
