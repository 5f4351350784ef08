#include "plugin/protocol.h"

#include <nlohmann/json.hpp>

namespace dagrun::protocol {
namespace {

using nlohmann::json;

std::string line_of(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  s += '\n';
  return s;
}

json parse(std::string_view line, const char* what) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ProtocolError(std::string("malformed ") + what);
  return j;
}

template <typename T>
T field(const json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const json::exception&) {
    throw ProtocolError(std::string("bad field '") + key + "'");
  }
}

constexpr std::pair<Message::Type, const char*> kTypeNames[] = {
    {Message::Type::log, "log"},   {Message::Type::error, "error"},   {Message::Type::push, "push"},
    {Message::Type::pull, "pull"}, {Message::Type::status, "status"}, {Message::Type::fatal, "fatal"},
};

}  // namespace

std::string encode(const Request& r) {
  json env = json::array();
  for (const auto& [k, v] : r.context.env) env.push_back({k, v});
  return line_of({{"v", r.version},
                  {"plugin", r.plugin_path},
                  {"dag_id", r.context.dag_id},
                  {"run_id", r.context.run_id},
                  {"task_id", r.context.task_id},
                  {"try", r.context.try_number},
                  {"params", r.context.params_json},
                  {"conf", r.context.conf_json},
                  {"data_dir", r.context.data_dir},
                  {"env", std::move(env)},
                  {"memory_limit", r.memory_limit},
                  {"memory_error", r.memory_error},
                  {"cpu_limit_s", r.cpu_limit_seconds}});
}

Request decode_request(std::string_view line) {
  json j = parse(line, "request");
  Request r;
  r.version = field<int>(j, "v", 0);
  if (r.version != kVersion)
    throw ProtocolError("protocol version " + std::to_string(r.version) + ", expected " +
                        std::to_string(kVersion) + " (the engine and the task host come from different builds)");
  r.plugin_path = field<std::string>(j, "plugin", "");
  r.context.dag_id = field<std::string>(j, "dag_id", "");
  r.context.run_id = field<std::string>(j, "run_id", "");
  r.context.task_id = field<std::string>(j, "task_id", "");
  r.context.try_number = field<int>(j, "try", 1);
  r.context.params_json = field<std::string>(j, "params", "null");
  r.context.conf_json = field<std::string>(j, "conf", "{}");
  r.context.data_dir = field<std::string>(j, "data_dir", "");
  r.context.env = field<std::vector<std::pair<std::string, std::string>>>(j, "env", {});
  r.memory_limit = field<std::uint64_t>(j, "memory_limit", 0);
  r.memory_error = field<std::string>(j, "memory_error", "");
  r.cpu_limit_seconds = field<std::uint64_t>(j, "cpu_limit_s", 0);
  return r;
}

std::string encode(const Message& m) {
  json j;
  for (const auto& [type, name] : kTypeNames)
    if (type == m.type) j["t"] = name;
  switch (m.type) {
    case Message::Type::log: j["level"] = m.level; j["msg"] = m.text; break;
    case Message::Type::error: j["msg"] = m.text; break;
    case Message::Type::push: j["key"] = m.key; j["value"] = m.value; break;
    case Message::Type::pull: j["task"] = m.task_id; j["key"] = m.key; break;
    case Message::Type::status: j["status"] = m.status; break;
    case Message::Type::fatal: j["msg"] = m.text; j["no_retry"] = m.no_retry; break;
  }
  return line_of(j);
}

Message decode_message(std::string_view line) {
  json j = parse(line, "message");
  Message m;
  auto type = field<std::string>(j, "t", "");
  bool known = false;
  for (const auto& [t, name] : kTypeNames)
    if (type == name) m.type = t, known = true;
  if (!known) throw ProtocolError("unknown message type '" + type + "'");
  m.level = field<int>(j, "level", 1);
  m.text = field<std::string>(j, "msg", "");
  m.task_id = field<std::string>(j, "task", "");
  m.key = field<std::string>(j, "key", "");
  m.value = field<std::string>(j, "value", "");
  m.status = field<int>(j, "status", 0);
  m.no_retry = field<bool>(j, "no_retry", false);
  return m;
}

std::string encode(const Reply& r) {
  json j = {{"error", r.error}};
  j["value"] = r.value ? json(*r.value) : json(nullptr);
  return line_of(j);
}

Reply decode_reply(std::string_view line) {
  json j = parse(line, "reply");
  Reply r;
  r.error = field<std::string>(j, "error", "");
  if (auto it = j.find("value"); it != j.end() && it->is_string()) r.value = it->get<std::string>();
  return r;
}

std::optional<std::string> LineBuffer::next() {
  auto nl = buffer_.find('\n', scanned_);
  if (nl == std::string::npos) {
    scanned_ = buffer_.size();
    if (buffer_.size() > kMaxLine) throw ProtocolError("message longer than " + std::to_string(kMaxLine) + " bytes");
    return std::nullopt;
  }
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  scanned_ = 0;
  return line;
}

}  // namespace dagrun::protocol
