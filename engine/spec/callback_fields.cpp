#include "spec/callback_fields.h"

#include <array>

#include "base/suggest.h"
#include "model/limits.h"
#include "model/model.h"
#include "spec/task_fields.h"

namespace dagrun {
namespace {

constexpr std::array<std::string_view, 6> kActionKeys{"command", "plugin", "webhook", "timeout", "env", "params"};

// Why a webhook URL is refused, or empty. The URL goes to libcurl as it is:
// only http and https, nothing that could end the request line or a header.
std::string webhook_problem(const std::string& url) {
  if (url.size() > limits::kMaxWebhookUrlBytes)
    return "is " + std::to_string(url.size()) + " bytes; at most " + std::to_string(limits::kMaxWebhookUrlBytes) +
           " are allowed";
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return "must start with http:// or https://";
  for (unsigned char c : url)
    if (c <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
  const size_t host = url.find("://") + 3;
  if (host >= url.size() || url[host] == '/') return "has no host";
  return {};
}

std::optional<CallbackAction> read_action(const Json& v, const std::string& base, const Scope& owner,
                                          const LoadOptions& options, Problems& p) {
  const Scope here{base, -1, owner.task_id};
  if (!v.is_object()) {
    p.at_value(here, {}, "a callback must be an object with command, plugin or webhook, got " + describe(v));
    return std::nullopt;
  }
  auto task = std::make_shared<TaskSpec>();
  task->task_id = std::string(owner.task_id);
  CallbackAction action;
  const Json* kind = nullptr;
  std::string kind_name;
  bool ok = true;
  std::vector<std::string> argv;
  std::string plugin;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& name = it.key();
    const Json& value = it.value();
    if (name == "command" || name == "plugin" || name == "webhook") {
      if (kind) {
        p.at_key(here, name, "both '" + kind_name + "' and '" + name +
                                 "' given; a callback has exactly one of command, plugin or webhook");
        ok = false;
        continue;
      }
      kind = &value;
      kind_name = name;
      if (name == "command") read_command(value, here, argv, p);
      else if (name == "plugin") read_plugin(value, here, options, plugin, p);
      else if (auto url = read_string(value, here, name, p)) {
        if (std::string why = webhook_problem(*url); !why.empty()) {
          p.at_value(here, name, "webhook URL " + why);
          ok = false;
        } else {
          action.webhook = std::move(*url);
        }
      } else {
        ok = false;
      }
    } else if (name == "timeout") {
      auto d = read_duration(value, here, name, p);
      if (d && (*d <= Duration::zero() || *d > limits::kMaxCallbackTimeout)) {
        p.at_value(here, name, "timeout must be more than 0 and at most 1h");
        ok = false;
      } else if (d) {
        action.timeout = *d;
      } else {
        ok = false;
      }
    } else if (name == "env") {
      read_env(value, here, *task, p);
    } else if (name == "params") {
      task->params = nlohmann::json(value);
    } else {
      Suggester s(name);
      for (std::string_view k : kActionKeys) s.consider(k);
      p.at_key(here, name, "unknown key '" + name + "' in a callback" + did_you_mean(s.best()) +
                               "; a callback has command, plugin or webhook, and timeout, env, params");
      ok = false;
    }
  }
  if (!kind) {
    p.at_value(here, {}, "a callback needs one of 'command', 'plugin' or 'webhook'");
    return std::nullopt;
  }
  if (kind_name == "webhook") {
    for (std::string_view only : {"env", "params"})
      if (v.contains(only)) {
        p.at_key(here, only, "'" + std::string(only) + "' has no effect on a webhook (its body is the event)");
        ok = false;
      }
  } else if (kind_name == "command") {
    if (v.contains("params")) {
      p.at_key(here, "params", "'params' has no effect on a command callback; use env");
      ok = false;
    }
    if (argv.empty()) ok = false;
    task->action = CommandTask{std::move(argv), std::nullopt};
  } else {
    if (plugin.empty()) ok = false;
    // Always in a task host of its own: a callback never runs inside the engine.
    task->action = PluginTask{std::move(plugin), ProcessIsolation{}};
  }
  if (!ok) return std::nullopt;
  task->execution_timeout = action.timeout;
  if (kind_name != "webhook") action.task = std::move(task);
  return action;
}

}  // namespace

std::shared_ptr<const CallbackList> read_callback_list(const Json& v, const Scope& owner, std::string_view key,
                                                       const LoadOptions& options, Problems& problems, bool& ok) {
  ok = true;
  if (v.is_null()) return nullptr;
  const std::string base = owner.pointer(key);
  auto list = std::make_shared<CallbackList>();
  if (v.is_object()) {
    auto action = read_action(v, base, owner, options, problems);
    ok = action.has_value();
    if (ok) list->push_back(std::move(*action));
    return ok ? list : nullptr;
  }
  if (!v.is_array() || v.empty() || v.size() > limits::kMaxCallbacks) {
    problems.at_value(owner, key,
                      std::string(key) + " must be a callback object or a list of 1 to " +
                          std::to_string(limits::kMaxCallbacks) + " of them, got " +
                          (v.is_array() ? "a list of " + std::to_string(v.size()) : describe(v)));
    ok = false;
    return nullptr;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    auto action = read_action(v[i], base + '/' + std::to_string(i), owner, options, problems);
    if (action) list->push_back(std::move(*action));
    else ok = false;
  }
  return ok ? list : nullptr;
}

}  // namespace dagrun
