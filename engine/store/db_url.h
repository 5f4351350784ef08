// What every part of dagrun needs to know about a history's location given
// as a URL, without linking libpq (the command line, the module, the store's
// messages): whether it names PostgreSQL, and how to show it.
#pragma once

#include <string>
#include <string_view>

namespace dagrun {

// True when `location` names a PostgreSQL database (postgresql:// or
// postgres://) rather than a SQLite file.
bool is_postgres_url(std::string_view location);

// The URL with its password ("user:PASSWORD@" or "password=PASSWORD") replaced
// by "***", for every message that names the database.
std::string redact_db_url(std::string_view url);

}  // namespace dagrun
