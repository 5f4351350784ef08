// Splitting a command line into words the way Python's shlex.split does, so a
// DockerOperator command string such as "python scripts/1_fetch_news.py" means
// here what it means in Airflow.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dagrun {

// POSIX-shell word splitting without any expansion: words are separated by
// spaces, tabs and newlines; single quotes keep everything literally; inside
// double quotes a backslash escapes only '"' and '\'; outside quotes it escapes
// any character. Nothing else is special: no variables, globs, comments or
// operators. On failure returns nullopt and, when error is given, says why
// ("no closing quotation", "no character after the final backslash").
std::optional<std::vector<std::string>> split_shell_words(std::string_view text,
                                                          std::string* error = nullptr);

}  // namespace dagrun
