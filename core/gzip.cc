#include "core/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>

#include "core/error.h"

namespace counterpoint {

std::string GzipCompress(const std::string& data, int level) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer around the deflate stream
  if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&z, static_cast<uLong>(data.size())) + 32);
  // in pieces: z_stream counts in 32-bit uInt
  size_t in_done = 0, out_done = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    const size_t in_chunk = std::min<size_t>(data.size() - in_done, 1u << 30);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_done));
    z.avail_in = static_cast<uInt>(in_chunk);
    if (out.size() - out_done < (1u << 16)) out.resize(out.size() * 2);
    const size_t out_chunk = std::min<size_t>(out.size() - out_done, 1u << 30);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + out_done);
    z.avail_out = static_cast<uInt>(out_chunk);
    const bool last = in_done + in_chunk == data.size();
    rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&z);
      throw std::runtime_error("gzip: deflate failed");
    }
    in_done += in_chunk - z.avail_in;
    out_done += out_chunk - z.avail_out;
  }
  deflateEnd(&z);
  out.resize(out_done);
  return out;
}

bool IsGzip(const std::string& data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f && static_cast<unsigned char>(data[1]) == 0x8b;
}

std::string GzipDecompress(const std::string& data, const std::string& path) {
  std::string out;
  size_t in_done = 0;
  while (in_done < data.size()) {  // one member after another (cat a.gz b.gz is valid gzip)
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) throw std::runtime_error("gzip: inflateInit2 failed");
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      const size_t in_chunk = std::min<size_t>(data.size() - in_done, 1u << 30);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_done));
      z.avail_in = static_cast<uInt>(in_chunk);
      char buf[1 << 16];
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = inflate(&z, Z_NO_FLUSH);
      // Z_BUF_ERROR: no progress possible, the input ended inside the stream
      if (rc != Z_OK && rc != Z_STREAM_END) {
        const std::string why = rc == Z_BUF_ERROR ? "truncated gzip stream"
                                                  : "corrupt gzip stream (" + std::string(z.msg ? z.msg : "?") + ")";
        inflateEnd(&z);
        throw InputError(path, why + "; check the file with: gzip -t " + path);
      }
      in_done += in_chunk - z.avail_in;
      out.append(buf, sizeof buf - z.avail_out);
    }
    inflateEnd(&z);
  }
  return out;
}

LineReader::LineReader(const std::string& path) : path_(path) {
  file_ = gzopen(path.c_str(), "rb");
  if (!file_) throw InputError(path, "cannot open the file");
  gzbuffer(static_cast<gzFile>(file_), 1 << 17);
}

LineReader::~LineReader() {
  if (file_) gzclose(static_cast<gzFile>(file_));
}

bool LineReader::Next(std::string& line) {
  line.clear();
  char buf[4096];
  auto* f = static_cast<gzFile>(file_);
  while (gzgets(f, buf, sizeof buf)) {
    line += buf;
    if (!line.empty() && line.back() == '\n') {
      line.pop_back();
      ++line_;
      return true;
    }
  }
  int err = Z_OK;
  const char* what = gzerror(f, &err);
  if (err != Z_OK && err != Z_STREAM_END)
    throw InputError(path_, static_cast<int>(line_ + 1), 1,
                     std::string("corrupt or truncated gzip stream (") + what + "); write the file again");
  if (line.empty()) return false;
  ++line_;  // a last line without '\n'
  return true;
}

}  // namespace counterpoint
