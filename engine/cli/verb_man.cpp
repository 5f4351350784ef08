// dagrun man --dir DIR: writes dagrun.1 and dagrun-VERB.1 for every verb
// into DIR (cli/man_page.h); the build runs it for share/man/man1.
#include <fstream>
#include <iostream>

#include "cli/man_page.h"
#include "cli/verbs.h"

namespace dagrun::cli {
namespace {

void write_page(const std::filesystem::path& file, const std::string& text) {
  // Written beside and renamed, so a reader never sees half a page.
  const std::filesystem::path part = file.string() + ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + part.string());
  }
  std::filesystem::rename(part, file);
}

}  // namespace

int verb_man(Context& ctx) {
  auto dir_flag = ctx.args.value("dir");
  if (!dir_flag || dir_flag->empty() || dir_flag->size() >= 4096) throw UsageError("dagrun man --dir DIR");
  const std::filesystem::path dir(*dir_flag);
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << "dagrun man: " << dir.string() << " is not a directory\n";
    return kExitFailed;
  }
  try {
    write_page(dir / "dagrun.1", program_man_page(verbs(), global_flags(), DAGRUN_VERSION));
    for (const Verb& v : verbs()) write_page(dir / (std::string("dagrun-") + v.name + ".1"), verb_man_page(v, DAGRUN_VERSION));
  } catch (const std::exception& e) {
    std::cerr << "dagrun man: " << e.what() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace dagrun::cli
