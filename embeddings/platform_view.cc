#include "embeddings/platform_view.h"

namespace counterpoint {

PlatformView::PlatformView(const Catalog& catalog) : catalog_(&catalog), declared_(catalog.size(), 0) {
  for (int64_t i = 0; i < catalog.size(); ++i) declared_[i] = catalog.label(i) == Label::kCounterNarrative;
}

}  // namespace counterpoint
