#include "privacy/ingest.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "core/error.h"
#include "core/hash.h"
#include "core/version.h"
#include "privacy/pseudonymize.h"

namespace counterpoint::privacy {

namespace fs = std::filesystem;

const std::vector<std::string> kLogColumns = {"user_id", "item_id", "timestamp", "event"};

namespace {
// true if `inner` is `outer` or lies below it (both made absolute and normal)
bool IsWithin(const fs::path& inner, const fs::path& outer) {
  const fs::path a = fs::weakly_canonical(fs::absolute(inner)), b = fs::weakly_canonical(fs::absolute(outer));
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai)
    if (ai == a.end() || *ai != *bi) return false;
  return true;
}

// a CSV field, quoted when it needs to be (RFC 4180)
std::string Field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
}  // namespace

std::vector<float> MeanInterests(const std::vector<int64_t>& user_of_row, const std::vector<int64_t>& item_of_row,
                                 int64_t n_users, const NpyMatrix& emb, const CsvTable& where, int item_col) {
  std::vector<double> sum(n_users * emb.cols, 0.0);
  std::vector<int64_t> count(n_users, 0);
  for (size_t r = 0; r < user_of_row.size(); ++r) {
    const int64_t item = item_of_row[r];
    if (item < 0 || item >= emb.rows)
      throw InputError(where.path, where.lines[r], item_col + 1,
                       "item_id " + std::to_string(item) + " has no row in the embeddings (0.." +
                           std::to_string(emb.rows - 1) + ")");
    const int64_t u = user_of_row[r];
    for (int64_t j = 0; j < emb.cols; ++j) sum[u * emb.cols + j] += emb.data[item * emb.cols + j];
    ++count[u];
  }
  std::vector<float> out(sum.size());
  for (int64_t u = 0; u < n_users; ++u)
    for (int64_t j = 0; j < emb.cols; ++j) out[u * emb.cols + j] = static_cast<float>(sum[u * emb.cols + j] / count[u]);
  return out;
}

IngestResult Ingest(const IngestOptions& opt) {
  // the key is kept apart from what is written
  if (opt.key_file.empty()) throw InputError("--key", "a key file is required");
  if (IsWithin(opt.key_file, opt.out_dir))
    throw InputError(opt.key_file, "the key file must not lie inside the output directory " + opt.out_dir +
                                       "; keep it apart from the data");
  const CsvTable t = ReadCsv(opt.logs);
  std::vector<int> cols;
  for (const auto& c : kLogColumns) cols.push_back(t.RequireColumn(c));
  IngestResult res;
  for (const auto& h : t.header)
    if (std::find(kLogColumns.begin(), kLogColumns.end(), h) == kLogColumns.end()) res.dropped_columns.push_back(h);
  const PseudonymKey key = PseudonymKey::LoadOrCreate(opt.key_file, true);

  // pseudonymise row by row; users get indexes in order of first appearance
  std::ostringstream events;
  events << "user,item_id,timestamp,event\n";
  std::unordered_map<std::string, int64_t> user_index;
  std::vector<std::string> pseudonyms;
  std::vector<int64_t> user_of_row, item_of_row;
  const bool calibrate = !opt.embeddings.empty();
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    for (size_t c = 0; c < cols.size(); ++c)
      if (row[cols[c]].empty()) throw InputError(t.path, t.lines[r], cols[c] + 1, "empty " + kLogColumns[c]);
    auto [it, added] = user_index.emplace(row[cols[0]], static_cast<int64_t>(pseudonyms.size()));
    if (added) pseudonyms.push_back(key.Pseudonym(row[cols[0]]));
    events << pseudonyms[it->second] << ',' << Field(row[cols[1]]) << ',' << Field(row[cols[2]]) << ','
           << Field(row[cols[3]]) << '\n';
    if (calibrate) {
      user_of_row.push_back(it->second);
      item_of_row.push_back(CsvInt(t, r, cols[1]));
    }
  }
  res.rows = static_cast<int64_t>(t.rows.size());
  res.users = static_cast<int64_t>(pseudonyms.size());

  fs::create_directories(opt.out_dir);
  const std::string dir = opt.out_dir;
  nlohmann::json m;
  if (calibrate) {
    const NpyMatrix emb = ReadNpy(opt.embeddings);
    const std::vector<float> interests = MeanInterests(user_of_row, item_of_row, res.users, emb, t, cols[1]);
    WriteNpy(dir + "/interests.npy", interests.data(), res.users, emb.cols);
    std::ostringstream users;
    users << "row,user\n";
    for (size_t u = 0; u < pseudonyms.size(); ++u) users << u << ',' << pseudonyms[u] << '\n';
    WriteFileAtomic(dir + "/users.csv", users.str());
    res.calibrated = true;
    m["calibration"] = {{"method", "mean embedding of each user's items"},
                        {"embeddings", opt.embeddings},
                        {"embeddings_sha256", Sha256File(opt.embeddings).sha256},
                        {"dim", emb.cols},
                        {"files", {"interests.npy", "users.csv"}}};
  }
  WriteFileAtomic(dir + "/events.csv", events.str());
  m["tool"] = "counterpoint ingest";
  m["version"] = kVersion;
  m["git_revision"] = kGitRevision;
  m["source"] = {{"path", opt.logs}, {"sha256", Sha256File(opt.logs).sha256}};
  m["pseudonymisation"] = "HMAC-SHA256 (first 128 bits, hex) of user_id under the project key; key not stored here";
  m["kept_columns"] = kLogColumns;
  m["dropped_columns"] = res.dropped_columns;
  m["rows"] = res.rows;
  m["users"] = res.users;
  WriteFileAtomic(dir + "/manifest.json", m.dump(2) + "\n");
  return res;
}

}  // namespace counterpoint::privacy
