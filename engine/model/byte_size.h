// Byte sizes as DAG files and the command line write them: 1048576, "512MiB", "1GB", "64k".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dagrun {

// A number (fractions allowed: "1.5GiB") followed by an optional unit:
//   B; KB MB GB TB = 1000^n; KiB MiB GiB TiB = 1024^n; k m g t (either case) = 1024^n,
// the single letters as docker reads them. One space may separate number and unit.
// The result is rounded down to whole bytes. On failure returns nullopt and, when
// error is given, says why.
std::optional<std::uint64_t> parse_byte_size(std::string_view text, std::string* error = nullptr);

// "512MiB", "1GiB", "1500B": the largest binary unit that divides the size exactly.
std::string format_byte_size(std::uint64_t bytes);

}  // namespace dagrun
