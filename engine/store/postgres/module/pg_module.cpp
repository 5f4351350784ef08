// dagrun_store_pg.so's one exported function (pg_module.h): the PostgreSQL
// store behind a C entry point, with no exception crossing it.
#include "store/postgres/module/pg_module.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

#include "store/postgres/pg_store.h"

namespace {

void copy_error(const std::string& why, char* error, std::size_t error_size) {
  if (!error || error_size == 0) return;
  const std::size_t n = std::min(why.size(), error_size - 1);
  std::memcpy(error, why.data(), n);
  error[n] = '\0';
}

}  // namespace

extern "C" __attribute__((visibility("default"))) int dagrun_store_open_postgres(const char* dagrun_version,
                                                                                   const char* url,
                                                                                   dagrun::Store** out,
                                                                                   char* error,
                                                                                   std::size_t error_size) {
  // The signature must stay the one the executable casts the symbol to.
  [[maybe_unused]] dagrun::PgModuleOpen* checked = &dagrun_store_open_postgres;
  try {
    if (!dagrun_version || std::strcmp(dagrun_version, dagrun::kPgModuleStamp) != 0)
      throw std::runtime_error(std::string("this PostgreSQL support was built from other sources (dagrun ") +
                               dagrun::kPgModuleStamp + ") than the dagrun loading it (" +
                               (dagrun_version ? dagrun_version : "unknown") + "); install both from one build");
    if (!url || !out) throw std::invalid_argument("no URL or no place for the store");
    *out = dagrun::open_postgres_store(url).release();
    return 0;
  } catch (const std::exception& e) {
    copy_error(e.what(), error, error_size);
  } catch (...) {
    copy_error("unknown error", error, error_size);
  }
  return 1;
}
