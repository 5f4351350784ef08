#include "model/ids.h"

#include <array>
#include <cstdint>
#include <cstdio>

#include "model/limits.h"

namespace dagrun {
namespace {

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

bool run_char(char c) { return key_char(c) || c == '~' || c == ':' || c == '+'; }

bool allowed(IdKind kind, char c) { return kind == IdKind::run ? run_char(c) : key_char(c); }

bool control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::string hex_byte(unsigned char c) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  return buf;
}

// FIPS 180-4 SHA-256. Only ids are hashed (at most a few hundred bytes), so
// clarity wins over speed; no crypto library is linked just for this.
class Sha256 {
 public:
  std::array<std::uint8_t, 32> digest(std::string_view data) {
    std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
    std::string msg(data);
    msg.push_back(static_cast<char>(0x80));
    while (msg.size() % 64 != 56) msg.push_back('\0');
    for (int i = 7; i >= 0; --i) msg.push_back(static_cast<char>((bits >> (i * 8)) & 0xff));
    for (std::size_t off = 0; off < msg.size(); off += 64)
      block(reinterpret_cast<const unsigned char*>(msg.data()) + off);
    std::array<std::uint8_t, 32> out{};
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 4; ++j) out[i * 4 + j] = static_cast<std::uint8_t>(h_[i] >> (24 - j * 8));
    return out;
  }

 private:
  static std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void block(const unsigned char* p) {
    static constexpr std::uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (std::uint32_t{p[i * 4]} << 24) | (std::uint32_t{p[i * 4 + 1]} << 16) |
             (std::uint32_t{p[i * 4 + 2]} << 8) | std::uint32_t{p[i * 4 + 3]};
    for (int i = 16; i < 64; ++i) {
      std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    h_[5] += f;
    h_[6] += g;
    h_[7] += h;
  }

  std::uint32_t h_[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                         0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
};

}  // namespace

std::string mapped_task_id(std::string_view task_id, int index) {
  return std::string(task_id) + '[' + std::to_string(index) + ']';
}

std::optional<MappedTaskId> parse_mapped_task_id(std::string_view id) {
  if (id.size() < 4 || id.back() != ']') return std::nullopt;
  const std::size_t open = id.rfind('[');
  if (open == std::string_view::npos || open == 0) return std::nullopt;
  const std::string_view digits = id.substr(open + 1, id.size() - open - 2);
  if (digits.empty() || digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  long index = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + (c - '0');
  }
  if (index >= static_cast<long>(limits::kMaxMapLength)) return std::nullopt;
  const std::string_view task = id.substr(0, open);
  if (id_problem(IdKind::task, task)) return std::nullopt;
  return MappedTaskId{task, static_cast<int>(index)};
}

std::optional<std::string> id_problem(IdKind kind, std::string_view id) {
  if (kind == IdKind::task_instance) {
    if (parse_mapped_task_id(id)) return std::nullopt;
    return id_problem(IdKind::task, id);
  }
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdLength) return "is longer than " + std::to_string(kMaxIdLength) + " bytes";
  if (id == "." || id == "..") return "must not be '" + std::string(id) + "': it names a directory";
  for (char c : id) {
    if (allowed(kind, c)) continue;
    if (control(static_cast<unsigned char>(c)))
      return quote_id(id) + " contains a control character (" + hex_byte(static_cast<unsigned char>(c)) + ")";
    return quote_id(id) + (kind == IdKind::run ? " may contain only letters, digits, '_', '-', '.', '~', ':' and '+'"
                                               : " may contain only letters, digits, '_', '-' and '.'");
  }
  return std::nullopt;
}

std::string quote_id(std::string_view id) {
  constexpr std::size_t kShown = 60;
  std::string out = "'";
  for (std::size_t i = 0; i < id.size() && i < kShown; ++i) {
    auto c = static_cast<unsigned char>(id[i]);
    if (control(c) || c >= 0x80 || c == '\\')
      out += hex_byte(c);
    else
      out += static_cast<char>(c);
  }
  out += "'";
  if (id.size() > kShown) out += "... (" + std::to_string(id.size()) + " bytes)";
  return out;
}

std::string printable_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    // U+0080 to U+009F, the C1 controls, are 0xC2 0x80 to 0xC2 0x9F in UTF-8.
    const bool c1 = c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(text[i + 1]) <= 0x9f;
    if (control(c)) {
      out += hex_byte(c);
    } else if (c1) {
      out += hex_byte(c) + hex_byte(static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : Sha256().digest(data)) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

std::string id_file_name(std::string_view id, std::size_t reserve) {
  constexpr std::size_t kHash = 24;
  const std::size_t room = reserve < kMaxFileName - kHash - 1 ? kMaxFileName - reserve : kHash + 1;
  // Valid ids of every kind use only run_char's set, which never holds '/',
  // '@', NUL or a control character.
  bool plain = !id.empty() && id.size() <= room && id != "." && id != "..";
  // '[' and ']' for a mapped task's instances (task_id[index]).
  for (char c : id) plain = plain && (run_char(c) || c == '[' || c == ']');
  if (plain) return std::string(id);
  std::string out;
  for (char c : id.substr(0, room - kHash - 1)) out.push_back(run_char(c) ? c : '_');
  return out + '@' + sha256_hex(id).substr(0, kHash);
}

std::string shorten_id(std::string_view id, std::size_t max) {
  constexpr std::size_t kHash = 12;
  if (id.size() <= max) return std::string(id);
  if (max <= kHash + 1) return sha256_hex(id).substr(0, max);
  return std::string(id.substr(0, max - kHash - 1)) + '~' + sha256_hex(id).substr(0, kHash);
}

}  // namespace dagrun
