#include "cli/number_flags.h"

#include <charconv>

namespace dagrun::cli {

int number_flag(const ParsedArgs& args, const std::string& flag, int min, int max, int fallback) {
  const std::optional<std::string> text = args.value(flag);
  if (!text) return fallback;
  long long n = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, n);
  if (ec == std::errc() && ptr == end && n >= min && n <= max) return static_cast<int>(n);
  const std::string what = min == 0   ? "a non-negative integer"
                           : min == 1 ? "a positive integer"
                                      : "an integer from " + std::to_string(min);
  throw UsageError("--" + flag + " must be " + what + " up to " + std::to_string(max) + ", not '" +
                   text->substr(0, 64) + "'");
}

}  // namespace dagrun::cli
