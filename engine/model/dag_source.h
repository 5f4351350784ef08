// The text of the file a Dag was loaded from, kept with the loaded Dag so
// that a run records the version of the DAG it runs (the history's
// dag_version table, docs/store.md). The version is the SHA-256 of the text,
// computed the first time it is asked for, not at load: a scheduler loads
// every file of its folder but creates runs of few, and loading a large file
// need not pay for hashing it.
#pragma once

#include <mutex>
#include <string>

namespace dagrun {

class DagSource {
 public:
  explicit DagSource(std::string text) : text_(std::move(text)) {}
  DagSource(const DagSource&) = delete;
  DagSource& operator=(const DagSource&) = delete;

  // The file's exact bytes.
  const std::string& text() const { return text_; }
  // Hex SHA-256 of text() (64 digits); computed once, safe to call from
  // several threads.
  const std::string& version() const;

 private:
  std::string text_;
  mutable std::once_flag hashed_;
  mutable std::string version_;
};

}  // namespace dagrun
