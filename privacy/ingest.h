// Ingest of real interaction logs: pseudonymised at the door, minimised, optionally calibrated.
//
// Input: a CSV with a header naming at least user_id, item_id, timestamp, event (any
// order). User ids are replaced by HMAC-SHA256 pseudonyms under the project key
// (privacy/pseudonymize.h) before anything is written; every other column is dropped
// (data minimisation, GDPR Art. 5(1)(c)) and named in the manifest. The key file must
// live outside the output directory. With item embeddings (.npy, one row per item id),
// each pseudonymous user's initial interest is calibrated as the mean embedding of the
// items in their history (docs/data-protection.md, "Calibration").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/io.h"

namespace counterpoint::privacy {

struct IngestOptions {
  std::string logs;        ///< input CSV
  std::string key_file;    ///< the project's key (created, mode 0600, if absent)
  std::string out_dir;     ///< events.csv, manifest.json [, interests.npy, users.csv]
  std::string embeddings;  ///< optional .npy of item embeddings (row = item_id)
};

struct IngestResult {
  int64_t rows = 0;
  int64_t users = 0;
  std::vector<std::string> dropped_columns;
  bool calibrated = false;
};

/// The columns kept from the logs.
extern const std::vector<std::string> kLogColumns;

IngestResult Ingest(const IngestOptions& options);

/// Mean embedding of each user's items: users x dim, row u for user index u. Item ids
/// index the rows of `embeddings`; an id outside it is an InputError at file:line.
/// `user_of_row` gives each row's user index (0..n_users-1).
std::vector<float> MeanInterests(const std::vector<int64_t>& user_of_row, const std::vector<int64_t>& item_of_row,
                                 int64_t n_users, const NpyMatrix& embeddings, const CsvTable& where, int item_col);

}  // namespace counterpoint::privacy
