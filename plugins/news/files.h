// Small filesystem helpers with the guarantees the stages rely on.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace dagrun::news {

// The whole file, or nullopt when it does not exist. Other errors throw
// StageError naming the path.
std::optional<std::string> read_file(const std::filesystem::path& path);

// Replaces path with content so that readers see the old or the new file,
// never a part: writes "<name>.tmp-<pid>.<n>" in the same directory, fsyncs it,
// renames it over path, fsyncs the directory. The temporary file is always a
// new one: a symbolic link planted under its name is removed, never followed.
// Throws StageError on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// The suffix write_file_atomic gives its temporary files (cleanup removes
// stale ones left by a crash).
inline constexpr std::string_view kTempMarker = ".tmp-";

// "strerror(errno)" for messages.
std::string errno_text(int err);

}  // namespace dagrun::news
