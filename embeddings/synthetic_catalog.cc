#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "embeddings/catalog_source.h"

namespace counterpoint {

ComponentSpec SyntheticCatalogSpec() {
  const SyntheticCatalogParams d;
  return {"Synthetic catalog: topic clusters with an extremity direction (docs/model.md).",
          {IntParam("n_items", d.n_items, "number of items", 10, 1e9),
           IntParam("dim", d.dim, "embedding dimension", 2, 4096),
           IntParam("n_topics", d.n_topics, "number of topic clusters", 1, 1e6),
           DoubleParam("share_borderline", d.share_borderline, "share of borderline items", 0, 1),
           DoubleParam("share_extremist", d.share_extremist, "share of extremist items", 0, 1),
           DoubleParam("share_counter_narrative", d.share_counter_narrative, "share of counter-narratives", 0, 1),
           DoubleParam("share_news_reporting", d.share_news_reporting, "share of news reporting on extremism", 0, 1),
           DoubleParam("topic_spread", d.topic_spread, "within-topic noise norm", 0, 10),
           DoubleParam("extremity_shift", d.extremity_shift, "displacement along the extremity direction", 0, 10),
           DoubleParam("classifier_noise", d.classifier_noise, "std of the harm classifier's error", 0, 1),
           DoubleParam("news_confusion", d.news_confusion, "harm-score bias on news reporting", 0, 1),
           IntParam("items_per_creator", d.items_per_creator, "items per creator", 1, 1e9),
           IntParam("n_organisations", d.n_organisations,
                    "organisations (NGOs) publishing the counter-narratives: creator ids 0..n-1 within the "
                    "counter-narrative block",
                    1, 1e9),
           DoubleParam("new_item_share", d.new_item_share, "share of items uploaded during the run", 0, 1),
           IntParam("upload_horizon", d.upload_horizon, "new items arrive over steps 1..horizon", 1, 1e7),
           DoubleParam("reupload_pool", d.reupload_pool,
                       "share of extremist items with pending near-duplicate copies (re-uploads on demand)", 0, 1),
           IntParam("reupload_copies", d.reupload_copies, "near-duplicate copies per pooled item", 1, 1000),
           DoubleParam("reupload_noise", d.reupload_noise,
                       "embedding perturbation of a copy (either pool), relative norm", 0, 10),
           DoubleParam("news_pool", d.news_pool,
                       "share of news-reporting items with pending near-duplicate copies (a world's news seats)", 0, 1),
           IntParam("news_copies", d.news_copies, "near-duplicate copies per pooled news report", 1, 1000)}};
}

SyntheticCatalogParams SyntheticParamsFrom(const Params& p) {
  SyntheticCatalogParams s;
  s.n_items = p.Int("n_items");
  s.dim = p.Int("dim");
  s.n_topics = static_cast<int32_t>(p.Int("n_topics"));
  s.share_borderline = p.Double("share_borderline");
  s.share_extremist = p.Double("share_extremist");
  s.share_counter_narrative = p.Double("share_counter_narrative");
  s.share_news_reporting = p.Double("share_news_reporting");
  s.topic_spread = p.Double("topic_spread");
  s.extremity_shift = p.Double("extremity_shift");
  s.classifier_noise = p.Double("classifier_noise");
  s.news_confusion = p.Double("news_confusion");
  s.items_per_creator = static_cast<int32_t>(p.Int("items_per_creator"));
  s.n_organisations = static_cast<int32_t>(p.Int("n_organisations"));
  s.new_item_share = p.Double("new_item_share");
  s.upload_horizon = static_cast<int32_t>(p.Int("upload_horizon"));
  s.reupload_pool = p.Double("reupload_pool");
  s.reupload_copies = static_cast<int32_t>(p.Int("reupload_copies"));
  s.reupload_noise = p.Double("reupload_noise");
  s.news_pool = p.Double("news_pool");
  s.news_copies = static_cast<int32_t>(p.Int("news_copies"));
  return s;
}

namespace {

// A pool: `copies` near-duplicates of a `share` of the items labelled `label` (drawn from
// each item's attribute stream at `slot`), appended after the items so far and pending
// until uploaded on demand: the re-upload pool (extremist items) and the news pool.
void AppendPool(const SyntheticCatalogParams& p, uint64_t seed, Label label, double share, int32_t copies_each,
                uint64_t slot, CatalogData& data) {
  if (share <= 0) return;
  const int64_t n = p.n_items, d = p.dim, before = static_cast<int64_t>(data.labels.size());
  std::vector<int64_t> parents;
  for (int64_t i = 0; i < n; ++i) {
    const CounterRng attr(seed, i, 0, Purpose::kCatalogAttributes);
    if (data.labels[i] == label && attr.Uniform(slot) < share) parents.push_back(i);
  }
  const int64_t copies = static_cast<int64_t>(parents.size()) * copies_each, total = before + copies;
  data.embeddings.resize(total * d);
  data.labels.resize(total);
  data.extremity.resize(total);
  data.harm_score.resize(total);
  data.creator.resize(total);
  data.topic.resize(total);
  data.upload_step.resize(total);
  if (data.parent.empty()) data.parent.assign(before, -1);
  data.parent.resize(total, -1);
  // the same content: extremity jittered within its label's range (news reporting keeps its
  // classifier bias); the classifier reads each copy afresh (its own noise draw, as for any
  // upload), so a copy of an item the classifier missed may be caught and one it caught may slip through
  const bool news = label == Label::kNewsReporting;
  const double lo = news ? 0.05 : 0.7, hi = news ? 0.25 : 1.0, bias = news ? p.news_confusion : 0.0;
#pragma omp parallel for schedule(static) if (copies > 20000)
  for (int64_t c = 0; c < copies; ++c) {
    const int64_t par = parents[c / copies_each], i = before + c;
    // random numbers keyed by (parent, copy number): step 1 + copy, apart from the originals' step 0
    const uint64_t copy_step = 1 + static_cast<uint64_t>(c % copies_each);
    const CounterRng attr(seed, par, copy_step, Purpose::kCatalogAttributes);
    const CounterRng emb(seed, par, copy_step, Purpose::kCatalogEmbedding);
    // embedding: the parent's plus a perturbation of relative norm reupload_noise
    const float* xp = data.embeddings.data() + par * d;
    float* x = data.embeddings.data() + i * d;
    double norm = 0;
    for (int64_t j = 0; j < d; ++j) norm += static_cast<double>(xp[j]) * xp[j];
    const double scale = p.reupload_noise * std::sqrt(norm / static_cast<double>(d));
    for (int64_t j = 0; j < d; ++j) x[j] = xp[j] + static_cast<float>(scale * emb.Normal(j));
    const double e = std::clamp(data.extremity[par] + 0.03 * attr.Normal(0), lo, hi);
    data.labels[i] = data.labels[par];
    data.extremity[i] = static_cast<float>(e);
    data.harm_score[i] = static_cast<float>(std::clamp(e + p.classifier_noise * attr.Normal(4) + bias, 0.0, 1.0));
    data.creator[i] = data.creator[par];
    data.topic[i] = data.topic[par];
    data.upload_step[i] = kUploadOnDemand;
    data.parent[i] = par;
  }
}

}  // namespace

std::shared_ptr<const Catalog> GenerateSyntheticCatalog(const SyntheticCatalogParams& p, uint64_t seed) {
  const double non_mainstream =
      p.share_borderline + p.share_extremist + p.share_counter_narrative + p.share_news_reporting;
  if (non_mainstream > 1.0 + 1e-12)
    throw InputError("catalog", "label shares add up to " + std::to_string(non_mainstream) +
                                    " > 1; lower share_borderline/extremist/counter_narrative/news_reporting");
  const int64_t n = p.n_items, d = p.dim;
  if (p.n_organisations > n / p.items_per_creator + 1)
    throw InputError("catalog", "n_organisations " + std::to_string(p.n_organisations) +
                                    " exceeds the creator block of a label (n_items / items_per_creator + 1 = " +
                                    std::to_string(n / p.items_per_creator + 1) + ")");
  CatalogData data;
  data.dim = d;
  // extremity direction u: a random unit vector
  std::vector<float> u(d);
  {
    CounterRng rng(seed, 0, 0, Purpose::kTopicCenters);
    for (int64_t j = 0; j < d; ++j) u[j] = static_cast<float>(rng.Normal(j));
    NormalizeRows(u.data(), 1, d);
  }
  // topic centres: random unit vectors with their u-component removed
  std::vector<float> centers(p.n_topics * d);
  for (int32_t t = 0; t < p.n_topics; ++t) {
    CounterRng rng(seed, 1 + t, 0, Purpose::kTopicCenters);
    float* c = centers.data() + t * d;
    double dot = 0;
    for (int64_t j = 0; j < d; ++j) dot += (c[j] = static_cast<float>(rng.Normal(j))) * u[j];
    for (int64_t j = 0; j < d; ++j) c[j] -= static_cast<float>(dot) * u[j];
    NormalizeRows(c, 1, d);
  }
  data.embeddings.resize(n * d);
  data.labels.resize(n);
  data.extremity.resize(n);
  data.harm_score.resize(n);
  data.creator.resize(n);
  data.topic.resize(n);
  data.upload_step.resize(n);
  // cumulative label thresholds
  const double c_border = p.share_borderline, c_ext = c_border + p.share_extremist,
               c_cn = c_ext + p.share_counter_narrative, c_news = c_cn + p.share_news_reporting;
  const double noise_scale = p.topic_spread / std::sqrt(static_cast<double>(d));
#pragma omp parallel for schedule(static) if (n > 20000)
  for (int64_t i = 0; i < n; ++i) {
    CounterRng attr(seed, i, 0, Purpose::kCatalogAttributes);
    CounterRng emb(seed, i, 0, Purpose::kCatalogEmbedding);
    // label by position in [0,1): harmful and special labels take their shares
    const double r = attr.Uniform(0);
    Label label = Label::kMainstream;
    if (r < c_border)
      label = Label::kBorderline;
    else if (r < c_ext)
      label = Label::kExtremist;
    else if (r < c_cn)
      label = Label::kCounterNarrative;
    else if (r < c_news)
      label = Label::kNewsReporting;
    // ground-truth extremity and position along u (where the item sits in the space)
    const double v = attr.Uniform(1);
    double extremity = 0, position = 0;
    switch (label) {
      case Label::kMainstream:
        extremity = 0.3 * v * v;
        position = extremity;
        break;
      case Label::kBorderline:
        extremity = 0.35 + 0.3 * v;
        position = extremity;
        break;
      case Label::kExtremist:
        extremity = 0.7 + 0.3 * v;
        position = extremity;
        break;
      // near the harmful content of their topic, but not extreme themselves
      case Label::kCounterNarrative:
        extremity = 0.1 * v;
        position = 0.55 + 0.35 * attr.Uniform(2);
        break;
      case Label::kNewsReporting:
        extremity = 0.05 + 0.2 * v;
        position = 0.55 + 0.35 * attr.Uniform(2);
        break;
    }
    const int32_t topic = static_cast<int32_t>(attr.Below(3, p.n_topics));
    float* x = data.embeddings.data() + i * d;
    const float* c = centers.data() + topic * d;
    for (int64_t j = 0; j < d; ++j)
      x[j] = c[j] + static_cast<float>(noise_scale * emb.Normal(j) + p.extremity_shift * position * u[j]);
    // the classifier sees extremity plus noise, and confuses reporting with harm
    double harm = extremity + p.classifier_noise * attr.Normal(4);
    if (label == Label::kNewsReporting) harm += p.news_confusion;
    data.labels[i] = label;
    data.extremity[i] = static_cast<float>(extremity);
    data.harm_score[i] = static_cast<float>(std::clamp(harm, 0.0, 1.0));
    data.topic[i] = topic;
    // creators publish one label: ids are blocks within each label's range; counter-narratives
    // come from n_organisations NGOs (ids 0..n-1 within their block)
    const int64_t creators =
        label == Label::kCounterNarrative ? p.n_organisations : std::max<int64_t>(1, n / p.items_per_creator);
    data.creator[i] =
        static_cast<int64_t>(label) * (n / p.items_per_creator + 1) + static_cast<int64_t>(attr.Below(5, creators));
    const bool is_new = attr.Uniform(6) < p.new_item_share;
    data.upload_step[i] = is_new ? 1 + static_cast<int32_t>(attr.Below(7, p.upload_horizon))
                                 : -static_cast<int32_t>(attr.Below(7, p.upload_horizon));
  }
  AppendPool(p, seed, Label::kExtremist, p.reupload_pool, p.reupload_copies, 8, data);
  AppendPool(p, seed, Label::kNewsReporting, p.news_pool, p.news_copies, 9, data);
  data.extremity_direction = u;
  return std::make_shared<const Catalog>(std::move(data), "synthetic catalog");
}

namespace {
const bool kSyntheticRegistered = CatalogRegistry::Get().Add(
    "synthetic", SyntheticCatalogSpec(), [](const Params& params, const CatalogContext& ctx) {
      try {
        return GenerateSyntheticCatalog(SyntheticParamsFrom(params), ctx.seed);
      } catch (const InputError& e) {
        // shares that add up to more than 1: point at the last share key given
        // (an --set one, which has no line, wins: it was applied last)
        SourceLocation at = params.BlockLocation();
        bool chosen = false;
        for (const char* key :
             {"share_borderline", "share_extremist", "share_counter_narrative", "share_news_reporting"}) {
          if (!params.WasSet(key)) continue;
          const SourceLocation l = params.Where(key);
          if (!chosen || l.line == 0 || (at.line != 0 && l.line > at.line)) at = l, chosen = true;
        }
        const bool shares = std::string(e.what()).find("label shares") != std::string::npos;
        throw RelocateDiagnostics(e, "catalog", shares ? at : params.BlockLocation());
      }
    });
}  // namespace

}  // namespace counterpoint
