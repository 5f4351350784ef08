#include "spec/folder_loader.h"

#include <algorithm>
#include <unordered_map>

#include "spec/json_locate.h"

namespace dagrun {

std::vector<LoadResult> load_dag_folder(const std::filesystem::path& dir,
                                        const LoadOptions& options) {
  namespace fs = std::filesystem;
  std::vector<LoadResult> results;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".json" && it->is_regular_file(type_ec))
      files.push_back(it->path());
  }
  if (ec) {
    LoadResult failed;
    failed.file = dir.string();
    failed.diagnostics.push_back({failed.file, 0, 0, "", "cannot read folder: " + ec.message()});
    results.push_back(std::move(failed));
    return results;
  }
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });

  std::unordered_map<std::string, std::string> defined_in;  // dag_id -> file
  results.reserve(files.size());
  for (const fs::path& path : files) {
    std::string why;
    auto text = read_text_file(path, &why);
    if (!text) {
      LoadResult failed;
      failed.file = path.string();
      failed.diagnostics.push_back({failed.file, 0, 0, "", "cannot read file: " + why});
      results.push_back(std::move(failed));
      continue;
    }
    auto source = std::make_shared<const DagSource>(std::move(*text));
    LoadResult result = load_dag_source(source, path.string(), options);
    if (!result.dag_id.empty()) {
      auto [it, inserted] = defined_in.try_emplace(result.dag_id, result.file);
      if (!inserted) {
        SourcePosition pos = locate_json(source->text(), "/dag_id", JsonTarget::value);
        result.diagnostics.insert(
            std::upper_bound(result.diagnostics.begin(), result.diagnostics.end(), pos,
                             [](const SourcePosition& p, const Diagnostic& d) {
                               return p.line != d.line ? p.line < d.line : p.column < d.column;
                             }),
            Diagnostic{result.file, pos.line, pos.column, "dag",
                       "dag_id '" + result.dag_id + "' is already defined in " + it->second});
        result.dag.reset();
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace dagrun
