// Reads the bot's .env file: KEY=VALUE lines as docker compose and python-dotenv
// write them, without variable expansion.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace dagrun::news {

struct EnvFile {
  std::map<std::string, std::string> values;  // a repeated key: the last one wins
  // One "NAME:LINE: problem" per bad line. Values are never quoted in them,
  // since a bad line may hold a secret.
  std::vector<std::string> errors;
};

// Parses the text of a .env file; `name` prefixes the error messages.
// Accepted: blank lines, `# comments`, an optional `export ` prefix, spaces
// around '=', unquoted values (an inline comment starts at " #"), 'single'
// quoted values taken literally, "double" quoted values with the escapes
// backslash-quote, \n, \t, \r and a doubled backslash. A quoted value must end
// on its line.
EnvFile parse_env(std::string_view text, std::string_view name);

}  // namespace dagrun::news
