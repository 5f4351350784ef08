// The openssl command, for tests that make throw-away CAs and certificates
// (the Docker client's and the proxy's TLS tests).
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "base/process.h"

namespace dagrun::testing {

// Runs `openssl ARGS...` in dir; the test fails when it does.
inline void openssl(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  SpawnSpec spec;
  spec.argv = {"openssl"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = dir;
  auto run = run_captured(spec, std::chrono::seconds(30));
  REQUIRE_MESSAGE(run.status.exit_code == 0, "openssl " << args.front() << " failed");
}

}  // namespace dagrun::testing
