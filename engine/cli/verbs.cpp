#include "cli/verbs.h"

namespace dagrun::cli {

const std::vector<FlagSpec>& global_flags() {
  static const std::vector<FlagSpec> flags{
      {"home", "DIR", "holds dags/, dagrun.db, logs/ and data/ (default $DAGRUN_HOME, else .)"},
      {"dags", "DIR", "the DAGs folder (default HOME/dags)"},
      {"db", "FILE|URL",
       "the history: a SQLite file or a postgresql:// URL (default $DAGRUN_DB, else HOME/dagrun.db)"},
      {"plugin-path", "DIRS", "colon-separated plugin directories, searched first"},
      {"log-level", "LEVEL", "debug, info, warn (default) or error"},
  };
  return flags;
}

const std::vector<Verb>& verbs() {
  static const std::vector<Verb> table{
      {"list", "", "list the DAGs found, with schedule, task count and validity", {}, 0, 0, verb_list},
      {"validate", "[FILE...]", "check DAG files (default: every file in the DAGs folder)", {}, 0, -1,
       verb_validate},
      {"graph", "DAG_ID [--order]", "print the DAG as Graphviz DOT, or its topological order",
       {{"order", "", "print the task ids in topological order instead"}}, 1, 1, verb_graph},
      {"trigger", "DAG_ID [--conf JSON] [--run-id ID] [--queue]",
       "run a DAG now, in the foreground, showing each task's progress",
       {{"conf", "JSON", "a JSON object handed to every task as the run's conf"},
        {"run-id", "ID", "the run id (default manual__<time>)"},
        {"max-active-tasks", "N", "override the DAG's max_active_tasks for this run"},
        {"queue", "", "record the run for `dagrun scheduler` and return at once"}},
       1, 1, verb_trigger},
      {"runs", "[DAG_ID] [--state S] [--limit N] [--json]", "run history, newest first",
       {{"state", "S", "only runs in this state (queued, running, success, failed)"},
        {"limit", "N", "at most N runs (default 20; 0 for all)"},
        {"json", "", "print a JSON array"}},
       0, 1, verb_runs},
      {"tasks", "RUN_ID [--json]", "every try of every task of a run",
       {{"json", "", "print a JSON array"}}, 1, 1, verb_tasks},
      {"logs", "RUN_ID TASK_ID [--try N]", "print the log of a task's try (default the latest)",
       {{"try", "N", "the try number"}}, 2, 2, verb_logs},
      {"plugins", "", "list the plugins found, with version, description and file", {}, 0, 0,
       verb_plugins},
      {"scheduler", "[--grace DURATION]", "run DAGs on their schedules and start queued runs, until stopped",
       {{"grace", "DURATION", "on SIGTERM/SIGINT, how long running tasks may finish (default 30s)"}}, 0, 0,
       verb_scheduler},
      {"pause", "DAG_ID", "stop scheduling a DAG (its queued runs wait too)", {}, 1, 1, verb_pause},
      {"unpause", "DAG_ID", "resume scheduling a DAG", {}, 1, 1, verb_unpause},
      {"next", "DAG_ID [--count N]", "when the DAG's next scheduled runs fall due, with their data intervals",
       {{"count", "N", "how many (default 5)"}}, 1, 1, verb_next},
      {"clear", "RUN_ID [--task T] [--downstream] [--failed-only]",
       "reset tasks of a run so they run again; the scheduler resumes the run",
       {{"task", "T", "only this task (default: every task of the run)"},
        {"downstream", "", "with --task: its downstream tasks too"},
        {"failed-only", "", "only tasks that failed or are upstream_failed"}},
       1, 1, verb_clear},
      {"cancel", "RUN_ID", "stop a run: a queued one fails now, a running one's tries are killed and it fails",
       {}, 1, 1, verb_cancel},
      {"db", "clean --older-than DURATION [--dry-run]", "delete old runs with their logs and data",
       {{"older-than", "DURATION", "runs that ended longer ago than this, e.g. 30d"},
        {"dry-run", "", "list what would be deleted, delete nothing"}},
       1, 1, verb_db},
      {"serve", "[--listen ADDR:PORT] [--auth FILE] [--with-scheduler]", "serve the REST API (docs/api.md) until stopped",
       {{"listen", "ADDR:PORT", "where to listen (default 127.0.0.1:8778; port 0: any free port)"},
        {"auth", "FILE", "bearer tokens, one 'read|operate TOKEN' per line; needed off loopback"},
        {"with-scheduler", "", "also run the scheduler, as `dagrun scheduler` does"},
        {"grace", "DURATION", "with --with-scheduler: how long running tasks may finish on SIGTERM (default 30s)"}},
       0, 0, verb_serve},
      {"worker", "[--queue NAMES] [--slots N] [--lease DURATION]",
       "run tries of tasks with a queue, taken from a PostgreSQL history, until stopped",
       {{"queue", "NAMES", "comma-separated queues to serve (default: default)"},
        {"slots", "N", "how many tries run at once (default 1)"},
        {"lease", "DURATION", "how long a claimed try stays this worker's without a renewal (default 30s)"}},
       0, 0, verb_worker},
      {"docker-proxy", "--listen unix:PATH [--upstream unix:PATH] [--config FILE] [--audit FILE]",
       "a Docker API proxy that passes what container tasks need and refuses what gives root on the host",
       {{"listen", "unix:PATH", "the socket clients connect to (made with mode 0660)"},
        {"upstream", "unix:PATH", "the Docker daemon's socket (default unix:///var/run/docker.sock)"},
        {"config", "FILE", "the engine configuration whose container policy applies (default HOME/dagrun.json)"},
        {"audit", "FILE", "append one JSON line per request and decision here (default stderr)"},
        {"name", "NAME", "the label value marking this proxy's containers (default dagrun-docker-proxy)"},
        {"max-body", "SIZE", "the largest request body read (default 1MiB)"}},
       0, 0, verb_docker_proxy},
  };
  return table;
}

}  // namespace dagrun::cli
