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
    if (j.contains("pending")) {
      a.pending_rows = j.at("pending").at("rows").get<int64_t>();
      a.pending_head = j.at("pending").at("head").get<std::string>();
      if (a.pending_rows != a.rows + 1 || a.pending_head.size() != 64)
        throw InputError(path, "not a ledger anchor (its pending row is not the next row)" + std::string(fix));
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, std::string("not a ledger anchor (") + e.what() + ")" + fix);
  }
  if (a.rows < 0 || a.head.size() != 64)
    throw InputError(path, "not a ledger anchor (rows or head out of range)" + std::string(fix));
  return a;
}

void WriteAnchor(const std::string& path, const LedgerAnchor& anchor) {
  nlohmann::json j = {{"ledger_id", anchor.ledger_id}, {"rows", anchor.rows}, {"head", anchor.head}};
  if (anchor.pending_rows > 0) j["pending"] = {{"rows", anchor.pending_rows}, {"head", anchor.pending_head}};
  WriteFileAtomic(path, j.dump(2) + "\n");
}

}  // namespace counterpoint::privacy
