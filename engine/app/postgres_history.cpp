#include "app/postgres_history.h"

#define BOOST_DLL_USE_STD_FS
#include <dlfcn.h>

#include <array>
#include <memory>

#include <boost/dll/shared_library.hpp>

#include "app/history_location.h"
#include "store/db_url.h"
#include "store/postgres/module/pg_module.h"
#include "store/store_error.h"

namespace dagrun::app {
namespace {

// The loaded module, or why it could not be loaded.
struct Module {
  boost::dll::shared_library library;
  PgModuleOpen* open = nullptr;
  std::string error;
};

std::string dl_error(const std::string& fallback) {
  const char* why = ::dlerror();
  return why ? why : fallback;
}

const Module* load(const std::filesystem::path& file) {
  auto m = std::make_unique<Module>();
  boost::dll::fs::error_code ec;
  ::dlerror();
  // rtld_now: a missing libpq or symbol is reported here, not at a first call.
  m->library.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, ec);
  if (ec) {
    // dlerror() starts with the file's name, which the message already has.
    m->error = dl_error(ec.message());
    const std::string named = file.string() + ": ";
    if (m->error.starts_with(named)) m->error.erase(0, named.size());
  } else if (!m->library.has(kPgModuleEntry)) {
    m->error = std::string("does not export ") + kPgModuleEntry;
  } else {
    m->open = &m->library.get<PgModuleOpen>(kPgModuleEntry);
  }
  return m.release();
}

// Loaded once, by the first caller, and never unloaded, not even by static
// destruction at exit: the Store's code lives in the module (its methods, its
// destructor, the exceptions it throws and their destructors), and a Store
// may be in use until the process ends, by a thread that outlives exit()'s
// destructors. A failure is kept too, so each later open says the same.
const Module& module_at(const std::filesystem::path& file) {
  static const Module* const module = load(file);
  return *module;
}

// A message with the URL redacted, in case the store quoted it whole.
std::string without_password(std::string text, const std::string& url) {
  const std::string shown = redact_db_url(url);
  if (shown == url) return text;
  for (size_t at = text.find(url); at != std::string::npos; at = text.find(url, at + shown.size()))
    text.replace(at, url.size(), shown);
  return text;
}

}  // namespace

std::unique_ptr<Store> open_postgres_history(const std::filesystem::path& module_file, const std::string& url) {
  const Module& module = module_at(module_file);
  if (!module.open)
    throw StoreError("PostgreSQL support is not installed: " + module_file.string() + ": " + module.error);
  std::array<char, 1024> error{};
  Store* store = nullptr;
  if (module.open(kPgModuleStamp, url.c_str(), &store, error.data(), error.size()) != 0 || !store) {
    // Say which database in any case, and never with its password.
    std::string why = without_password(error.data(), url);
    if (why.find(redact_db_url(url)) == std::string::npos) why = "PostgreSQL at " + redact_db_url(url) + ": " + why;
    throw StoreError(why);
  }
  return std::unique_ptr<Store>(store);
}

}  // namespace dagrun::app
