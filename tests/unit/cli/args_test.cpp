#include <doctest/doctest.h>

#include "cli/args.h"

using namespace dagrun::cli;

namespace {
const std::vector<FlagSpec> kSpecs{{"home", "DIR", ""}, {"json", "", ""}, {"limit", "N", ""}};
}

TEST_CASE("flags take values in both spellings, switches none, the rest are positionals") {
  ParsedArgs a = parse_args({"runs", "--home", "/h", "--limit=3", "--json", "etl"}, kSpecs);
  CHECK(a.value("home") == "/h");
  CHECK(a.value("limit") == "3");
  CHECK(a.has("json"));
  CHECK(a.positionals == std::vector<std::string>{"runs", "etl"});
  CHECK_FALSE(a.value("missing").has_value());
}

TEST_CASE("a double dash ends the flags") {
  ParsedArgs a = parse_args({"--", "--json"}, kSpecs);
  CHECK(a.positionals == std::vector<std::string>{"--json"});
  CHECK_FALSE(a.has("json"));
}

TEST_CASE("bad flags are usage errors that say what is wrong") {
  auto message = [](std::vector<std::string> args) {
    try {
      parse_args(args, kSpecs);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message({"--limt", "3"}) == "unknown option '--limt' (did you mean '--limit'?)");
  CHECK(message({"--json=yes"}) == "option '--json' takes no value");
  CHECK(message({"--home"}) == "option '--home' needs a value (DIR)");
  CHECK(message({"-x"}) == "unknown option '-x'");
}

TEST_CASE("a flag given again keeps every value in order, and value() the last") {
  const std::vector<FlagSpec> specs{{"param", "KEY=VALUE", ""}, {"json", "", ""}};
  ParsedArgs a = parse_args({"--param", "a=1", "--param=b=2", "--json", "--param", "a=3"}, specs);
  CHECK(a.values_of("param") == std::vector<std::string>{"a=1", "b=2", "a=3"});
  CHECK(a.value("param") == "a=3");
  CHECK(a.values_of("json").empty());
  CHECK(a.values_of("missing").empty());
}
