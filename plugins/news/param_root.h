// Where NEWS_DATA_DIR may point when the engine confines the DAG's params.
//
// In untrusted mode dagrun checks the params it knows (data_dir, env_file) but
// not what the bot reads from params.config or from an env file the DAG names,
// which a DAG author may have written. So the engine hands every plugin try
// DAGRUN_PARAM_ROOT, the DAG's data directory, and the bot keeps its files
// only there.
#pragma once

#include <filesystem>
#include <string>

namespace dagrun::news {

// Throws a config error (no retry) unless resolved (NEWS_DATA_DIR made
// absolute) lies lexically inside root or is root, and no existing path
// component below root is a symbolic link: the DAG's containers may write
// below root, and a link there could lead the bot's files anywhere. value and
// source (where the value came from) are for the message.
void require_inside_param_root(const std::string& value, const std::filesystem::path& resolved,
                               const std::string& source, const std::filesystem::path& root);

}  // namespace dagrun::news
