// The messages between the engine and dagrun-task-host, one JSON object per
// line over a socketpair (fd 3 in the host). The engine sends one request;
// the host answers with messages, waiting for a reply only to push and pull,
// and ends with a status (or a fatal message when the plugin could not run).
// Both ends are built together, so a version mismatch is an installation
// error; the version is still checked to say so clearly.
//
// Parameter values travel here and nowhere else: neither side logs messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/xcom.h"
#include "plugin/context.h"

namespace dagrun::protocol {

inline constexpr int kVersion = 1;
// The fd number of the protocol socket in the host.
inline constexpr int kHostFd = 3;
// The XCom rule (model/xcom.h) is enforced by both ends: the host before
// sending, the engine before storing.
using dagrun::kXComMaxBytes;
// Longer lines are a protocol error.
inline constexpr std::size_t kMaxLine = 1 << 20;

class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// engine -> host, the first line.
struct Request {
  int version = kVersion;
  std::string plugin_path;
  PluginContextData context;
  std::uint64_t memory_limit = 0;  // bytes, 0: none
  std::string memory_error;        // reported when the limit is hit
  std::uint64_t cpu_limit_seconds = 0;  // 0: none
};

// host -> engine.
struct Message {
  enum class Type { log, error, push, pull, status, fatal };
  Type type = Type::log;
  int level = 1;         // log: a dagrun_log_level
  std::string text;      // log, error, fatal
  std::string task_id;   // pull
  std::string key;       // push, pull
  std::string value;     // push: JSON text
  int status = 0;        // status: a dagrun_status
  bool no_retry = false; // fatal: a retry cannot help (plugin refused by the loader)
};

// engine -> host, the answer to a push or a pull.
struct Reply {
  std::string error;                 // push: empty when stored
  std::optional<std::string> value;  // pull: nullopt when nothing was pushed
};

// Each encode() returns one line, '\n' included. Invalid UTF-8 in strings is
// replaced rather than refused. decode_*() throw ProtocolError.
std::string encode(const Request& r);
std::string encode(const Message& m);
std::string encode(const Reply& r);
Request decode_request(std::string_view line);
Message decode_message(std::string_view line);
Reply decode_reply(std::string_view line);

// Splits a byte stream into lines.
class LineBuffer {
 public:
  void append(const char* data, std::size_t n) { buffer_.append(data, n); }
  // The next complete line without its '\n'. Throws ProtocolError when a
  // line grows past kMaxLine.
  std::optional<std::string> next();

 private:
  std::string buffer_;
  std::size_t scanned_ = 0;
};

}  // namespace dagrun::protocol
