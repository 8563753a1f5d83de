#include "embeddings/truth_channels.h"

namespace counterpoint {

TruthChannels::TruthChannels(const Catalog& catalog) : catalog_(&catalog) {
  for (int64_t i = 0; i < catalog.size(); ++i) harmful_items_ += IsHarmful(catalog.label(i));
}

}  // namespace counterpoint
