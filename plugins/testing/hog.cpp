// hog: allocates and touches memory in chunks of params.chunk_mib (default 4)
// until the memory limit stops it. Gives up after params.max_mib (default
// 2048) so that running it without a limit cannot take the machine down.
#include <cstring>
#include <vector>

#include "test_params.hpp"

static dagrun_status run(const dagrun_task_context* context, const dagrun_host* host) {
  auto p = dagrun_testing::params(context);
  size_t chunk = p.value("chunk_mib", 4u) * (size_t{1} << 20);
  size_t max = p.value("max_mib", 2048u) * (size_t{1} << 20);
  std::vector<char*> kept;
  for (size_t total = 0; total < max; total += chunk) {
    char* block = new char[chunk];
    std::memset(block, 0x5a, chunk);  // touch it: untouched pages cost nothing
    kept.push_back(block);
  }
  dagrun_testing::set_error(host, "hog: allocated " + std::to_string(max >> 20) + " MiB without hitting a limit");
  for (char* block : kept) delete[] block;
  return DAGRUN_FAILED;
}

DAGRUN_PLUGIN("hog", "1.0.0", "allocates memory without bound", run)
