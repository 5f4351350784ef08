#include "exec/docker/container_executor.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "policy/container_policy.h"
#include "model/container_spec.h"
#include "exec/docker/container_outcome.h"
#include "exec/docker/container_output.h"
#include "exec/docker/create_body.h"
#include "exec/docker/docker_client.h"
#include "exec/docker/engine_identity.h"
#include "exec/docker/env_file.h"
#include "exec/docker/env_secrets.h"
#include "exec/docker/mount_guard.h"
#include "exec/outcome.h"
#include "exec/safe_dir.h"
#include "exec/try_log.h"

namespace dagrun {
namespace {

using Clock = std::chrono::steady_clock;
using Wake = DockerApi::Wake;

// After the exit code: how long the rest of the output may take to arrive.
constexpr auto kOutputDrain = std::chrono::seconds(5);
// After a stop: how long the daemon may take to report the exit.
constexpr auto kStopSettle = std::chrono::seconds(10);

// One try: the steps of docs/containers.md "Lifecycle", in order. Every
// request goes through one DockerApi (for the real one, one HttpSession, so
// they share its connections and the attach stream keeps flowing while other
// requests run).
class ContainerTry {
 public:
  ContainerTry(const ContainerPolicy& policy, const ExecOptions& options, const DockerApiFactory& connect,
               const TryRequest& request, TrySink& sink, const CancelToken& cancel)
      : policy_(policy),
        options_(options),
        connect_(connect),
        request_(request),
        spec_(*request.task->container()->spec),
        sink_(sink),
        cancel_(cancel),
        log_(request.log_path),
        deadline_(try_deadline(request, Clock::now())) {}

  TryOutcome run() {
    TryOutcome out;
    try {
      out = create_and_run();
    } catch (const DockerConfigError& e) {
      out = error_outcome(e.what(), false);
    } catch (const DockerError& e) {
      out = error_outcome(e.what(), e.retryable());
    } catch (const std::exception& e) {
      out = error_outcome(e.what(), true);
    }
    lock_.reset();
    // The daemon's messages may quote the request, environment included.
    out.error = secrets_.mask(out.error);
    if (!id_.empty() && should_remove(spec_.auto_remove, out)) {
      try {
        api_->remove(id_);
      } catch (const std::exception& e) {
        note(LogLevel::warn, "cannot remove container " + short_id() + ": " + e.what());
      }
    }
    return out;
  }

 private:
  // The DAG was checked when it was loaded; a link swapped into a mount root
  // since then (by a container that can write there) is caught here, just
  // before the daemon sees the request. The paths this check approves are the
  // ones the body sends and the env file is read from.
  ApprovedPaths recheck_policy() {
    // The DAG's params, as the loader checked them (a task's own params for a
    // request without a DAG).
    const DagMountContext dag = dag_mount_context(request_.home, request_.dag ? request_.dag->dag_id : "",
                                                  request_.dag ? request_.dag->params : request_.task->params);
    ContainerPolicyCheck check(policy_, dag);
    auto violations = check.check(spec_);
    if (!violations.empty())
      throw DockerConfigError("refused by the container policy at run time: " + violations.front().message);
    ApprovedPaths approved;
    for (const ContainerMount& m : spec_.mounts)
      approved.mount_sources.push_back(m.type == MountType::bind ? check.approved_source(m.source).value()
                                                                 : std::filesystem::path());
    if (mounts_data_dir()) {
      std::string why;
      auto dir = check.confined(request_.data_dir, &why);
      if (!dir) throw DockerConfigError("refused by the container policy at run time: the run's data directory " + why);
      approved.data_dir = *dir;
    }
    if (!spec_.env_file.empty()) env_path_ = check.approved_source(spec_.env_file).value();
    return approved;
  }

  bool mounts_data_dir() const { return spec_.mount_tmp_dir && !request_.data_dir.empty(); }

  // Refuses, while a running container of the engine could write above one of
  // the approved sources (docs/security.md "Links inside mount roots").
  void check_writable_ancestors(const ApprovedPaths& approved) {
    std::vector<std::filesystem::path> sources;
    for (const auto& p : approved.mount_sources)
      if (!p.empty()) sources.push_back(p);
    if (!approved.data_dir.empty()) sources.push_back(approved.data_dir);
    if (sources.empty()) return;
    if (auto problem = writable_ancestor_problem(api_->list(running_engine_containers_filter()), sources))
      throw DockerError("refused at run time: " + *problem, true);
  }

  // The container runs as the image's user, which the engine does not know,
  // and the engine created the data directory with its own umask: it is opened
  // to every user, sticky like /tmp, so the container can write files there
  // and no user can replace another's.
  // dir is the approved, link-free path, and no running container can write
  // above it (check_writable_ancestors); the mode is still changed through
  // descriptors opened without following links below the data root, so a link
  // planted in its place is refused, never followed onto a host directory.
  void open_data_dir(const std::filesystem::path& dir) {
    if (dir.empty()) return;
    try {
      chmod_dir_below(dir.parent_path().parent_path(), dir.parent_path().filename() / dir.filename(), 01777);
    } catch (const UnsafeDirError& e) {
      throw DockerConfigError(std::string("cannot open the data directory to the container: ") + e.what());
    } catch (const std::exception& e) {
      note(LogLevel::warn, "cannot open the data directory " + dir.string() + " to the container: " + e.what());
    }
  }

  TryOutcome create_and_run() {
    DockerEndpoint endpoint = resolve_endpoint(spec_, request_.home);
    // Held from the check until the container has started: no other try of
    // this home starts a container in between (docs/security.md).
    const bool binds = mounts_data_dir() || std::any_of(spec_.mounts.begin(), spec_.mounts.end(), [](const auto& m) {
                         return m.type == MountType::bind;
                       });
    if (binds) lock_.emplace(request_.home);
    ApprovedPaths approved = recheck_policy();
    EnvList env_file;
    if (!env_path_.empty()) env_file = read_env_file(env_path_, process_env);
    secrets_.add_env_file(env_file);
    secrets_.add_environment(spec_.environment);
    secrets_.add_environment(request_.env);
    std::string body = dump(build_create_body(spec_, policy_, request_, current_engine(), env_file, approved));
    api_ = connect_(endpoint, spec_.image);
    if (cancel_.cancelled()) return cancelled_outcome(cancel_.reason());
    check_writable_ancestors(approved);
    open_data_dir(approved.data_dir);
    id_ = api_->create(container_name(spec_, request_), body);
    note(LogLevel::info, "container " + short_id() + " created from " + spec_.image + " on " + endpoint.url);
    return run_created();
  }

  TryOutcome run_created() {
    ContainerOutput output(log_, spec_.xcom_all, &secrets_);
    // Both are registered with the daemon (their headers arrived) before the
    // start, so neither the first line nor a fast exit can be missed.
    auto attach = api_->begin_attach(id_, [&output](std::string_view bytes) { output.feed(bytes); });
    auto wait = api_->begin_wait(id_);
    bool started = false;
    Wake why = api_->run_until([&] { return attach->headers_done() && wait->headers_done(); }, deadline_,
                               cancel_.fd());
    if (why == Wake::ready) {
      expect_stream(*attach, "attach to");
      expect_stream(*wait, "wait for");
      api_->start(id_);
      started = true;
      lock_.reset();  // mounted: the sources can no longer change under it
      why = api_->run_until([&] { return wait->done(); }, deadline_, cancel_.fd());
    }
    if (why != Wake::ready) {
      note(LogLevel::warn, why == Wake::deadline ? "timed out, stopping the container"
                                                 : "cancelled, stopping the container");
      if (started) stop();
    }
    if (started) {
      api_->run_until([&] { return wait->done(); }, Clock::now() + kStopSettle);
      api_->run_until([&] { return attach->done(); }, Clock::now() + kOutputDrain);
      if (!attach->done())
        note(LogLevel::warn, "the container's output did not end when it exited; the log may miss its end");
    }
    output.finish();

    std::optional<int> exit_code;
    if (wait->done() && wait->response().status == 200) exit_code = parse_wait_body(wait->response().body).exit_code;
    if (why != Wake::ready) {
      TryOutcome out = why == Wake::deadline ? timed_out_outcome(*request_.task->execution_timeout)
                                             : cancelled_outcome(cancel_.reason());
      out.exit_code = exit_code;
      return out;
    }
    if (!exit_code) {
      const HttpResponse& r = wait->response();
      if (r.failure != TransportFailure::none || r.status != 200)
        throw request_error(api_->endpoint(), "wait for", spec_.image, r);
      throw DockerError("the Docker daemon at " + api_->endpoint().url +
                            " did not report the exit code: " + parse_wait_body(r.body).error,
                        true);
    }
    TryOutcome out = exit_code_outcome(*exit_code, spec_, output.tail(), oom_limit(*exit_code));
    if (out.status == TryOutcome::Status::success) {
      if (auto value = output.xcom_value()) {
        std::string refused = sink_.xcom_push("return_value", *value);
        if (!refused.empty()) {
          out = failed_outcome("cannot push the container's output to XCom: " + refused);
          out.exit_code = exit_code;
        }
      }
    }
    return out;
  }

  // A stream that must be open before the start; its error, when it failed.
  void expect_stream(DockerStream& call, std::string_view operation) {
    if (call.response().status == 200 && call.response().failure == TransportFailure::none) return;
    // Read the whole error body for the message.
    api_->run_until([&] { return call.done(); }, Clock::now() + kOutputDrain);
    throw request_error(api_->endpoint(), operation, spec_.image, call.response());
  }

  // SIGTERM, the grace period, SIGKILL: the daemon's stop does all three.
  // kill is for a stop that failed.
  void stop() {
    try {
      api_->stop(id_, stop_grace_seconds(options_.kill_grace));
      return;
    } catch (const std::exception& e) {
      note(LogLevel::warn, std::string("cannot stop the container: ") + e.what());
    }
    try {
      api_->kill(id_);
    } catch (const std::exception& e) {
      note(LogLevel::warn, std::string("cannot kill the container: ") + e.what());
    }
  }

  // The memory limit when the kernel's OOM killer ended the container (137 is
  // SIGKILL, which has other causes too).
  std::optional<std::uint64_t> oom_limit(int exit_code) {
    if (exit_code != 137) return std::nullopt;
    try {
      auto state = api_->inspect(id_).value("State", nlohmann::json::object());
      if (state.value("OOMKilled", false)) return spec_.mem_limit.value_or(policy_.default_memory);
    } catch (const std::exception&) {
      // Only a better message lost.
    }
    return std::nullopt;
  }

  static std::string dump(const nlohmann::json& body) {
    try {
      return body.dump();
    } catch (const nlohmann::json::exception&) {
      throw DockerConfigError("the container's command, environment or labels are not valid UTF-8");
    }
  }

  TryOutcome error_outcome(const std::string& message, bool retryable) {
    note(LogLevel::error, message);
    return failed_outcome("task '" + request_.task->task_id + "': " + message,
                          retryable ? TryOutcome::Status::failed : TryOutcome::Status::failed_no_retry);
  }

  // The executor's own lines go to the try's log; warnings and errors to the
  // engine's log too.
  void note(LogLevel level, const std::string& text) {
    const std::string message = secrets_.mask(text);
    log_.write_line(level, message);
    if (level >= LogLevel::warn) sink_.log(level, message);
  }

  std::string short_id() const { return id_.substr(0, 12); }

  const ContainerPolicy& policy_;
  const ExecOptions& options_;
  const DockerApiFactory& connect_;
  const TryRequest& request_;
  const ContainerSpec& spec_;
  TrySink& sink_;
  const CancelToken& cancel_;
  TryLog log_;
  std::optional<Clock::time_point> deadline_;
  std::unique_ptr<DockerApi> api_;
  std::string id_;
  std::optional<MountLock> lock_;
  std::filesystem::path env_path_;  // the approved env_file, when the spec has one
  EnvSecrets secrets_;
};

class ContainerExecutor : public Executor {
 public:
  ContainerExecutor(ContainerPolicy policy, ExecOptions options, DockerApiFactory connect)
      : policy_(std::move(policy)), options_(std::move(options)), connect_(std::move(connect)) {}

  TryOutcome run(const TryRequest& request, TrySink& sink, const CancelToken& cancel) override {
    const ContainerTask* container = request.task ? request.task->container() : nullptr;
    if (!container || !container->spec)
      return failed_outcome("the task has no container description", TryOutcome::Status::failed_no_retry);
    if (container->spec->image.empty())
      return failed_outcome("task '" + request.task->task_id + "': the container has no image",
                            TryOutcome::Status::failed_no_retry);
    try {
      return ContainerTry(policy_, options_, connect_, request, sink, cancel).run();
    } catch (const std::exception& e) {
      return failed_outcome(e.what());
    } catch (...) {
      return failed_outcome("internal error while running the container");
    }
  }

 private:
  ContainerPolicy policy_;
  ExecOptions options_;
  DockerApiFactory connect_;
};

}  // namespace

std::unique_ptr<Executor> make_container_executor(const ContainerPolicy& policy, const ExecOptions& options,
                                                  DockerApiFactory connect) {
  if (!connect) connect = connect_docker;
  return std::make_unique<ContainerExecutor>(policy, options, std::move(connect));
}

}  // namespace dagrun
