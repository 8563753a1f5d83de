// The data-protection gate from Python: policies, access sessions (raw trajectories
// for the platform tier only; PermissionDenied becomes PermissionError in errors.cc),
// releases and ingest. Release and Ingest run with the GIL released, as the CLI's
// `release` and `ingest` commands run them.
#include <map>
#include <string>
#include <vector>

#include "privacy/ingest.h"
#include "privacy/ledger_inspect.h"
#include "privacy/noise_source.h"
#include "privacy/policy.h"
#include "privacy/release.h"
#include "privacy/requester.h"
#include "privacy/session.h"
#include "python/src/bindings.h"

namespace counterpoint::python {

namespace {
using privacy::AccessSession;
using privacy::Policy;
using PolicyPtr = std::shared_ptr<Policy>;

std::vector<std::string> GrantedTiers(const Policy& p) {
  std::vector<std::string> out;
  for (const auto& [tier, tp] : p.tiers) out.push_back(privacy::TierName(tier));
  return out;
}

// requester id -> the tiers it holds
std::map<std::string, std::vector<std::string>> Requesters(const Policy& p) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& [id, r] : p.requesters)
    for (privacy::Tier t : r.tiers) out[id].push_back(privacy::TierName(t));
  return out;
}

// the rows as numpy columns (arm as codes into "arms" by first appearance, source as
// codes 0 organic / 1 injected, organisation -1 = none) and the pseudonyms as a list
py::dict TrajectoryColumns(std::vector<privacy::TrajectoryRow>&& rows) {
  const size_t n = rows.size();
  std::vector<int64_t> step(n), replicate(n), item(n), position(n), organisation(n);
  std::vector<int32_t> arm(n);
  std::vector<int8_t> source(n), clicked(n), dismissed(n);
  std::vector<std::string> arms;
  std::map<std::string, int32_t> arm_code;
  py::list user(n);
  for (size_t i = 0; i < n; ++i) {
    const privacy::TrajectoryRow& r = rows[i];
    auto it = arm_code.find(r.arm);
    if (it == arm_code.end()) {
      it = arm_code.emplace(r.arm, static_cast<int32_t>(arms.size())).first;
      arms.push_back(r.arm);
    }
    step[i] = r.step, arm[i] = it->second, replicate[i] = r.replicate, item[i] = r.item, position[i] = r.position;
    source[i] = r.injected ? 1 : 0, organisation[i] = r.organisation, clicked[i] = r.clicked ? 1 : 0;
    dismissed[i] = r.dismissed ? 1 : 0;
    user[i] = py::str(r.user);
  }
  py::dict out;
  out["step"] = Owned(std::move(step));
  out["arm"] = Owned(std::move(arm));
  out["replicate"] = Owned(std::move(replicate));
  out["user"] = user;
  out["item"] = Owned(std::move(item));
  out["position"] = Owned(std::move(position));
  out["source"] = Owned(std::move(source));
  out["organisation"] = Owned(std::move(organisation));
  out["clicked"] = Owned(std::move(clicked));
  out["dismissed"] = Owned(std::move(dismissed));
  py::dict res;
  res["columns"] = out;
  res["arms"] = arms;
  return res;
}
}  // namespace

void bind_privacy(py::module_& m) {
  py::class_<Policy, PolicyPtr>(m, "Policy", "A validated data-protection policy (privacy/policy.h)")
      .def_readonly("file", &Policy::file)
      .def_readonly("name", &Policy::name)
      .def_readonly("sha256", &Policy::sha256)
      .def_readonly("ledger", &Policy::ledger)
      .def_readonly("anchor", &Policy::anchor)
      .def_readonly("ledger_id", &Policy::ledger_id, "the ledger the policy is bound to ('' until its first release)")
      .def_property_readonly("tiers", &GrantedTiers)
      .def_property_readonly("requesters", &Requesters, "requester id -> the tiers it holds")
      .def(
          "requester",
          [](const Policy& p, const std::string& name, const std::string& tier) {
            return p.Requester(name, privacy::ParseTier(tier, "tier")).id;
          },
          py::arg("name"), py::arg("tier"),
          "The identity `name` (any spelling) stands for, if it holds `tier`; ScenarioError otherwise.");
  m.def(
      "normalise_requester", [](const std::string& name) { return privacy::NormaliseRequester(name, "requester"); },
      py::arg("name"), "The normalised form of a requester name (privacy/requester.h).");
  m.def(
      "load_policy", [](const std::string& path) { return std::make_shared<Policy>(privacy::LoadPolicy(path)); },
      py::arg("path"), "Loads and validates a policy file (InputError with every problem found).");
  m.attr("TIER_NAMES") = privacy::TierNames();
  m.attr("SOURCE_POLICIES") = std::string(COUNTERPOINT_SOURCE_POLICIES);

  py::class_<AccessSession, std::shared_ptr<AccessSession>>(m, "AccessSession",
                                                            "What a caller of one tier may read (privacy/session.h)")
      .def(py::init([](PolicyPtr policy, const std::string& tier, const std::string& requester) {
             return std::make_shared<AccessSession>(*policy, privacy::ParseTier(tier, "tier"), requester);
           }),
           py::arg("policy"), py::arg("tier"), py::arg("requester"))
      .def_property_readonly("tier", [](const AccessSession& s) { return std::string(privacy::TierName(s.tier())); })
      .def_property_readonly("requester", &AccessSession::requester)
      .def_property_readonly("policy", [](const AccessSession& s) { return std::make_shared<Policy>(s.policy()); })
      .def("require_raw_access", &AccessSession::RequireRawAccess, py::arg("what"),
           "Raises PermissionError unless the tier may read raw per-user data.")
      .def(
          "read_trajectory_columns",
          [](const AccessSession& s, const std::string& run_dir, const std::string& key_file) {
            std::vector<privacy::TrajectoryRow> rows;
            {
              py::gil_scoped_release release;
              rows = s.ReadTrajectories(run_dir, key_file);
            }
            return TrajectoryColumns(std::move(rows));
          },
          py::arg("run_dir"), py::arg("key_file"));

  m.def(
      "ledger",
      [](PolicyPtr policy, bool bind) {
        std::string state;
        {
          py::gil_scoped_release release;
          state = privacy::LedgerStateJson(privacy::InspectLedger(*policy, bind)).dump();
        }
        return state;
      },
      py::arg("policy"), py::arg("bind"),
      "The policy's budget ledger, verified, as JSON text (privacy/ledger_inspect.h); `bind` binds an unbound policy.");
  m.def(
      "release",
      [](PolicyPtr policy, const std::string& run_dir, const std::string& tier, const std::string& requester,
         double epsilon, double rho, const std::string& out, const std::string& key_file) {
        privacy::ReleaseRequest req;
        req.run_dir = run_dir;
        req.tier = privacy::ParseTier(tier, "tier");
        req.requester = requester;
        req.epsilon = epsilon;
        req.rho = rho;
        req.out = out;
        req.key_file = key_file;
        std::string manifest;
        {
          py::gil_scoped_release release;
          privacy::CsprngNoiseSource noise;
          manifest = privacy::Release(*policy, req, noise).manifest.dump();
        }
        return manifest;
      },
      py::arg("policy"), py::arg("run_dir"), py::arg("tier"), py::arg("requester"), py::arg("epsilon"), py::arg("rho"),
      py::arg("out"), py::arg("key_file"),
      "Runs the release gate; returns the manifest as JSON text (privacy/release.h).");
  m.def(
      "ingest",
      [](const std::string& logs, const std::string& key_file, const std::string& out_dir,
         const std::string& embeddings) {
        privacy::IngestResult res;
        {
          py::gil_scoped_release release;
          res = privacy::Ingest({logs, key_file, out_dir, embeddings});
        }
        py::dict d;
        d["rows"] = res.rows;
        d["users"] = res.users;
        d["dropped_columns"] = res.dropped_columns;
        d["calibrated"] = res.calibrated;
        return d;
      },
      py::arg("logs"), py::arg("key_file"), py::arg("out_dir"), py::arg("embeddings") = "");
}

}  // namespace counterpoint::python
