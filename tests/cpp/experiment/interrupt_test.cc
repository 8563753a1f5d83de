// Interrupting `counterpoint run`: SIGINT and SIGTERM write partial results, SIGKILL never
// leaves a directory that looks complete, and a killed checkpointed run resumes to the
// uninterrupted result. Children are real processes; the only timing is a hang guard.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "core/hash.h"
#include "core/io.h"
#include "test_util.h"

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::RunCommand;

constexpr auto kHangGuard = std::chrono::seconds(120);

std::string Cli() { return COUNTERPOINT_CLI; }
std::string ScenarioPath(const std::string& name) {
  return std::string(COUNTERPOINT_SOURCE_DIR) + "/scenarios/" + name;
}

fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("counterpoint_interrupt_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir;
}

// a small run writing every kind of output file
std::vector<std::string> RunArgs(const std::string& out, std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {Cli(),
                                "run",
                                ScenarioPath("hash_sharing.yaml"),
                                "--out",
                                out,
                                "--quiet",
                                "--threads",
                                "2",
                                "--set",
                                "catalog.n_items=1500",
                                "population.n_users=200",
                                "steps=6",
                                "replicates=2",
                                "index.factory=Flat",
                                "output.events=true",
                                "output.graph=true"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

std::string Join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += "'" + a + "' ";
  return s;
}

// a child process running argv, its stdout and stderr into one pipe we read
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
    fcntl(out_, F_SETFL, O_NONBLOCK);
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }
  void Signal(int sig) { kill(pid_, sig); }
  // reads what the child wrote so far
  const std::string& Drain() {
    char buf[4096];
    ssize_t n;
    while ((n = read(out_, buf, sizeof buf)) > 0) output_.append(buf, n);
    return output_;
  }
  // waits until `ready` holds (polling), false if the child ended first or the hang guard passed
  template <class F>
  bool WaitFor(F&& ready) {
    const auto until = std::chrono::steady_clock::now() + kHangGuard;
    while (std::chrono::steady_clock::now() < until) {
      Drain();
      if (ready()) return true;
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true, status_ = status;
        return ready();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
  // the wait status once the child ended (the hang guard kills it and fails)
  int Wait() {
    if (!reaped_ && !WaitFor([] { return false; }) && !reaped_) {
      ADD_FAILURE() << "child did not end within the hang guard; output:\n" << Drain();
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      reaped_ = true;
    }
    Drain();
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::string output_;
};

nlohmann::json ReadJson(const fs::path& p) { return nlohmann::json::parse(ReadFile(p.string())); }

void ExpectPartial(const fs::path& dir, const std::string& output, int status, int exit_code) {
  ASSERT_TRUE(WIFEXITED(status)) << output;
  EXPECT_EQ(WEXITSTATUS(status), exit_code) << output;
  EXPECT_TRUE(Contains(output, "PARTIAL")) << output;
  const nlohmann::json m = ReadJson(dir / "manifest.json");
  EXPECT_EQ(m["status"], "partial");
  EXPECT_TRUE(ReadJson(dir / "summary.json")["partial"].get<bool>());
  // what the manifest says was completed is what metrics.csv holds: one row per step done
  int64_t steps = 0;
  bool incomplete = false;
  for (const auto& run : m["completed"]) steps += run["steps"].get<int64_t>(), incomplete |= !run["complete"];
  const std::string metrics = ReadFile((dir / "metrics.csv").string());
  EXPECT_EQ(static_cast<int64_t>(std::count(metrics.begin(), metrics.end(), '\n')) - 1, steps);
  EXPECT_LT(steps, int64_t{100000} * 4 * 2);  // 100000 steps x 4 arms x 2 replicates: stopped early
  EXPECT_TRUE(incomplete);
}

TEST(InterruptTest, SigintAndSigtermWritePartialResults) {
  for (const auto& [sig, code] : std::map<int, int>{{SIGINT, 130}, {SIGTERM, 143}}) {
    const fs::path dir = TempDir("signal" + std::to_string(sig));
    // a long run (many steps): it is stopped once its first checkpoint shows it is stepping
    // (no event log: 100000 steps of it would not fit, and the run is refused before it starts)
    Child child(RunArgs(dir.string(), {"steps=100000", "output.events=false", "--checkpoint", "1"}));
    ASSERT_TRUE(child.WaitFor([&] { return fs::exists(dir / "checkpoint.bin"); })) << child.Drain();
    child.Signal(sig);
    const int status = child.Wait();
    const std::string out = child.Drain();
    EXPECT_TRUE(Contains(out, sig == SIGINT ? "stopped by SIGINT" : "stopped by SIGTERM")) << out;
    ExpectPartial(dir, out, status, code);
  }
}

// every file the manifest names exists with its SHA-256 and size
void ExpectConsistent(const fs::path& dir, const std::string& what) {
  const nlohmann::json m = ReadJson(dir / "manifest.json");
  ASSERT_FALSE(m["outputs"].empty()) << what;
  for (const auto& f : m["outputs"]) {
    const std::string path = (dir / f["path"].get<std::string>()).string();
    ASSERT_TRUE(fs::exists(path)) << what << ": " << path;
    EXPECT_FALSE(Contains(path, ".tmp")) << what;
    const FileDigest d = Sha256File(path);
    EXPECT_EQ(d.sha256, f["sha256"].get<std::string>()) << what << ": " << path;
    EXPECT_EQ(d.bytes, f["bytes"].get<int64_t>()) << what << ": " << path;
  }
}

TEST(InterruptTest, SigkillNeverLeavesADirectoryThatLooksComplete) {
  // an uninterrupted run measures how long one takes (to spread the kills over it) and
  // leaves a complete directory that each killed run then rewrites
  const fs::path dir = TempDir("sigkill");
  const auto t0 = std::chrono::steady_clock::now();
  {
    Child first(RunArgs(dir.string()));
    const int status = first.Wait();
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << first.Drain();
  }
  const double run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  ExpectConsistent(dir, "uninterrupted");
  std::mt19937_64 rng(20261123);
  int complete = 0, absent = 0;
  for (int trial = 0; trial < 8; ++trial) {
    // kill at a random moment of the run, biased to its end (where files are written)
    const double at = run_ms * std::pow(std::uniform_real_distribution<double>(0, 1)(rng), 0.3) * 1.1;
    Child child(RunArgs(dir.string()));
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(at * 1000)));
    child.Signal(SIGKILL);
    child.Wait();
    const std::string what = "killed after " + std::to_string(at) + " ms";
    if (!fs::exists(dir / "manifest.json")) {
      ++absent;
      continue;
    }
    // a manifest: then the directory is complete and consistent
    EXPECT_EQ(ReadJson(dir / "manifest.json")["status"], "complete") << what;
    ExpectConsistent(dir, what);
    ++complete;
  }
  std::cout << "SIGKILL trials: " << absent << " without a manifest, " << complete << " complete\n";
}

// the output files (checkpoint excluded), manifest and summary without their timing fields
std::map<std::string, std::string> Files(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename() != "checkpoint.bin")
      out[fs::relative(e.path(), dir).string()] = ReadFile(e.path().string());
  nlohmann::json m = nlohmann::json::parse(out.at("manifest.json"));
  for (const char* timing : {"finished_utc", "wall_seconds", "build_seconds", "timings", "threads"}) m.erase(timing);
  out["manifest.json"] = m.dump(1);
  return out;
}

TEST(InterruptTest, KilledCheckpointedRunResumesToTheUninterruptedResult) {
  const fs::path full = TempDir("full"), killed = TempDir("killed");
  const auto r = RunCommand(Join(RunArgs(full.string())));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(fs::exists(full / "checkpoint.bin"));  // a complete run keeps none
  {
    Child child(RunArgs(killed.string(), {"--checkpoint", "2"}));
    ASSERT_TRUE(child.WaitFor([&] { return fs::exists(killed / "checkpoint.bin"); })) << child.Drain();
    child.Signal(SIGKILL);
    child.Wait();
  }
  ASSERT_TRUE(fs::exists(killed / "checkpoint.bin"));
  EXPECT_FALSE(fs::exists(killed / "manifest.json"));
  // resumed without the scenario (the checkpoint's), with one thread
  const auto resumed = RunCommand(Cli() + " run --resume " + killed.string() + " --quiet --threads 1");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const auto a = Files(full), b = Files(killed);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, contents] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_TRUE(contents == b.at(name)) << name << " differs";
  }
  EXPECT_FALSE(fs::exists(killed / "checkpoint.bin"));
}

TEST(InterruptTest, ResumeErrorsAreInputErrors) {
  const fs::path dir = TempDir("resume_errors");
  fs::create_directories(dir);
  auto r = RunCommand(Cli() + " run --resume " + dir.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "no checkpoint here")) << r.output;
  WriteFileAtomic((dir / "checkpoint.bin").string(), "CPSTATE");
  r = RunCommand(Cli() + " run --resume " + dir.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "not a counterpoint checkpoint")) << r.output;
  r = RunCommand(Cli() + " run");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "give a scenario file")) << r.output;
}

TEST(InterruptTest, ResumeWithAnotherScenarioIsRefused) {
  const fs::path dir = TempDir("other");
  {
    // (no event log: 100000 steps of it would not fit, and the run is refused before it starts)
    Child child(RunArgs(dir.string(), {"steps=100000", "output.events=false", "--checkpoint", "1"}));
    ASSERT_TRUE(child.WaitFor([&] { return fs::exists(dir / "checkpoint.bin"); })) << child.Drain();
    child.Signal(SIGKILL);
    child.Wait();
  }
  // the scenario and overrides as given, but one step more
  auto args = RunArgs(dir.string(), {"steps=100001", "output.events=false"});
  args.erase(args.begin() + 3, args.begin() + 5);  // no --out: --resume names the directory
  args.insert(args.begin() + 2, {"--resume", dir.string()});
  const auto r = RunCommand(Join(args));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(Contains(r.output, "scenario hash")) << r.output;
}

}  // namespace
}  // namespace counterpoint
