#include "web/api.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/actions.h"
#include "app/backfill.h"
#include "app/dag_folder.h"
#include "app/history.h"
#include "app/history_json.h"
#include "app/pool_use.h"
#include "app/next_runs.h"
#include "base/unique_fd.h"
#include "model/ids.h"
#include "model/iso_time.h"
#include "model/limits.h"
#include "policy/mount_paths.h"
#include "web/metrics.h"
#include "web/ui.h"
#include "web/ui_assets.h"

namespace dagrun::web {
namespace {

using nlohmann::json;

// The most of a log one request returns; a client tails a longer one by offset.
constexpr std::size_t kMaxLogChunk = 1 << 20;
constexpr int kMaxListLimit = 1000;

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(2) + "\n";
  return r;
}

Response error(int status, const std::string& message) { return json_response(status, {{"error", message}}); }

// A failure that becomes an error response.
struct ApiError {
  int status;
  std::string message;
};

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) parts.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return parts;
}

std::unordered_map<std::string, std::string> parse_query(std::string_view query) {
  std::unordered_map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view pair = query.substr(pos, amp - pos);
    const size_t eq = pair.find('=');
    std::string plus_free(eq == std::string_view::npos ? pair : pair.substr(eq + 1));
    std::replace(plus_free.begin(), plus_free.end(), '+', ' ');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(plus_free);
    if (!key || !value) throw ApiError{400, "malformed query string"};
    if (!key->empty()) out[*key] = *value;
    if (amp == query.size()) break;
    pos = amp + 1;
  }
  return out;
}

// A path segment that must be an id of this kind.
// A backfill's id in a path: a positive number.
std::int64_t backfill_segment(const std::string& raw) {
  std::int64_t id = 0;
  auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), id);
  if (ec != std::errc() || ptr != raw.data() + raw.size() || id < 1)
    throw ApiError{400, "a backfill id is a positive number"};
  return id;
}

std::string id_segment(const std::string& raw, IdKind kind) {
  std::optional<std::string> id = percent_decode(raw);
  if (!id) throw ApiError{400, "malformed escape in the path"};
  if (auto problem = id_problem(kind, *id)) {
    const char* name = kind == IdKind::dag ? "dag_id" : kind == IdKind::run ? "run_id" : "task_id";
    throw ApiError{400, std::string(name) + " " + quote_id(*id) + " is not valid: " + *problem};
  }
  return *id;
}

long long number_param(const std::unordered_map<std::string, std::string>& q, const std::string& name,
                       long long fallback, long long min, long long max) {
  auto it = q.find(name);
  if (it == q.end()) return fallback;
  long long v = 0;
  const char* end = it->second.data() + it->second.size();
  auto [ptr, ec] = std::from_chars(it->second.data(), end, v);
  if (ec != std::errc() || ptr != end || v < min || v > max)
    throw ApiError{400, name + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max)};
  return v;
}

std::optional<TimePoint> time_param(const std::unordered_map<std::string, std::string>& q, const std::string& name) {
  auto it = q.find(name);
  if (it == q.end()) return std::nullopt;
  std::optional<TimePoint> t = parse_iso8601(it->second);
  if (!t) throw ApiError{400, name + " must be an ISO 8601 time such as 2026-12-05T10:00:00Z"};
  return t;
}

bool is_loopback_host(std::string_view host) {
  // Host is "name[:port]" or "[v6]:port".
  std::string_view name = host;
  if (!name.empty() && name.front() == '[') {
    name = name.substr(0, name.find(']') + 1);
  } else if (size_t colon = name.rfind(':'); colon != std::string_view::npos) {
    name = name.substr(0, colon);
  }
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

std::string lower_media_type(std::string v) {
  v = v.substr(0, v.find(';'));
  v.erase(std::remove_if(v.begin(), v.end(), [](char c) { return c == ' ' || c == '\t'; }), v.end());
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return v;
}

// A clear names at most this many tasks (a DAG holds at most 500,000; the
// body's 1 MiB limit bounds the rest).
constexpr size_t kMaxTaskIdsPerClear = 100000;

class Call {
 public:
  Call(const ApiOptions& options, const Request& request) : options_(options), request_(request) {}

  // The route table's match for the request, its handler called with the
  // path's ids checked; 404 when no pattern fits, 405 when one fits but not
  // for this method.
  Response route() {
    const std::vector<std::string> segments = split_path(request_.path);
    std::string allowed;
    for (const Route& r : routes()) {
      const std::vector<std::string> pattern = split_path(r.pattern);
      if (pattern.size() != segments.size()) continue;
      bool fits = true;
      for (size_t i = 0; i < pattern.size() && fits; ++i)
        fits = pattern[i].front() == '{' || pattern[i] == segments[i];
      if (!fits || (r.handler == &Call::events && !options_.events)) continue;
      if (r.method != request_.method) {
        allowed += (allowed.empty() ? "" : ", ") + std::string(r.method);
        continue;
      }
      Params params;
      for (size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == "{dag_id}") params.dag_id = id_segment(segments[i], IdKind::dag);
        else if (pattern[i] == "{run_id}") params.run_id = id_segment(segments[i], IdKind::run);
        else if (pattern[i] == "{backfill_id}") params.backfill_id = backfill_segment(segments[i]);
        else if (pattern[i] == "{task_id}") params.task_id = id_segment(segments[i], IdKind::task_instance);
      }
      return (this->*r.handler)(params);
    }
    if (!allowed.empty())
      throw ApiError{405, "method " + request_.method + " is not allowed here; allowed: " + allowed};
    throw ApiError{404, "no such resource"};
  }

  struct Params {
    std::string dag_id, run_id, task_id;
    std::int64_t backfill_id = 0;
  };
  using Handler = Response (Call::*)(const Params&) const;
  struct Route {
    std::string_view method;
    std::string_view pattern;  // "{dag_id}", "{run_id}", "{task_id}" match a checked id
    Handler handler;
  };
  // Every operation of the API, as docs/openapi.json lists them (a unit test
  // compares the two).
  static const std::vector<Route>& routes() {
    static const std::vector<Route> table{
        {"GET", "/healthz", &Call::health},
        {"GET", "/metrics", &Call::metrics},
        {"GET", "/api/v1/openapi.json", &Call::openapi},
        {"GET", "/api/v1/dags", &Call::list_dags},
        {"GET", "/api/v1/dags/{dag_id}", &Call::get_dag},
        {"GET", "/api/v1/dags/{dag_id}/source", &Call::dag_source},
        {"GET", "/api/v1/dags/{dag_id}/runs", &Call::list_runs},
        {"POST", "/api/v1/dags/{dag_id}/runs", &Call::trigger},
        {"POST", "/api/v1/dags/{dag_id}/pause", &Call::pause},
        {"POST", "/api/v1/dags/{dag_id}/unpause", &Call::unpause},
        {"POST", "/api/v1/dags/{dag_id}/backfill", &Call::backfill},
        {"GET", "/api/v1/runs/{run_id}", &Call::get_run},
        {"GET", "/api/v1/runs/{run_id}/tries", &Call::list_tries},
        {"GET", "/api/v1/runs/{run_id}/xcoms", &Call::list_xcoms},
        {"GET", "/api/v1/runs/{run_id}/callbacks", &Call::list_callbacks},
        {"GET", "/api/v1/runs/{run_id}/tasks/{task_id}/log", &Call::log},
        {"POST", "/api/v1/runs/{run_id}/clear", &Call::clear},
        {"POST", "/api/v1/runs/{run_id}/cancel", &Call::cancel},
        {"GET", "/api/v1/pools", &Call::list_pools},
        {"GET", "/api/v1/backfills", &Call::list_backfills},
        {"GET", "/api/v1/backfills/{backfill_id}", &Call::get_backfill},
        {"POST", "/api/v1/backfills/{backfill_id}/pause", &Call::pause_backfill},
        {"POST", "/api/v1/backfills/{backfill_id}/unpause", &Call::unpause_backfill},
        {"POST", "/api/v1/backfills/{backfill_id}/cancel", &Call::cancel_backfill},
        {"GET", "/api/v1/events", &Call::events},
    };
    return table;
  }


 private:


  // The configuration's diagnostics in the 500's message.
  static ApiError config_error(const app::InvalidEngineConfig& e) {
    std::string message = e.what();
    for (const Diagnostic& d : e.diagnostics()) message += "\n" + d.to_string();
    return ApiError{500, message};
  }

  std::unique_ptr<Store> history() const { return app::open_history(options_.home, false); }

  std::vector<LoadResult> dags() const {
    const PluginCatalog plugins = app::discover_plugins(options_.home);
    try {
      return app::load_dags(options_.home, plugins);
    } catch (const app::InvalidEngineConfig& e) {
      throw config_error(e);
    }
  }

  static json dag_json(const LoadResult& r, const std::unordered_map<std::string, bool>& paused) {
    json out{{"dag_id", r.dag_id}, {"file", std::filesystem::path(r.file).filename().string()}, {"valid", r.ok()}};
    auto it = paused.find(r.dag_id);
    out["paused"] = it != paused.end() && it->second;
    if (!r.ok()) {
      json errors = json::array();
      for (const Diagnostic& d : r.diagnostics) errors.push_back(d.to_string());
      out["errors"] = errors;
      return out;
    }
    const Dag& d = *r.dag;
    out["description"] = d.description;
    out["schedule"] = d.schedule ? json(d.schedule->text()) : json(nullptr);
    out["timezone"] = d.timezone.name();
    out["tags"] = d.tags;
    out["task_count"] = d.tasks.size();
    return out;
  }

  std::unordered_map<std::string, bool> paused_map() const {
    std::unordered_map<std::string, bool> out;
    if (auto store = history())
      for (const DagRecord& d : store->list_dags()) out[d.dag_id] = d.is_paused;
    return out;
  }

  static json interval_json(const DataInterval& i, TimePoint now) {
    return {{"data_interval_start", format_iso8601(i.start)},
            {"data_interval_end", format_iso8601(i.end)},
            {"due_now", i.end <= now}};
  }

  // The DAG's next `count` scheduled runs (none without a schedule).
  json next_runs_json(const LoadResult& r, const Store* store, int count) const {
    json out = json::array();
    if (!r.ok()) return out;
    const TimePoint now = std::chrono::system_clock::now();
    for (const DataInterval& i : app::next_runs(*r.dag, store, now, count).intervals)
      out.push_back(interval_json(i, now));
    return out;
  }

  Response health(const Params&) const {
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "ok\n";
    return r;
  }

  Response list_dags(const Params&) const {
    const auto paused = paused_map();
    auto store = history();
    json out = json::array();
    for (const LoadResult& r : dags()) {
      json d = dag_json(r, paused);
      if (r.ok()) {
        json next = next_runs_json(r, store.get(), 1);
        d["next_run"] = next.empty() ? json(nullptr) : next[0];
      }
      out.push_back(std::move(d));
    }
    return json_response(200, out);
  }

  // The DAG file as written, for reading next to the DAG's pages.
  Response dag_source(const Params& params) const {
    const std::string& dag_id = params.dag_id;
    const std::vector<LoadResult> all = dags();
    const LoadResult& r = find_dag(all, dag_id);
    // The loader read it under the same bound; a file swapped since is checked again.
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(r.file, ec);
    if (ec) throw ApiError{404, "the file of DAG " + quote_id(dag_id) + " cannot be read"};
    if (size > limits::kMaxFileBytes) throw ApiError{500, "the file of DAG " + quote_id(dag_id) + " is too large"};
    std::ifstream in(r.file, std::ios::binary);
    std::string text(static_cast<size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    Response resp;
    // As text: an invalid DAG's file is shown too, and is not JSON.
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = std::move(text);
    return resp;
  }

  Response list_xcoms(const Params& params) const {
    const std::string& run_id = params.run_id;
    auto store = history();
    if (!store || !store->get_run(run_id)) throw ApiError{404, "no run " + quote_id(run_id)};
    json out = json::array();
    for (const XComRecord& x : store->list_xcoms(run_id))
      out.push_back({{"task_id", x.task_id}, {"key", x.key}, {"value", json::parse(x.value_json, nullptr, false)}});
    return json_response(200, out);
  }

  Response list_callbacks(const Params& params) const {
    const std::string& run_id = params.run_id;
    auto store = history();
    if (!store || !store->get_run(run_id)) throw ApiError{404, "no run " + quote_id(run_id)};
    json out = json::array();
    for (const CallbackRecord& c : store->list_callbacks(run_id)) out.push_back(app::callback_json(c));
    return json_response(200, out);
  }

  Response list_backfills(const Params&) const {
    const auto q = parse_query(request_.query);
    std::optional<std::string> dag_id;
    if (auto it = q.find("dag_id"); it != q.end()) {
      if (auto problem = id_problem(IdKind::dag, it->second)) throw ApiError{400, "dag_id: " + *problem};
      dag_id = it->second;
    }
    json out = json::array();
    if (auto store = history())
      for (const BackfillRecord& b : store->list_backfills(dag_id))
        out.push_back(app::backfill_json(b, store->backfill_run_counts(b.id)));
    return json_response(200, out);
  }

  Response get_backfill(const Params& params) const {
    auto store = history();
    auto b = store ? store->get_backfill(params.backfill_id) : std::nullopt;
    if (!b) throw ApiError{404, "no backfill " + std::to_string(params.backfill_id)};
    return json_response(200, app::backfill_json(*b, store->backfill_run_counts(b->id)));
  }

  Response pause_backfill(const Params& params) const { return set_backfill_paused(params.backfill_id, true); }
  Response unpause_backfill(const Params& params) const { return set_backfill_paused(params.backfill_id, false); }

  Response set_backfill_paused(std::int64_t id, bool paused) const {
    body_object();  // the same defence against cross-site forms as every action
    auto store = app::open_history(options_.home, true);
    const BackfillRecord b = app::pause_backfill(options_.home, *store, id, paused);
    return json_response(200, app::backfill_json(b, store->backfill_run_counts(id)));
  }

  // Its queued runs fail, its running ones are asked to stop (202, as a run's cancel).
  Response cancel_backfill(const Params& params) const {
    body_object();
    const std::int64_t id = params.backfill_id;
    auto store = app::open_history(options_.home, true);
    app::cancel_backfill(*store, id, "backfill " + std::to_string(id) + " cancelled through the web API");
    return json_response(202, app::backfill_json(*store->get_backfill(id), store->backfill_run_counts(id)));
  }

  Response list_pools(const Params&) const {
    EngineConfig config;
    try {
      config = app::read_engine_config(options_.home);
    } catch (const app::InvalidEngineConfig& e) {
      throw config_error(e);
    }
    auto store = history();
    const std::vector<PoolSlotRecord> slots = store ? store->list_pool_slots() : std::vector<PoolSlotRecord>{};
    json out = json::array();
    for (const app::PoolUse& p : app::pool_use(config.pools, slots, std::chrono::system_clock::now()))
      out.push_back(app::pool_use_json(p));
    return json_response(200, out);
  }

  const LoadResult& find_dag(const std::vector<LoadResult>& all, const std::string& dag_id) const {
    for (const LoadResult& r : all)
      if (r.dag_id == dag_id) return r;
    throw ApiError{404, "no DAG " + quote_id(dag_id)};
  }

  Response get_dag(const Params& params) const {
    const std::string& dag_id = params.dag_id;
    const std::vector<LoadResult> all = dags();
    const LoadResult& r = find_dag(all, dag_id);
    json out = dag_json(r, paused_map());
    if (r.ok()) {
      auto store = history();
      json next = next_runs_json(r, store.get(), 5);
      // A superset of the list's entry: next_run too, so a client reads one field.
      out["next_run"] = next.empty() ? json(nullptr) : next[0];
      out["next_runs"] = std::move(next);
      json tasks = json::array();
      for (const TaskSpec& t : r.dag->tasks)
        tasks.push_back({{"task_id", t.task_id}, {"kind", to_string(t.kind())}, {"upstream", r.dag->upstream_ids(t)}});
      out["tasks"] = tasks;
    }
    return json_response(200, out);
  }

  // Newest first, a page at a time: "next" is the cursor of the following
  // page (the last run's id), null on the last page.
  Response list_runs(const Params& params) const {
    const std::string& dag_id = params.dag_id;
    const auto q = parse_query(request_.query);
    RunFilter filter;
    filter.dag_id = dag_id;
    filter.limit = static_cast<int>(number_param(q, "limit", 50, 1, kMaxListLimit));
    if (auto it = q.find("state"); it != q.end()) {
      filter.state = parse_run_state(it->second);
      if (!filter.state) throw ApiError{400, "state must be queued, running, success or failed"};
    }
    filter.since = time_param(q, "since");
    filter.until = time_param(q, "until");
    auto store = history();
    if (auto it = q.find("cursor"); it != q.end()) {
      if (auto problem = id_problem(IdKind::run, it->second))
        throw ApiError{400, "cursor " + quote_id(it->second) + " is not valid: " + *problem};
      if (!store || !store->get_run(it->second))
        throw ApiError{400, "cursor " + quote_id(it->second) + " names no run (deleted since?); start again"};
      filter.after_run = it->second;
    }
    json runs = json::array();
    std::vector<RunRecord> found;
    if (store) found = store->list_runs(filter);
    for (const RunRecord& r : found) runs.push_back(app::run_json(r));
    const bool full = static_cast<int>(found.size()) == filter.limit;
    return json_response(200, {{"runs", runs}, {"next", full ? json(found.back().run_id) : json(nullptr)}});
  }

  Response get_run(const Params& params) const {
    const std::string& run_id = params.run_id;
    auto store = history();
    auto run = store ? store->get_run(run_id) : std::nullopt;
    if (!run) throw ApiError{404, "no run " + quote_id(run_id)};
    return json_response(200, app::run_json(*run));
  }

  Response list_tries(const Params& params) const {
    const std::string& run_id = params.run_id;
    auto store = history();
    auto run = store ? store->get_run(run_id) : std::nullopt;
    if (!run) throw ApiError{404, "no run " + quote_id(run_id)};
    json out = json::array();
    for (const TryRecord& t : app::task_rows(store->list_task_instances(run_id), store->list_tries(run_id)))
      out.push_back(app::try_json(t));
    return json_response(200, out);
  }

  // A try's log from a byte offset, at most kMaxLogChunk bytes: a client
  // tails a running try by asking again from X-Log-Next-Offset.
  Response log(const Params& params) const {
    const std::string& run_id = params.run_id;
    const std::string& task_id = params.task_id;
    const auto q = parse_query(request_.query);
    std::optional<int> try_number;
    if (q.count("try")) try_number = static_cast<int>(number_param(q, "try", 0, 1, 1000000));
    const long long offset = number_param(q, "offset", 0, 0, (1LL << 53));
    auto store = history();
    auto attempt = store ? store->get_try(run_id, task_id, try_number) : std::nullopt;
    if (!attempt) throw ApiError{404, "no try of task " + quote_id(task_id) + " in run " + quote_id(run_id)};
    Response r;
    r.content_type = "text/plain; charset=utf-8";
    r.headers.emplace_back("X-Log-Complete", attempt->log_error.empty() ? "true" : "false");
    // A worker's try: its log is in the history (the file is on its host).
    if (WorkQueue* queue = store->work_queue()) {
      if (auto log = queue->stored_log({run_id, task_id, attempt->try_number})) {
        const size_t from = std::min(log->size(), static_cast<size_t>(offset));
        r.body = log->substr(from, kMaxLogChunk);
        r.headers.emplace_back("X-Log-Next-Offset", std::to_string(from + r.body.size()));
        return r;
      }
    }
    // The history names the file; it is served only from under the logs
    // folder, and a link there is not followed.
    const std::filesystem::path path = lexical_host_path(attempt->log_path, options_.home.root);
    if (!path_within(path, lexical_host_path(options_.home.logs, options_.home.root)))
      throw ApiError{403, "the log of this try is outside the logs folder"};
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
      if (errno != ENOENT) throw ApiError{500, "cannot read the log of this try"};
      r.headers.emplace_back("X-Log-Next-Offset", std::to_string(offset));
      return r;  // a try that wrote nothing may have no file
    }
    std::string chunk(kMaxLogChunk, '\0');
    const ssize_t got = ::pread(fd.get(), chunk.data(), chunk.size(), static_cast<off_t>(offset));
    if (got < 0) throw ApiError{500, "cannot read the log of this try"};
    chunk.resize(static_cast<size_t>(got));
    r.headers.emplace_back("X-Log-Next-Offset", std::to_string(offset + got));
    r.body = std::move(chunk);
    return r;
  }

  // docs/openapi.json as the build embedded it: the document this server
  // was built and tested against.
  Response openapi(const Params&) const {
    const UiAsset* doc = find_ui_asset("openapi.json");
    if (!doc) throw ApiError{404, "this build has no OpenAPI document"};
    Response r;
    r.content_type = std::string(doc->content_type);
    r.body = std::string(doc->body);
    return r;
  }

  Response metrics(const Params&) const {
    ServerGauges gauges;
    if (options_.events) gauges.event_subscribers = options_.events->subscribers();
    auto store = history();
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = prometheus_text(store ? store->counts() : HistoryCounts{}, gauges);
    return r;
  }

  // Server-sent events: every change to the history from now on, or from
  // after Last-Event-ID when the client reconnects.
  Response events(const Params&) const {
    std::optional<std::uint64_t> last;
    if (const std::string text = request_.header("last-event-id"); !text.empty()) {
      std::uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || ptr != text.data() + text.size()) throw ApiError{400, "Last-Event-ID must be a number"};
      last = v;
    }
    Response r;
    r.content_type = "text/event-stream";
    r.stream = [hub = options_.events, last](StreamSink sink) { hub->subscribe(last, std::move(sink)); };
    return r;
  }

  json body_object() const {
    if (lower_media_type(request_.header("content-type")) != "application/json")
      throw ApiError{415, "send the request body as application/json"};
    if (request_.body.empty()) return json::object();
    json body = json::parse(request_.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) throw ApiError{400, "the request body must be a JSON object"};
    return body;
  }

  Response trigger(const Params& params) const {
    const std::string& dag_id = params.dag_id;
    const json body = body_object();
    app::QueuedRun queued;
    for (const auto& [key, value] : body.items()) {
      if (key == "conf") {
        if (!value.is_object()) throw ApiError{400, "conf must be a JSON object"};
        queued.conf_json = value.dump();
      } else if (key == "run_id") {
        if (!value.is_string()) throw ApiError{400, "run_id must be a string"};
        const std::string id = value.get<std::string>();
        if (auto problem = id_problem(IdKind::run, id))
          throw ApiError{400, "run_id " + quote_id(id) + " is not valid: " + *problem};
        queued.run_id = id;
      } else {
        throw ApiError{400, "unknown field " + quote_id(key) + "; a trigger takes conf and run_id"};
      }
    }
    const std::vector<LoadResult> all = dags();
    const LoadResult& r = find_dag(all, dag_id);
    if (!r.ok()) {
      std::string message = "DAG " + quote_id(dag_id) + " is invalid:";
      for (const Diagnostic& d : r.diagnostics) message += "\n" + d.to_string();
      throw ApiError{400, message};
    }
    auto store = app::open_history(options_.home, true);
    return json_response(201, app::run_json(app::queue_run(options_.home, *store, *r.dag, queued)));
  }

  Response pause(const Params& params) const { return set_paused(params.dag_id, true); }
  Response unpause(const Params& params) const { return set_paused(params.dag_id, false); }

  Response set_paused(const std::string& dag_id, bool paused) const {
    body_object();  // the same defence against cross-site forms as every action
    const std::vector<LoadResult> all = dags();
    auto store = app::open_history(options_.home, true);
    app::set_dag_paused(options_.home, *store, all, dag_id, paused);
    return json_response(200, {{"dag_id", dag_id}, {"paused", paused}});
  }

  // `dagrun backfill`'s action (app/backfill.h): 201 with the runs queued,
  // 200 for a dry run.
  Response backfill(const Params& params) const {
    const json body = body_object();
    const std::vector<LoadResult> all = dags();
    const LoadResult& r = find_dag(all, params.dag_id);
    if (!r.ok()) throw ApiError{400, "DAG " + quote_id(params.dag_id) + " is invalid"};
    const Dag& dag = *r.dag;
    app::BackfillRequest request;
    bool dry_run = false, has_from = false, has_to = false;
    for (const auto& [key, value] : body.items()) {
      if (key == "from" || key == "to") {
        if (!value.is_string() || value.get_ref<const std::string&>().size() > 64)
          throw ApiError{400, key + " must be a date such as \"2026-03-01\" or \"2026-03-01T06:00:00Z\""};
        auto t = app::parse_backfill_date(value.get<std::string>(), dag.timezone);
        if (!t) throw ApiError{400, key + " " + value.dump() + " is not a date such as \"2026-03-01\""};
        (key == "from" ? request.from : request.to) = *t;
        (key == "from" ? has_from : has_to) = true;
      } else if (key == "reprocess") {
        auto which = value.is_string() ? app::parse_reprocess(value.get<std::string>()) : std::nullopt;
        if (!which) throw ApiError{400, "reprocess must be \"none\", \"failed\" or \"all\""};
        request.reprocess = *which;
      } else if (key == "backwards") {
        request.backwards = bool_field(key, value);
      } else if (key == "dry_run") {
        dry_run = bool_field(key, value);
      } else if (key == "max_active_runs") {
        if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > limits::kMaxActive)
          throw ApiError{400, "max_active_runs must be a whole number from 1 to " + std::to_string(limits::kMaxActive)};
        request.max_active_runs = value.get<int>();
      } else {
        throw ApiError{400, "unknown field " + quote_id(key) +
                                "; a backfill takes from, to, reprocess, max_active_runs, backwards and dry_run"};
      }
    }
    if (!has_from || !has_to) throw ApiError{400, "a backfill needs from and to"};
    auto store = app::open_history(options_.home, true);
    app::BackfillResult result;
    if (dry_run) result.items = app::plan_backfill(dag, *store, request);
    else result = app::run_backfill(options_.home, *store, all, dag, request);
    const std::vector<app::BackfillItem>& plan = result.items;
    json items = json::array();
    for (const app::BackfillItem& item : plan) {
      const char* action = item.action == app::BackfillItem::Action::create      ? "create"
                           : item.action == app::BackfillItem::Action::reprocess ? "reprocess"
                                                                                 : "skip";
      items.push_back({{"action", action},
                       {"data_interval_start", format_iso8601(item.interval.start)},
                       {"data_interval_end", format_iso8601(item.interval.end)},
                       {"run_id", item.run_id},
                       {"note", item.why}});
    }
    return json_response(dry_run ? 200 : 201,
                         {{"dag_id", dag.dag_id},
                          {"dry_run", dry_run},
                          {"backfill_id", result.backfill_id > 0 ? json(result.backfill_id) : json(nullptr)},
                          {"intervals", items}});
  }

  static bool bool_field(const std::string& key, const json& value) {
    if (!value.is_boolean()) throw ApiError{400, key + " must be true or false"};
    return value.get<bool>();
  }

  // Airflow's clearTaskInstances for one run, with the CLI's `clear` rules.
  Response clear(const Params& params) const {
    const json body = body_object();
    app::ClearRequest request;
    request.run_id = params.run_id;
    for (const auto& [key, value] : body.items()) {
      if (key == "task_ids") {
        if (!value.is_array() || value.size() > kMaxTaskIdsPerClear)
          throw ApiError{400, "task_ids must be an array of at most " + std::to_string(kMaxTaskIdsPerClear) +
                                  " task ids"};
        for (const json& id : value) {
          if (!id.is_string()) throw ApiError{400, "task_ids must hold strings"};
          const std::string text = id.get<std::string>();
          if (auto problem = id_problem(IdKind::task_instance, text))
            throw ApiError{400, "task_id " + quote_id(text) + " is not valid: " + *problem};
          request.tasks.push_back(text);
        }
      } else if (key == "downstream") {
        request.downstream = bool_field(key, value);
      } else if (key == "failed_only") {
        request.failed_only = bool_field(key, value);
      } else {
        throw ApiError{400, "unknown field " + quote_id(key) + "; a clear takes task_ids, downstream and failed_only"};
      }
    }
    std::vector<LoadResult> all;
    if (request.downstream && !request.tasks.empty()) all = dags();
    auto store = history();
    if (!store) throw ApiError{404, "no run " + quote_id(params.run_id)};
    const std::vector<std::string> cleared = app::clear_tasks(options_.home, *store, all, request);
    return json_response(200, {{"run_id", params.run_id}, {"cleared", cleared}});
  }

  // Stops a run; 202: a running run's engine ends it within a second.
  Response cancel(const Params& params) const {
    body_object();  // the same defence against cross-site forms as every action
    auto store = history();
    if (!store) throw ApiError{404, "no run " + quote_id(params.run_id)};
    const RunRecord run = app::cancel_run(options_.home, *store, params.run_id, "cancelled through the web API");
    return json_response(202, app::run_json(run));
  }

  const ApiOptions& options_;
  const Request& request_;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> api_routes() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : Call::routes()) out.emplace_back(r.method, r.pattern);
  return out;
}

Api::Api(ApiOptions options) : options_(std::move(options)) {}

Response Api::handle(const Request& request) const {
  const bool reads = request.method == "GET" || request.method == "HEAD";
  try {
    if (options_.loopback && !is_loopback_host(request.header("host")))
      throw ApiError{403, "this server answers only to localhost, 127.0.0.1 and [::1]"};
    // A page of another site may send a request here from the user's
    // browser; it cannot make the browser send a JSON body without asking
    // first (CORS), and an Origin it sends must be this server's own.
    if (!reads) {
      const std::string origin = request.header("origin");
      const std::string host = request.header("host");
      // https: behind a proxy that terminates TLS.
      if (!origin.empty() && origin != "http://" + host && origin != "https://" + host)
        throw ApiError{403, "cross-origin requests are refused"};
    }
    // The UI's files hold no data, and a browser loads them without a token
    // (a navigation cannot send one); the page then asks for a token and
    // sends it with each call to the API.
    const bool ui = is_ui_path(request.path);
    if (options_.tokens && request.path != "/healthz" && !ui) {
      const std::optional<Role> role = options_.tokens->role_of(request.header("authorization"));
      if (!role) {
        Response r = error(401, "send a token: Authorization: Bearer TOKEN (dagrun serve --auth)");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"dagrun\"");
        return r;
      }
      if (*role == Role::read && !reads) throw ApiError{403, "this token may only read; acting needs an operate token"};
    }
    if (ui) return ui_response(request);
    return Call(options_, request).route();
  } catch (const ApiError& e) {
    return error(e.status, e.message);
  } catch (const app::ActionError& e) {
    return error(e.refusal() == app::ActionRefusal::not_found ? 404 : 409, e.what());
  } catch (const std::exception& e) {
    return error(500, e.what());
  }
}

}  // namespace dagrun::web
