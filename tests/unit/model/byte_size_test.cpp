#include <doctest/doctest.h>

#include "model/byte_size.h"

using namespace dagrun;

TEST_CASE("byte sizes: decimal, binary and docker units") {
  CHECK(parse_byte_size("1024") == 1024u);
  CHECK(parse_byte_size("10B") == 10u);
  CHECK(parse_byte_size("100MB") == 100'000'000u);
  CHECK(parse_byte_size("2GB") == 2'000'000'000u);
  CHECK(parse_byte_size("1KB") == 1000u);
  CHECK(parse_byte_size("1KiB") == 1024u);
  CHECK(parse_byte_size("512MiB") == 512u * 1024 * 1024);
  CHECK(parse_byte_size("1GiB") == 1024u * 1024 * 1024);
  CHECK(parse_byte_size("1TiB") == 1024ull * 1024 * 1024 * 1024);
  CHECK(parse_byte_size("64k") == 64u * 1024);
  CHECK(parse_byte_size("64K") == 64u * 1024);
  CHECK(parse_byte_size("3m") == 3u * 1024 * 1024);
  CHECK(parse_byte_size("1g") == 1024u * 1024 * 1024);
  CHECK(parse_byte_size("512 MiB") == 512u * 1024 * 1024);
}

TEST_CASE("byte sizes: fractions round down to whole bytes") {
  CHECK(parse_byte_size("1.5GiB") == 1536u * 1024 * 1024);
  CHECK(parse_byte_size("0.25KiB") == 256u);
  CHECK(parse_byte_size("0.5KB") == 500u);
  CHECK(parse_byte_size("1.0001KiB") == 1024u);  // 0.1024 bytes more, rounded down
}

TEST_CASE("byte sizes explain what is wrong") {
  std::string why;
  CHECK_FALSE(parse_byte_size("", &why));
  CHECK(why == "expected a number such as 512MiB");
  CHECK_FALSE(parse_byte_size("-1", &why));
  CHECK(why == "expected a number such as 512MiB");
  CHECK_FALSE(parse_byte_size("1.", &why));
  CHECK(why == "expected digits after '.'");
  CHECK_FALSE(parse_byte_size("5mb", &why));
  CHECK(why == "unknown unit 'mb' (expected B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, k, m, g or t)");
  CHECK_FALSE(parse_byte_size("20000000TiB", &why));
  CHECK(why == "byte size is too large");
  CHECK_FALSE(parse_byte_size("99999999999999999999", &why));
  CHECK(why == "byte size is too large");
}

TEST_CASE("byte sizes format with the largest exact binary unit") {
  CHECK(format_byte_size(0) == "0B");
  CHECK(format_byte_size(1500) == "1500B");
  CHECK(format_byte_size(2048) == "2KiB");
  CHECK(format_byte_size(512ull * 1024 * 1024) == "512MiB");
  CHECK(format_byte_size(3ull << 40) == "3TiB");
  CHECK(parse_byte_size(format_byte_size(1536ull * 1024 * 1024)) == 1536ull * 1024 * 1024);
}
