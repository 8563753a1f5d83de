// counterpoint ingest LOGS.csv --key KEYFILE --out DIR [--embeddings ITEMS.npy]
#include <iostream>

#include "cli/commands.h"
#include "privacy/ingest.h"

namespace counterpoint::cli {

Action AddIngestCommand(CLI::App& app) {
  auto opts = std::make_shared<privacy::IngestOptions>();
  CLI::App* cmd = app.add_subcommand("ingest", "Ingest real interaction logs, pseudonymised and minimised.");
  cmd->footer(
      "Reads a CSV with columns user_id, item_id, timestamp, event (others are dropped), replaces\n"
      "every user id by an HMAC-SHA256 pseudonym under the project key (created with mode 0600\n"
      "if absent; it must lie outside DIR) and writes DIR/events.csv and DIR/manifest.json.\n"
      "With --embeddings, also DIR/interests.npy (each user's mean item embedding, for\n"
      "calibrating a population) and DIR/users.csv (row -> pseudonym).\n"
      "Example: counterpoint ingest logs.csv --key ~/.counterpoint/project.key --out ingested\n"
      "See docs/data-protection.md.");
  cmd->add_option("logs", opts->logs, "interaction log CSV")->required()->check(CLI::ExistingFile);
  cmd->add_option("--key", opts->key_file, "the project's pseudonymisation key file")->required();
  cmd->add_option("--out", opts->out_dir, "output directory")->required();
  cmd->add_option("--embeddings", opts->embeddings, "item embeddings .npy (row = item_id) for calibration")
      ->check(CLI::ExistingFile);
  return [opts]() {
    const privacy::IngestResult res = privacy::Ingest(*opts);
    std::cout << "Ingested " << res.rows << " rows of " << res.users << " pseudonymised users into " << opts->out_dir
              << "/events.csv";
    if (res.calibrated) std::cout << " (+ interests.npy, users.csv)";
    std::cout << "\n";
    if (!res.dropped_columns.empty()) {
      std::cout << "Dropped columns:";
      for (const auto& c : res.dropped_columns) std::cout << ' ' << c;
      std::cout << "\n";
    }
    return 0;
  };
}

namespace {
const bool kRegistered = RegisterCommand("ingest", AddIngestCommand);
}  // namespace

}  // namespace counterpoint::cli
