/*
 * dagrun plugin ABI: the one header a plugin author needs.
 *
 * A plugin is a shared library that exports one C function,
 * dagrun_plugin_descriptor(), returning a pointer to a constant descriptor.
 * The engine calls descriptor->run once per task try, with the task's context
 * and a table of host callbacks. Plugins never link the engine's libraries
 * (spdlog, SQLite, ...): everything they need from the host goes through the
 * callback table.
 *
 * Rules of the boundary:
 *  - Only C types cross it. No C++ exception may leave run(); the host never
 *    throws into the plugin either.
 *  - Strings are UTF-8 and NUL-terminated. Strings the host hands out stay
 *    valid until run() returns, unless said otherwise.
 *  - Every struct starts with struct_size so either side can tell which
 *    version of the struct the other was built with. Fields are only ever
 *    appended; a minor ABI bump adds fields, a major bump breaks.
 *  - The host refuses a plugin whose abi_major differs from its own, or whose
 *    abi_minor is newer than its own.
 */
#ifndef DAGRUN_PLUGIN_H
#define DAGRUN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DAGRUN_PLUGIN_ABI_MAJOR 1
#define DAGRUN_PLUGIN_ABI_MINOR 0

/* The name of the one symbol a plugin exports. */
#define DAGRUN_PLUGIN_ENTRY_NAME "dagrun_plugin_descriptor"

/* What run() returns. */
typedef enum dagrun_status {
  DAGRUN_SUCCESS = 0,
  /* The try failed; the engine retries it if the task has retries left. */
  DAGRUN_FAILED = 1,
  /* The task failed for a reason a retry cannot fix (bad credentials, bad
     parameters): no retry, whatever the task's retries say. */
  DAGRUN_FAILED_NO_RETRY = 2,
  /* Nothing to do: the task is marked skipped. */
  DAGRUN_SKIPPED = 3
} dagrun_status;

typedef enum dagrun_log_level {
  DAGRUN_LOG_DEBUG = 0,
  DAGRUN_LOG_INFO = 1,
  DAGRUN_LOG_WARN = 2,
  DAGRUN_LOG_ERROR = 3
} dagrun_log_level;

/* One environment entry handed to the task (the task's "env" key). */
typedef struct dagrun_env_entry {
  const char* key;
  const char* value;
} dagrun_env_entry;

/* Everything the plugin may know about the try it runs. */
typedef struct dagrun_task_context {
  uint32_t struct_size;
  const char* dag_id;
  const char* run_id;
  const char* task_id;
  int32_t try_number;  /* 1 for the first try */
  /* The task's "params" as JSON text ("null" when the task has none). */
  const char* params_json;
  /* The run's "conf" as JSON text ("{}" when the run has none). */
  const char* conf_json;
  /* A directory private to this run, shared by its tasks; also the working
     directory of isolated plugins and commands. */
  const char* data_dir;
  /* The task's "env" entries. In process isolation they are also set in the
     environment of the process; in_process plugins must read them here. */
  const dagrun_env_entry* env;
  size_t env_count;
} dagrun_task_context;

/* The host callback table. Every callback is safe to call from any thread of
   the plugin while run() is executing, and never after run() returned. */
typedef struct dagrun_host {
  uint32_t struct_size;
  void* host_data; /* pass back as the first argument of every callback */

  /* A line for the try's log (also forwarded to the engine's own log). */
  void (*log)(void* host_data, dagrun_log_level level, const char* message);

  /* The reason the try failed, shown in `dagrun tasks` and stored with the
     try. The last call before run() returns wins. */
  void (*set_error)(void* host_data, const char* message);

  /* Stores a small JSON value under key for later tasks of the run (XCom).
     value_json must be valid JSON. Returns 0 on success, -1 when the value
     was rejected (invalid JSON, too large); then get the reason from the log. */
  int (*xcom_push)(void* host_data, const char* key, const char* value_json);

  /* The JSON text an earlier task of this run pushed under key, or NULL when
     there is none. The returned string stays valid until run() returns, so
     pulls from several threads never invalidate each other's results. */
  const char* (*xcom_pull)(void* host_data, const char* task_id, const char* key);

  /* Non-zero once the engine wants the try to stop (timeout, Ctrl-C, run
     cancelled). Long-running plugins should poll it and return promptly. */
  int (*is_cancelled)(void* host_data);
} dagrun_host;

/* The first three fields keep their offsets in every ABI version, major
   bumps included, so a host can always read them and refuse a plugin it
   does not understand with a message naming both versions. */
typedef struct dagrun_plugin {
  uint32_t struct_size; /* sizeof(dagrun_plugin) as the plugin was built */
  uint16_t abi_major;   /* DAGRUN_PLUGIN_ABI_MAJOR as the plugin was built */
  uint16_t abi_minor;   /* DAGRUN_PLUGIN_ABI_MINOR as the plugin was built */
  const char* name;     /* must match the file name: dagrun_<name>.so */
  const char* version;
  const char* description;
  /* Runs one try. With isolation "in_process" the engine may call run()
     for several tries at once from different threads, so it must not keep
     per-try state in globals; with isolation "process" (the default) every
     try has a process of its own. */
  dagrun_status (*run)(const dagrun_task_context* context, const dagrun_host* host);
} dagrun_plugin;

typedef const dagrun_plugin* (*dagrun_plugin_entry_fn)(void);

/* Declares the exported entry point. Use once per plugin:
 *
 *   static dagrun_status run(const dagrun_task_context*, const dagrun_host*);
 *   DAGRUN_PLUGIN("hello", "1.0.0", "says hello", run)
 */
#if defined(__GNUC__)
#define DAGRUN_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define DAGRUN_PLUGIN_EXPORT
#endif

#ifdef __cplusplus
#define DAGRUN_PLUGIN_EXTERN_C extern "C"
#else
#define DAGRUN_PLUGIN_EXTERN_C
#endif

#define DAGRUN_PLUGIN(NAME, VERSION, DESCRIPTION, RUN_FN)                      \
  DAGRUN_PLUGIN_EXTERN_C DAGRUN_PLUGIN_EXPORT const dagrun_plugin*            \
  dagrun_plugin_descriptor(void) {                                             \
    static const dagrun_plugin descriptor = {                                  \
        sizeof(dagrun_plugin), DAGRUN_PLUGIN_ABI_MAJOR, DAGRUN_PLUGIN_ABI_MINOR, \
        NAME, VERSION, DESCRIPTION, RUN_FN};                                   \
    return &descriptor;                                                        \
  }

/* Convenience wrappers so plugin code reads naturally. */
static inline void dagrun_log(const dagrun_host* host, dagrun_log_level level,
                              const char* message) {
  host->log(host->host_data, level, message);
}

#ifdef __cplusplus
}
#endif

#endif /* DAGRUN_PLUGIN_H */
