#include "run/try_env.h"

namespace dagrun {

std::vector<std::pair<std::string, std::string>> try_context_env(const std::filesystem::path& home,
                                                                 std::string_view dag_id, std::string_view run_id,
                                                                 std::string_view task_id, int try_number) {
  // Airflow exports AIRFLOW_CTX_*; tasks here learn where they run the same way.
  return {{"DAGRUN_HOME", home.string()},
          {"DAGRUN_DAG_ID", std::string(dag_id)},
          {"DAGRUN_RUN_ID", std::string(run_id)},
          {"DAGRUN_TASK_ID", std::string(task_id)},
          {"DAGRUN_TRY_NUMBER", std::to_string(try_number)}};
}

}  // namespace dagrun
