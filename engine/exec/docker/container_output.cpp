#include "exec/docker/container_output.h"

#include <nlohmann/json.hpp>

namespace dagrun {
namespace {

constexpr std::size_t kTailLines = 3;
constexpr std::size_t kTailWidth = 160;

std::string_view without_cr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

ContainerOutput::ContainerOutput(TryLog& log, bool keep_all_stdout, const EnvSecrets* secrets)
    : log_(log),
      keep_all_(keep_all_stdout),
      secrets_(secrets),
      splitter_([this](OutputStream s, std::string_view line) { on_line(s, line); }) {}

void ContainerOutput::feed(std::string_view bytes) {
  splitter_.feed(bytes);
  flush();
}

void ContainerOutput::finish() {
  splitter_.finish();
  flush();
  if (splitter_.corrupt())
    log_.write_line(LogLevel::error, "the Docker daemon's output stream was not in the expected format; the rest "
                                     "of the container's output is missing");
}

void ContainerOutput::flush() {
  log_.append(pending_);
  pending_.clear();
}

void ContainerOutput::on_line(OutputStream stream, std::string_view raw) {
  // Masked before it is written or cut, so no part of a secret is left.
  const std::string masked = secrets_ ? secrets_->mask(raw) : std::string();
  const std::string_view line = secrets_ ? std::string_view(masked) : raw;
  if (stream == OutputStream::daemon) {
    flush();
    log_.write_line(LogLevel::error, "Docker daemon: " + std::string(line));
    return;
  }
  pending_.append(line);
  pending_ += '\n';
  if (stream == OutputStream::stdout_stream) {
    std::string_view value = without_cr(raw);
    if (keep_all_ || stdout_lines_.empty()) {
      stdout_lines_.emplace_back(value);
    } else {
      stdout_lines_.back().assign(value);
    }
  }
  std::string_view text = without_cr(line);
  if (text.find_first_not_of(" \t") == std::string_view::npos) return;
  if (tail_.size() == kTailLines) tail_.pop_front();
  tail_.emplace_back(text.size() > kTailWidth ? std::string(text.substr(0, kTailWidth)) + "..." : std::string(text));
}

std::optional<std::string> ContainerOutput::xcom_value() const {
  if (stdout_lines_.empty()) return std::nullopt;
  nlohmann::json value = keep_all_ ? nlohmann::json(stdout_lines_) : nlohmann::json(stdout_lines_.back());
  // Output is bytes, JSON is text: bytes that are not UTF-8 become U+FFFD.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace dagrun
