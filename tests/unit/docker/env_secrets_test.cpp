// Secrets of a container's environment never reach a message the engine writes.
#include <doctest/doctest.h>

#include "exec/docker/env_secrets.h"

using namespace dagrun;

TEST_CASE("every env_file value and every secret-like environment value is masked") {
  EnvSecrets s;
  s.add_env_file({{"PLAIN", "from-the-file"}, {"SHORT", "ab"}});
  s.add_environment({{"API_TOKEN", "tok-123456"}, {"db_password", "pa\"ss\\word"}, {"GREETING", "hello there"}});
  CHECK(s.mask("env PLAIN=from-the-file API_TOKEN=tok-123456") == "env PLAIN=*** API_TOKEN=***");
  // The daemon quotes the request's JSON: the escaped form is masked too.
  CHECK(s.mask(R"(invalid env "DB=pa\"ss\\word")") == R"(invalid env "DB=***")");
  CHECK(s.mask("pa\"ss\\word") == "***");
  CHECK(s.mask("hello there, ab") == "hello there, ab");  // not secret-like; too short
}

TEST_CASE("secret-like names") {
  for (const char* name : {"NAVER_CLIENT_SECRET", "SLACK_WEBHOOK_URL", "github_token", "DB_PASSWORD", "API_KEY",
                           "AWS_SECRET_ACCESS_KEY", "PRIVATE_KEY_PEM", "AUTH_HEADER"})
    CHECK(secret_like_name(name));
  for (const char* name : {"PATH", "HOME", "DAGRUN_TASK_ID", "NEWS_DATA_DIR"}) CHECK_FALSE(secret_like_name(name));
}
