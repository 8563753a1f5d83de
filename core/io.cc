#include "core/io.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace counterpoint {

void WriteFileAtomic(const std::string& path, const std::string& contents) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  std::error_code dir_error;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), dir_error);
  if (dir_error)
    throw InputError(path, "cannot create the directory " + target.parent_path().string() + ": " + dir_error.message());
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw InputError(path, std::string("cannot write: ") + std::strerror(errno));
    const size_t n = std::fwrite(contents.data(), 1, contents.size(), f);
    const bool ok = n == contents.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    std::fclose(f);
    if (!ok) {
      std::remove(tmp.c_str());
      throw InputError(path, "write failed (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, target, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError(path, "cannot rename temporary file into place: " + ec.message());
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open file (does it exist? check the path)");
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
  const std::string text = ReadFile(path);
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
  if (!NextRecord(text, pos, line, fields, path)) throw InputError(path, "empty CSV file (expected a header line)");
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
    if (used == s.size()) return v;
  } catch (const std::exception&) {
  }
  throw InputError(t.path, t.lines[row], col + 1, "column '" + t.header[col] + "': expected a number, got '" + s + "'");
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
  const std::string bytes = ReadFile(path);
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw InputError(path, "not a .npy file (missing the \\x93NUMPY magic); save with numpy.save");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    if (bytes.size() < 12) throw InputError(path, "truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  }
  if (offset + header_len > bytes.size()) throw InputError(path, "truncated .npy header");
  const std::string header = bytes.substr(offset, header_len);
  auto field = [&](const std::string& key) {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw InputError(path, ".npy header lacks '" + key + "'");
    return k + key.size() + 2;
  };
  // dtype
  size_t p = header.find('\'', field("descr")) + 1;
  const std::string descr = header.substr(p, header.find('\'', p) - p);
  int width;
  if (descr == "<f4")
    width = 4;
  else if (descr == "<f8")
    width = 8;
  else
    throw InputError(path, "dtype '" + descr + "' is not supported; convert with arr.astype('float32')");
  // order
  p = field("fortran_order");
  if (header.find("True", p) < header.find(',', p))
    throw InputError(path, "array is in Fortran order; save a C-ordered copy (numpy.ascontiguousarray)");
  // shape
  p = header.find('(', field("shape"));
  const size_t close = header.find(')', p);
  std::vector<int64_t> shape;
  std::string dims = header.substr(p + 1, close - p - 1);
  std::stringstream ss(dims);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos) continue;
    size_t used = 0;
    int64_t dim = -1;
    try {
      dim = std::stoll(item, &used);
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
  const size_t data_offset = offset + header_len;
  const size_t count = static_cast<size_t>(m.rows * m.cols);
  if (bytes.size() - data_offset < count * width)
    throw InputError(path, "file is truncated: header promises " + std::to_string(count) + " values");
  m.data.resize(count);
  const char* src = bytes.data() + data_offset;
  if (width == 4) {
    std::memcpy(m.data.data(), src, count * 4);
  } else {
    for (size_t i = 0; i < count; ++i) {
      double v;
      std::memcpy(&v, src + 8 * i, 8);
      m.data[i] = static_cast<float>(v);
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

}  // namespace counterpoint
