// The verb table: one entry per `dagrun VERB`, each implemented in its own file.
#pragma once

#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/context.h"

namespace dagrun::cli {

struct Verb {
  const char* name;
  const char* usage;    // arguments after the verb, e.g. "DAG_ID [--conf JSON]"
  const char* summary;  // one line for `dagrun --help`
  std::vector<FlagSpec> flags;
  int min_positionals;
  int max_positionals;  // -1: any number
  int (*run)(Context& ctx);
};

const std::vector<Verb>& verbs();
const std::vector<FlagSpec>& global_flags();

int verb_list(Context& ctx);
int verb_validate(Context& ctx);
int verb_schema(Context& ctx);
int verb_graph(Context& ctx);
int verb_trigger(Context& ctx);
int verb_runs(Context& ctx);
int verb_tasks(Context& ctx);
int verb_callbacks(Context& ctx);
int verb_pools(Context& ctx);
int verb_backfills(Context& ctx);
int verb_logs(Context& ctx);
int verb_test(Context& ctx);
int verb_plugins(Context& ctx);
int verb_scheduler(Context& ctx);
int verb_pause(Context& ctx);
int verb_unpause(Context& ctx);
int verb_next(Context& ctx);
int verb_clear(Context& ctx);
int verb_cancel(Context& ctx);
int verb_db(Context& ctx);
int verb_serve(Context& ctx);
int verb_worker(Context& ctx);
int verb_docker_proxy(Context& ctx);
int verb_backfill(Context& ctx);
int verb_completion(Context& ctx);
int verb_man(Context& ctx);

}  // namespace dagrun::cli
