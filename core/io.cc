#include "core/io.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "core/gzip.h"
#include "core/text.h"

namespace counterpoint {

namespace {
// a missing file is FileNotFound (FileNotFoundError in Python); other failures InputError
[[noreturn]] void ThrowCannotRead(const std::string& path, const std::string& why) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw FileNotFound(path, why);
  throw InputError(path, why);
}
[[noreturn]] void ThrowCannotOpen(const std::string& path) {
  ThrowCannotRead(path, "cannot open file (does it exist? check the path)");
}
}  // namespace

StagedFiles::~StagedFiles() { Discard(); }

void StagedFiles::Discard() {
  for (const auto& [target, tmp] : staged_) std::remove(tmp.c_str());
  staged_.clear();
}

void StagedFiles::Write(const std::string& path, const std::string& contents) {
  Write(path, {std::string_view(contents)});
}

void StagedFiles::Write(const std::string& path, std::initializer_list<std::string_view> pieces) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code dir_error;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), dir_error);
  if (dir_error) {
    Discard();
    throw InputError(path, "cannot create the directory " + target.parent_path().string() + ": " + dir_error.message());
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  // a failed write (short write, ENOSPC, EDQUOT, EIO) removes this and every staged
  // temporary file; the targets are untouched until Commit
  auto fail = [&](int fd, const std::string& what, int err) {
    if (fd >= 0) ::close(fd);
    std::remove(tmp.c_str());
    Discard();
    throw InputError(path, what + " " + path + ": " + std::strerror(err) +
                               (err == ENOSPC || err == EDQUOT
                                    ? " (free some space or write elsewhere, e.g. --out; an earlier file there is kept)"
                                    : ""));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(-1, "cannot write", errno);
  for (const std::string_view contents : pieces)
    for (size_t done = 0; done < contents.size();) {
      const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(fd, "writing", n < 0 ? errno : ENOSPC);  // a write of 0 bytes: the device is full
      done += static_cast<size_t>(n);
    }
  if (::fsync(fd) != 0) fail(fd, "writing", errno);
  if (::close(fd) != 0) fail(-1, "writing", errno);
  staged_.emplace_back(path, tmp);
}

void StagedFiles::Commit() {
  namespace fs = std::filesystem;
  std::vector<std::string> dirs;
  for (size_t i = 0; i < staged_.size(); ++i) {
    const auto& [path, tmp] = staged_[i];
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
      for (size_t j = i; j < staged_.size(); ++j) std::remove(staged_[j].second.c_str());
      staged_.clear();
      throw InputError(path, "cannot rename temporary file into place: " + ec.message());
    }
    const fs::path target(path);
    const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  staged_.clear();
  // the renames are durable once the directories are synced (best effort)
  for (const std::string& dir : dirs) {
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }
}

void WriteFileAtomic(const std::string& path, const std::string& contents) {
  WriteFileAtomic(path, {std::string_view(contents)});
}

void WriteFileAtomic(const std::string& path, std::initializer_list<std::string_view> pieces) {
  StagedFiles files;
  files.Write(path, pieces);
  files.Commit();
}

std::string UnreadableFileReason(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return "no such file (check the path)";
  if (ec) return "cannot be read: " + ec.message();
  if (st.type() == fs::file_type::directory) return "is a directory, not a file";
  if (st.type() != fs::file_type::regular) return "is not a regular file (a FIFO, socket or device); give a file";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string("cannot be read: ") + std::strerror(errno);
  std::fclose(f);
  return "";
}

void CheckWritableDirectory(const std::string& dir, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string target = dir.empty() ? "." : dir;
  if (fs::exists(target, ec) && !fs::is_directory(target, ec))
    throw InputError(what, "'" + target + "' exists and is not a directory");
  fs::create_directories(target, ec);
  if (ec) throw InputError(what, "cannot create the directory '" + target + "': " + ec.message());
  const std::string probe = (fs::path(target) / (".counterpoint_probe." + std::to_string(::getpid()))).string();
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  if (!f) throw InputError(what, "cannot write in '" + target + "': " + std::strerror(errno));
  std::fclose(f);
  std::remove(probe.c_str());
}

std::string ReadFile(const std::string& path) {
  if (const std::string why = UnreadableFileReason(path); !why.empty()) ThrowCannotRead(path, why);
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowCannotOpen(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int CsvTable::Column(const std::string& name) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

int CsvTable::RequireColumn(const std::string& name) const {
  const int c = Column(name);
  if (c < 0) {
    std::string have;
    for (size_t i = 0; i < header.size(); ++i) have += (i ? ", " : "") + header[i];
    throw InputError(path, 1, 0, "missing column '" + name + "'; the header has: " + have);
  }
  return c;
}

namespace {

// splits one logical CSV record starting at `pos`; handles quotes and CRLF
bool NextRecord(const std::string& text, size_t& pos, int& line, std::vector<std::string>& fields,
                const std::string& path) {
  fields.clear();
  if (pos >= text.size()) return false;
  std::string field;
  bool quoted = false;
  const int start_line = line;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          field += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && pos < text.size() && text[pos] == '\n') ++pos;
      ++line;
      fields.push_back(std::move(field));
      return true;
    } else {
      field += c;
    }
  }
  if (quoted) throw InputError(path, start_line, 0, "unterminated quoted field");
  fields.push_back(std::move(field));
  ++line;
  return true;
}

}  // namespace

CsvTable ReadCsv(const std::string& path, char comment) {
  std::string text = ReadFile(path);
  if (IsGzip(text)) text = GzipDecompress(text, path);  // a .csv.gz (the event logs, compressed)
  CsvTable t;
  t.path = path;
  size_t pos = 0;
  int line = 1;
  // skip a UTF-8 byte-order mark
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
  // comment and blank lines before the header
  while (pos < text.size() && ((comment && text[pos] == comment) || text[pos] == '\n' || text[pos] == '\r')) {
    while (pos < text.size() && text[pos] != '\n') ++pos;
    ++pos;
    ++line;
  }
  std::vector<std::string> fields;
  // names and labels end up in CSV columns, JSON and terminals: bytes that are not text would be mojibake
  auto check_text = [&](int at_line) {
    for (size_t c = 0; c < fields.size(); ++c)
      if (const std::string bad = NotUtf8Message(fields[c]); !bad.empty())
        throw InputError(path, at_line, static_cast<int>(c) + 1, "field " + std::to_string(c + 1) + ": " + bad);
  };
  const int header_line = line;
  if (!NextRecord(text, pos, line, fields, path)) throw InputError(path, "empty CSV file (expected a header line)");
  check_text(header_line);
  t.header = fields;
  while (true) {
    const int row_line = line;
    if (pos < text.size() && comment && text[pos] == comment) {
      while (pos < text.size() && text[pos] != '\n') ++pos;
      ++pos;
      ++line;
      continue;
    }
    if (!NextRecord(text, pos, line, fields, path)) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    check_text(row_line);
    if (fields.size() != t.header.size())
      throw InputError(path, row_line, 0,
                       "expected " + std::to_string(t.header.size()) + " fields (as in the header), found " +
                           std::to_string(fields.size()));
    t.rows.push_back(fields);
    t.lines.push_back(row_line);
  }
  return t;
}

double CsvDouble(const CsvTable& t, size_t row, int col) {
  const std::string& s = t.rows[row][col];
  try {
    size_t used = 0;
    const double v = std::stod(s, &used);
    if (used == s.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  throw InputError(t.path, t.lines[row], col + 1,
                   "column '" + t.header[col] + "': expected a finite number, got '" + s + "'");
}

int64_t CsvInt(const CsvTable& t, size_t row, int col) {
  const std::string& s = t.rows[row][col];
  try {
    size_t used = 0;
    const long long v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  throw InputError(t.path, t.lines[row], col + 1,
                   "column '" + t.header[col] + "': expected an integer, got '" + s + "'");
}

NpyMatrix ReadNpy(const std::string& path) {
  // the header is read and checked first; the payload is allocated and read only
  // once its size is known to fit both int64 arithmetic and the file
  if (const std::string why = UnreadableFileReason(path); !why.empty()) ThrowCannotRead(path, why);
  std::ifstream in(path, std::ios::binary);
  if (!in) ThrowCannotOpen(path);
  in.seekg(0, std::ios::end);
  const int64_t file_size = static_cast<int64_t>(in.tellg());
  in.seekg(0, std::ios::beg);
  if (file_size < 0) throw InputError(path, "cannot determine the file size");
  auto read = [&](char* dst, int64_t n) { return n == 0 || (in.read(dst, n) && in.gcount() == n); };
  char prefix[12];
  if (file_size < 10 || !read(prefix, 10) || std::memcmp(prefix, "\x93NUMPY", 6) != 0)
    throw InputError(path, "not a .npy file (missing the \\x93NUMPY magic); save with numpy.save");
  const int major = static_cast<unsigned char>(prefix[6]);
  int64_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(prefix[8]) | (static_cast<unsigned char>(prefix[9]) << 8);
    offset = 10;
  } else {
    if (file_size < 12 || !read(prefix + 10, 2)) throw InputError(path, "truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i)
      header_len |= static_cast<int64_t>(static_cast<unsigned char>(prefix[8 + i])) << (8 * i);
    offset = 12;
  }
  if (header_len > file_size - offset) throw InputError(path, "truncated .npy header");
  std::string header(static_cast<size_t>(header_len), '\0');
  if (!read(header.data(), header_len)) throw InputError(path, "truncated .npy header");
  auto field = [&](const std::string& key) {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw InputError(path, ".npy header lacks '" + key + "'");
    // the value starts after the colon and any spaces
    size_t v = k + key.size() + 2;
    while (v < header.size() && (header[v] == ' ' || header[v] == ':')) ++v;
    return v;
  };
  // dtype
  const size_t q0 = field("descr");
  const size_t q1 = q0 < header.size() && header[q0] == '\'' ? header.find('\'', q0 + 1) : std::string::npos;
  if (q1 == std::string::npos) throw InputError(path, "malformed 'descr' in the .npy header; re-save with numpy.save");
  const std::string descr = header.substr(q0 + 1, q1 - q0 - 1);
  int width;
  if (descr == "<f4")
    width = 4;
  else if (descr == "<f8")
    width = 8;
  else
    throw InputError(path, "dtype '" + descr + "' is not supported; convert with arr.astype('float32')");
  // order
  size_t p = field("fortran_order");
  if (header.find("True", p) < header.find(',', p))
    throw InputError(path, "array is in Fortran order; save a C-ordered copy (numpy.ascontiguousarray)");
  // shape
  p = field("shape");
  const size_t close = p < header.size() && header[p] == '(' ? header.find(')', p) : std::string::npos;
  if (close == std::string::npos)
    throw InputError(path, "malformed 'shape' in the .npy header; re-save with numpy.save");
  std::vector<int64_t> shape;
  const std::string dims = header.substr(p + 1, close - p - 1);
  std::stringstream ss(dims);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    size_t used = 0;
    int64_t dim = -1;
    try {
      dim = std::stoll(item, &used);
    } catch (const std::out_of_range&) {
      throw InputError(path, "shape '(" + dims + ")' in the .npy header has a dimension beyond 2^63");
    } catch (const std::exception&) {
    }
    if (dim < 0 || item.find_first_not_of(" ", used) != std::string::npos)
      throw InputError(path, "malformed shape '(" + dims + ")' in the .npy header; re-save with numpy.save");
    shape.push_back(dim);
  }
  if (shape.empty() || shape.size() > 2)
    throw InputError(path, "expected a 1-D or 2-D array, got " + std::to_string(shape.size()) + " dimensions");
  NpyMatrix m;
  m.rows = shape[0];
  m.cols = shape.size() == 2 ? shape[1] : 1;
  // element count and byte size, each checked for int64 overflow, then against the file
  int64_t count = 0, payload = 0;
  if (__builtin_mul_overflow(m.rows, m.cols, &count) || __builtin_mul_overflow(count, int64_t{width}, &payload))
    throw InputError(path,
                     "shape '(" + dims + ")' in the .npy header is too large: its size in bytes overflows 64 bits");
  const int64_t available = file_size - offset - header_len;
  if (payload > available)
    throw InputError(path, "file is truncated: header promises " + std::to_string(count) + " values (" +
                               std::to_string(payload) + " bytes) but only " + std::to_string(available) +
                               " bytes follow the header");
  m.data.resize(static_cast<size_t>(count));
  if (width == 4) {
    if (!read(reinterpret_cast<char*>(m.data.data()), payload)) throw InputError(path, "read failed");
  } else {
    // float64, converted in chunks so the file is never held twice in memory
    std::vector<double> chunk(std::min<int64_t>(count, 1 << 16));
    for (int64_t done = 0; done < count;) {
      const int64_t n = std::min<int64_t>(count - done, static_cast<int64_t>(chunk.size()));
      if (!read(reinterpret_cast<char*>(chunk.data()), n * 8)) throw InputError(path, "read failed");
      for (int64_t i = 0; i < n; ++i) m.data[done + i] = static_cast<float>(chunk[i]);
      done += n;
    }
  }
  return m;
}

void WriteNpy(const std::string& path, const float* data, int64_t rows, int64_t cols) {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                       std::to_string(cols) + "), }";
  while ((10 + header.size() + 1) % 64) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(rows * cols) * 4);
  WriteFileAtomic(path, out);
}

std::string CsvNumber(double x) {
  if (std::isnan(x)) return "";
  std::ostringstream s;
  s.precision(9);
  s << x;
  return s.str();
}

}  // namespace counterpoint
