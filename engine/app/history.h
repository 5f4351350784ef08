// Opening the history database of an installation.
#pragma once

#include <filesystem>
#include <memory>

#include "store/store.h"

namespace dagrun::app {

// The history at `db`, its directory created first; nullptr when it does not
// exist and create is false, so reading verbs never create an empty file.
std::unique_ptr<Store> open_history(const std::filesystem::path& db, bool create);

}  // namespace dagrun::app
