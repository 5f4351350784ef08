#include <doctest/doctest.h>

#include <fstream>

#include "../exec/exec_test_support.h"
#include "exec/docker/env_file.h"

using namespace dagrun;
using namespace dagrun::testing;

namespace {

std::optional<std::string> engine_env(const std::string& name) {
  if (name == "FROM_ENGINE") return std::string("engine value");
  return std::nullopt;
}

std::string parse_error(std::string_view text) {
  try {
    parse_env_file(text, "vars.env", engine_env);
  } catch (const DockerConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("env_file lines are KEY=VALUE with the value taken verbatim") {
  auto env = parse_env_file(
      "A=1\n"
      "QUOTED=\"kept\"\n"
      "SPACES=  both ends  \n"
      "EQUALS=a=b=c\n"
      "EMPTY=\n"
      "DOLLAR=$HOME\n",
      "vars.env", engine_env);
  REQUIRE(env.size() == 6);
  CHECK(env[0] == std::pair<std::string, std::string>("A", "1"));
  CHECK(env[1].second == "\"kept\"");
  CHECK(env[2].second == "  both ends  ");
  CHECK(env[3] == std::pair<std::string, std::string>("EQUALS", "a=b=c"));
  CHECK(env[4] == std::pair<std::string, std::string>("EMPTY", ""));
  CHECK(env[5].second == "$HOME");
}

TEST_CASE("env_file skips comments and blank lines and trims leading whitespace only") {
  auto env = parse_env_file("\xEF\xBB\xBF# a comment\n\n   \n  INDENTED=x \r\n\t# indented comment\nB=#not a comment\n",
                            "vars.env", engine_env);
  REQUIRE(env.size() == 2);
  CHECK(env[0] == std::pair<std::string, std::string>("INDENTED", "x "));
  CHECK(env[1] == std::pair<std::string, std::string>("B", "#not a comment"));
}

TEST_CASE("a bare KEY in env_file takes the engine's value, or is dropped without one") {
  auto env = parse_env_file("FROM_ENGINE\nNOT_IN_ENGINE\nLAST=1", "vars.env", engine_env);
  REQUIRE(env.size() == 2);
  CHECK(env[0] == std::pair<std::string, std::string>("FROM_ENGINE", "engine value"));
  CHECK(env[1] == std::pair<std::string, std::string>("LAST", "1"));
}

TEST_CASE("env_file errors name the file and line, never the line's content") {
  CHECK(parse_error("OK=1\nBAD KEY=2\n") == "vars.env:2: the variable name before '=' contains whitespace");
  CHECK(parse_error("=value\n") == "vars.env:1: no variable name before '='");
  CHECK(parse_error("A=1\nB=\xff\xfe\n") == "vars.env:2: the line is not valid UTF-8");
  CHECK(parse_error("TRAILING \n") ==
        "vars.env:1: expected KEY=VALUE or a bare KEY; the line has whitespace and no '='");
  CHECK(parse_error("UTF8=caf\xc3\xa9\n").empty());
  // A secret pasted without its key, or with a space in it, stays out of the message.
  for (const char* line : {"sk-live secret-token-9f8e\n", "  hunter2 hunter3\n", "my token=sk-live-9f8e\n",
                           "\tprefix sk-live-9f8e\n"}) {
    const std::string error = parse_error(line);
    CHECK(error.rfind("vars.env:1: ", 0) == 0);
    CHECK(error.find("sk-live") == std::string::npos);
    CHECK(error.find("hunter") == std::string::npos);
    CHECK(error.find("token") == std::string::npos);
  }
}

TEST_CASE("read_env_file reads a file and says which one it could not read") {
  TempDir dir;
  const auto home = std::filesystem::canonical(dir.path());
  std::ofstream(home / "a.env") << "X=1\nFROM_ENGINE\n";
  auto env = read_env_file(home / "a.env", engine_env);
  REQUIRE(env.size() == 2);
  CHECK(env[1].second == "engine value");
  try {
    read_env_file(home / "missing.env", engine_env);
    FAIL("expected an error");
  } catch (const DockerConfigError& e) {
    CHECK(std::string(e.what()) ==
          "cannot read env_file " + (home / "missing.env").string() + ": No such file or directory");
  }
}

TEST_CASE("read_env_file follows no symbolic link, at any depth") {
  TempDir dir;
  const auto home = std::filesystem::canonical(dir.path());
  std::filesystem::create_directories(home / "real");
  std::ofstream(home / "real" / "a.env") << "X=1\n";
  std::ofstream(home / "secret") << "ROOT_PASSWORD=never-read\n";
  std::filesystem::create_directory_symlink("real", home / "dirlink");
  std::filesystem::create_symlink("../secret", home / "real" / "b.env");
  auto error = [&](const std::filesystem::path& p) -> std::string {
    try {
      read_env_file(p, engine_env);
    } catch (const DockerConfigError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(read_env_file(home / "real" / "a.env", engine_env).size() == 1);
  CHECK(error(home / "dirlink" / "a.env") ==
        "cannot read env_file " + (home / "dirlink" / "a.env").string() +
            ": dirlink is a symbolic link or not a directory");
  CHECK(error(home / "real" / "b.env") == "cannot read env_file " + (home / "real" / "b.env").string() +
                                                ": it is a symbolic link, which is never followed");
  CHECK(error(home / "real") == "cannot read env_file " + (home / "real").string() + ": not a regular file");
  CHECK(error("relative.env").find("not an absolute path") != std::string::npos);
}
