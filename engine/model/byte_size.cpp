#include "model/byte_size.h"

#include <cmath>

namespace dagrun {
namespace {

constexpr std::uint64_t kKi = 1024;
constexpr std::uint64_t kK = 1000;

struct Unit {
  std::string_view name;
  std::uint64_t factor;
};

constexpr Unit kUnits[] = {
    {"", 1},
    {"B", 1},
    {"KB", kK},
    {"MB", kK * kK},
    {"GB", kK * kK * kK},
    {"TB", kK * kK * kK * kK},
    {"KiB", kKi},
    {"MiB", kKi * kKi},
    {"GiB", kKi * kKi * kKi},
    {"TiB", kKi * kKi * kKi * kKi},
    {"k", kKi},
    {"K", kKi},
    {"m", kKi * kKi},
    {"M", kKi * kKi},
    {"g", kKi * kKi * kKi},
    {"G", kKi * kKi * kKi},
    {"t", kKi * kKi * kKi * kKi},
    {"T", kKi * kKi * kKi * kKi},
};

std::nullopt_t fail(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return std::nullopt;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::string* error) {
  size_t pos = 0;
  std::uint64_t whole = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    std::uint64_t digit = static_cast<std::uint64_t>(text[pos] - '0');
    if (whole > (UINT64_MAX - digit) / 10) return fail(error, "byte size is too large");
    whole = whole * 10 + digit;
    ++pos;
  }
  if (pos == 0) return fail(error, "expected a number such as 512MiB");
  // The fraction is kept as digits so "0.5KiB" is exact rather than a double's guess.
  std::string_view fraction;
  if (pos < text.size() && text[pos] == '.') {
    size_t start = ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    fraction = text.substr(start, pos - start);
    if (fraction.empty()) return fail(error, "expected digits after '.'");
  }
  if (pos < text.size() && text[pos] == ' ') ++pos;
  std::string_view unit = text.substr(pos);
  const Unit* found = nullptr;
  for (const Unit& u : kUnits)
    if (u.name == unit) found = &u;
  if (!found)
    return fail(error, "unknown unit '" + std::string(unit) +
                           "' (expected B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, k, m, g or t)");
  if (whole > UINT64_MAX / found->factor) return fail(error, "byte size is too large");
  std::uint64_t bytes = whole * found->factor;
  // Six fraction digits are plenty and keep factor * numerator below 2^60.
  std::uint64_t numerator = 0, denominator = 1;
  for (char c : fraction.substr(0, 6)) {
    numerator = numerator * 10 + static_cast<std::uint64_t>(c - '0');
    denominator *= 10;
  }
  std::uint64_t extra = found->factor * numerator / denominator;
  if (bytes > UINT64_MAX - extra) return fail(error, "byte size is too large");
  return bytes + extra;
}

std::string format_byte_size(std::uint64_t bytes) {
  static constexpr Unit kBinary[] = {
      {"TiB", kKi * kKi * kKi * kKi}, {"GiB", kKi * kKi * kKi}, {"MiB", kKi * kKi}, {"KiB", kKi}};
  if (bytes != 0)
    for (const Unit& u : kBinary)
      if (bytes % u.factor == 0) return std::to_string(bytes / u.factor) + std::string(u.name);
  return std::to_string(bytes) + "B";
}

}  // namespace dagrun
