#include "exec/docker/leftovers.h"

#include <charconv>

#include "exec/docker/create_body.h"
#include "exec/docker/docker_client.h"
#include "exec/docker/engine_identity.h"

namespace dagrun {
namespace {

using nlohmann::json;

std::string label_of(const json& listed, const char* key) {
  if (!listed.contains("Labels") || !listed["Labels"].is_object()) return {};
  const json& labels = listed["Labels"];
  return labels.contains(key) && labels[key].is_string() ? labels[key].get<std::string>() : std::string();
}

template <typename T>
std::optional<T> number(const std::string& text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool exited(const std::string& state) { return state == "exited" || state == "dead"; }

}  // namespace

bool is_leftover(const json& listed, std::optional<int> exit_code) {
  if (label_of(listed, label::managed) != "true") return false;
  EngineIdentity engine;
  engine.host = label_of(listed, label::engine_host);
  auto pid = number<pid_t>(label_of(listed, label::engine_pid));
  auto start = number<std::uint64_t>(label_of(listed, label::engine_start));
  // Unreadable labels: not ours to judge.
  if (engine.host.empty() || !pid || !start) return false;
  engine.pid = *pid;
  engine.start = *start;
  if (engine_alive(engine)) return false;

  std::string state = listed.value("State", "");
  if (state == "removing") return false;
  if (!exited(state)) return true;  // created, running, paused, restarting: its try never finished
  std::string mode = label_of(listed, label::auto_remove);
  if (mode == "force") return true;
  if (mode == "success") return exit_code && *exit_code == 0;
  return false;  // never: possibly kept on purpose
}

std::vector<Leftover> remove_leftovers(const DockerEndpoint& endpoint, const std::vector<std::string>& label_filters) {
  HttpSession session(endpoint);
  DockerClient client(session);
  const EngineIdentity& self = current_engine();
  json wanted = json::array({std::string(label::managed) + "=true", std::string(label::engine_host) + "=" + self.host});
  for (auto& f : label_filters) wanted.push_back(f);
  json filters = {{"label", wanted}};
  std::vector<Leftover> found;
  for (const json& listed : client.list(filters)) {
    std::string id = listed.value("Id", "");
    if (id.empty()) continue;
    std::optional<int> exit_code;
    if (exited(listed.value("State", "")) && label_of(listed, label::auto_remove) == "success") {
      try {
        auto state = client.inspect(id).value("State", json::object());
        if (state.contains("ExitCode") && state["ExitCode"].is_number_integer())
          exit_code = state["ExitCode"].get<int>();
      } catch (const DockerError&) {
        continue;  // gone meanwhile, or the daemon will not say: leave it
      }
    }
    if (!is_leftover(listed, exit_code)) continue;
    try {
      client.remove(id);
    } catch (const DockerError&) {
      continue;
    }
    found.push_back({id, label_of(listed, label::dag_id), label_of(listed, label::run_id),
                     label_of(listed, label::task_id), number<int>(label_of(listed, label::try_number)).value_or(0)});
  }
  return found;
}

}  // namespace dagrun
