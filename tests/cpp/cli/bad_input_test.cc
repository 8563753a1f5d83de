// The bad-input catalogue (tests/data/bad/cases.tsv): every malformed input makes the
// CLI exit with its documented code and a clear message, within a time limit and
// (outside sanitizer builds) an address-space limit: no crash, hang, unbounded
// allocation, raw exception text or silent acceptance.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "test_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define COUNTERPOINT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNTERPOINT_TEST_ASAN 1
#endif
#endif

namespace counterpoint {
namespace {

namespace fs = std::filesystem;
using testing::Contains;

constexpr int kTimeoutSeconds = 20;
constexpr rlim_t kAddressSpaceLimit = rlim_t{2} << 30;  // 2 GiB

struct BadCase {
  std::string name;
  int exit_code = 0;
  std::string fragment;
  std::vector<std::string> args;
  int line = 0;
};

std::string CaseDir() { return std::string(COUNTERPOINT_SOURCE_DIR) + "/tests/data/bad"; }

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

// name \t exit \t fragment \t arguments; '#' lines are comments, the first other line the header
std::vector<BadCase> ReadCases() {
  std::ifstream in(CaseDir() + "/cases.tsv");
  std::vector<BadCase> cases;
  std::string line;
  bool header = true;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (cols.size() == 3) cols.push_back("");  // no arguments
    EXPECT_EQ(cols.size(), 4u) << "cases.tsv:" << n << ": expected 4 tab-separated columns";
    if (cols.size() != 4) continue;
    BadCase c{cols[0], std::stoi(cols[1]), cols[2], {}, n};
    std::stringstream args(cols[3]);
    for (std::string a; args >> a;) c.args.push_back(a);
    cases.push_back(std::move(c));
  }
  return cases;
}

struct Outcome {
  int exit_code = -1;  ///< -1 when killed by a signal
  int signal = 0;
  bool timed_out = false;
  std::string output;
};

// runs the CLI in `dir` with `args`, stdout and stderr to one file; kills it after the timeout
Outcome RunCli(const std::vector<std::string>& args, const std::string& dir, const std::string& log) {
  Outcome out;
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(120);
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(121);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
#ifndef COUNTERPOINT_TEST_ASAN
    // unbounded allocation fails (bad_alloc) instead of exhausting the machine; ASan
    // reserves terabytes of shadow address space, so its builds skip this limit
    const rlimit limit{kAddressSpaceLimit, kAddressSpaceLimit};
    setrlimit(RLIMIT_AS, &limit);
#endif
    setenv("OMP_NUM_THREADS", "2", 1);
    std::vector<char*> argv;
    std::string cli = COUNTERPOINT_CLI;
    argv.push_back(cli.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(cli.c_str(), argv.data());
    _exit(122);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      out.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  std::ifstream in(log, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  out.output = s.str();
  return out;
}

// texts that mean a crash, a sanitizer report or an exception escaping as raw text
const char* const kForbidden[] = {"terminate called",
                                  "Aborted",
                                  "Segmentation fault",
                                  "AddressSanitizer",
                                  "LeakSanitizer",
                                  "runtime error:",
                                  "what():",
                                  "std::",
                                  "basic_string",
                                  "stoul",
                                  "stoll",
                                  "json.exception",
                                  "bad_alloc",
                                  "internal error",
                                  "Error in ",  // FAISS's raw exception text
                                  "yaml-cpp"};

TEST(BadInputTest, CatalogueHasAtLeastFortyCases) {
  const auto cases = ReadCases();
  EXPECT_GE(cases.size(), 40u);
  std::set<std::string> names;
  for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name).second) << "duplicate case name " << c.name;
}

TEST(BadInputTest, EveryCaseGivesItsExitCodeAndMessage) {
  const fs::path root = fs::temp_directory_path() / ("counterpoint_bad_input_" + std::to_string(getpid()));
  fs::remove_all(root);
  for (const BadCase& c : ReadCases()) {
    SCOPED_TRACE("cases.tsv:" + std::to_string(c.line) + ": " + c.name);
    const fs::path tmp = root / c.name;
    fs::create_directories(tmp);
    const std::string fifo = (tmp / "pipe").string();
    ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
    std::vector<std::string> args;
    for (const std::string& a : c.args) args.push_back(Replace(Replace(a, "{tmp}", tmp.string()), "{fifo}", fifo));
    const Outcome o = RunCli(args, CaseDir(), (root / (c.name + ".log")).string());
    // what the case wrote counts as output too (e.g. nulls in an audit JSON)
    std::string text = o.output;
    for (const auto& f : fs::recursive_directory_iterator(tmp))
      if (f.path().extension() == ".json") {
        std::ifstream in(f.path());
        text += std::string(std::istreambuf_iterator<char>(in), {});
      }
    const std::string fragment = Replace(c.fragment, "{tmp}", tmp.string());
    EXPECT_FALSE(o.timed_out) << "hang: still running after " << kTimeoutSeconds << " s\n" << o.output;
    EXPECT_EQ(o.signal, 0) << "killed by signal " << o.signal << " (crash or unbounded allocation)\n" << o.output;
    EXPECT_EQ(o.exit_code, c.exit_code) << o.output;
    EXPECT_TRUE(Contains(text, fragment)) << "expected the fragment: " << fragment << "\ngot:\n" << o.output;
    for (const char* bad : kForbidden)
      EXPECT_FALSE(Contains(o.output, bad)) << "raw text '" << bad << "':\n" << o.output;
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace counterpoint
