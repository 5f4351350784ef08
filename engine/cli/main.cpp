// dagrun's entry point: finds the verb, parses its flags, resolves the home
// layout and hands over to the verb. Everything else lives in the verb files.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/verbs.h"
#include "base/suggest.h"

namespace dagrun::cli {
namespace {

std::string program_usage() {
  std::string out =
      "usage: dagrun [--home DIR] [--dags DIR] [--db FILE] [--plugin-path DIRS] [--log-level L] "
      "VERB [ARGS]\n\nverbs:\n";
  // The summaries line up after the longest name (a shorter column cut
  // "docker-proxy" short).
  size_t width = 0;
  for (const Verb& v : verbs()) width = std::max(width, std::string_view(v.name).size());
  for (const Verb& v : verbs()) {
    std::string left = std::string("  ") + v.name;
    left.resize(width + 4, ' ');
    out += left + v.summary + "\n";
  }
  out += "\nglobal options:\n" + describe_flags(global_flags());
  out += "\n`dagrun VERB --help` describes a verb.\n";
  return out;
}

std::string verb_usage(const Verb& v) {
  std::string out = std::string("usage: dagrun ") + v.name + (*v.usage ? " " : "") + v.usage +
                    "\n\n" + v.summary + "\n";
  if (!v.flags.empty()) out += "\noptions:\n" + describe_flags(v.flags);
  out += "\nglobal options:\n" + describe_flags(global_flags());
  return out;
}

// The verb is the first argument that is neither a flag nor a global flag's value.
int find_verb(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return i + 1 < args.size() ? static_cast<int>(i + 1) : -1;
    if (a.rfind("-", 0) != 0) return static_cast<int>(i);
    if (a.find('=') != std::string::npos) continue;
    for (const FlagSpec& f : global_flags())
      if (a == "--" + f.name && !f.metavar.empty()) ++i;
  }
  return -1;
}

void configure_logging(const ParsedArgs& args) {
  auto logger = spdlog::stderr_color_mt("dagrun");
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  std::string level = args.value("log-level").value_or("warn");
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw UsageError("--log-level must be debug, info, warn or error, not '" + level + "'");
  spdlog::set_level(parsed);
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int verb_at = find_verb(args);
  if (verb_at < 0) {
    for (const auto& a : args) {
      if (a == "--version") {
        std::cout << "dagrun " << DAGRUN_VERSION << "\n";
        return kExitOk;
      }
      if (a == "-h" || a == "--help") {
        std::cout << program_usage();
        return kExitOk;
      }
    }
    std::cerr << "dagrun: no verb given\n" << program_usage();
    return kExitUsage;
  }
  const std::string name = args[static_cast<size_t>(verb_at)];
  const Verb* verb = nullptr;
  for (const Verb& v : verbs())
    if (name == v.name) verb = &v;
  if (!verb) {
    std::vector<std::string> names;
    for (const Verb& v : verbs()) names.push_back(v.name);
    std::cerr << "dagrun: unknown verb '" << name << "'";
    if (auto best = closest_match(name, names)) std::cerr << " (did you mean '" << *best << "'?)";
    std::cerr << "\n\n" << program_usage();
    return kExitUsage;
  }
  args.erase(args.begin() + verb_at);

  std::vector<FlagSpec> specs = global_flags();
  specs.insert(specs.end(), verb->flags.begin(), verb->flags.end());
  Context ctx;
  try {
    ctx.args = parse_args(args, specs);
    if (ctx.args.help) {
      std::cout << verb_usage(*verb);
      return kExitOk;
    }
    const int n = static_cast<int>(ctx.args.positionals.size());
    if (n < verb->min_positionals || (verb->max_positionals >= 0 && n > verb->max_positionals))
      throw UsageError(n < verb->min_positionals ? "missing arguments" : "too many arguments");
    configure_logging(ctx.args);
  } catch (const UsageError& e) {
    std::cerr << "dagrun " << verb->name << ": " << e.what() << "\n\n" << verb_usage(*verb);
    return kExitUsage;
  }
  ctx.home = resolve_home(ctx.args);
  ctx.color = ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR");
  try {
    return verb->run(ctx);
  } catch (const UsageError& e) {
    std::cerr << "dagrun " << verb->name << ": " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "dagrun " << verb->name << ": " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace
}  // namespace dagrun::cli

int main(int argc, char** argv) { return dagrun::cli::run(argc, argv); }
