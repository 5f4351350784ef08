// hello_cpp: hello.c in C++. The plugin may use any C++ inside; only C types
// cross the boundary, and no exception may leave run(). See docs/plugins.md.
#include <exception>
#include <string>

#include <dagrun/plugin.h>

namespace {

std::string greeting(const dagrun_task_context& context) {
  return "hello from C++ task " + std::string(context.task_id) + " of " + context.dag_id + " (try " +
         std::to_string(context.try_number) + ")";
}

dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  try {
    if (host->is_cancelled(host->host_data)) return DAGRUN_FAILED;
    dagrun_log(host, DAGRUN_LOG_INFO, greeting(*context).c_str());

    // XCom values are JSON text: a string needs its quotes.
    if (host->xcom_push(host->host_data, "greeting", "\"hello from C++\"") != 0) {
      host->set_error(host->host_data, "hello_cpp: the greeting was refused");
      return DAGRUN_FAILED;
    }
    return DAGRUN_SUCCESS;
  } catch (const std::exception& e) {  // std::bad_alloc from the strings, say
    host->set_error(host->host_data, e.what());
    return DAGRUN_FAILED;
  }
}

}  // namespace

DAGRUN_PLUGIN("hello_cpp", "1.0.0", "logs a greeting from C++ and pushes it as an XCom value", run)
