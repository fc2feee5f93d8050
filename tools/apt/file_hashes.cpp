// File hashes with OpenSSL's libcrypto (EVP), which libtorrent and libcurl already bring in.
#include "file_hashes.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace donode::apt {
namespace {

struct CtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_MD_CTX, CtxFree>;

std::string hex(const unsigned char* data, unsigned size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

}  // namespace

bool hash_file(const std::string& path, FileHashes* hashes, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  const std::array<const EVP_MD*, 3> kinds{EVP_md5(), EVP_sha256(), EVP_sha512()};
  std::array<Ctx, 3> ctx;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    ctx[i].reset(EVP_MD_CTX_new());
    if (!ctx[i] || EVP_DigestInit_ex(ctx[i].get(), kinds[i], nullptr) != 1) {
      ::close(fd);
      *error = "cannot start a hash (libcrypto)";
      return false;
    }
  }
  std::vector<unsigned char> buffer(1 << 20);
  std::uint64_t size = 0;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      *error = "cannot read " + path + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (got == 0) break;
    size += static_cast<std::uint64_t>(got);
    for (auto& c : ctx) EVP_DigestUpdate(c.get(), buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  std::array<std::string*, 3> out{&hashes->md5, &hashes->sha256, &hashes->sha512};
  for (std::size_t i = 0; i < ctx.size(); ++i) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    if (EVP_DigestFinal_ex(ctx[i].get(), digest, &length) != 1) {
      *error = "cannot finish a hash (libcrypto)";
      return false;
    }
    *out[i] = hex(digest, length);
  }
  hashes->size = size;
  return true;
}

}  // namespace donode::apt
