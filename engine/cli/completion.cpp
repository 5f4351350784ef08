#include "cli/completion.h"

#include <sstream>

namespace dagrun::cli {
namespace {

std::string join_flags(const std::vector<FlagSpec>& flags, bool with_value) {
  std::string out;
  for (const FlagSpec& f : flags) {
    if (with_value != !f.metavar.empty()) continue;
    if (!out.empty()) out += ' ';
    out += "--" + f.name;
  }
  return out;
}

}  // namespace

const char* value_kind(const std::string& metavar) {
  if (metavar.find("DIR") != std::string::npos) return "dirs";
  if (metavar.find("FILE") != std::string::npos) return "files";
  return "";
}

std::string home_flags_pattern(std::string_view suffix) {
  std::string out;
  for (const char* f : {"home", "dags", "db", "plugin-path"})
    out.append(out.empty() ? "--" : "|--").append(f).append(suffix);
  return out;
}

std::vector<std::string> positional_names(std::string_view usage) {
  std::vector<std::string> names;
  std::istringstream words{std::string(usage)};
  for (std::string w; words >> w;) {
    if (w.starts_with("--") || w.starts_with("[--")) break;  // the flags start: no positional after them
    std::string name;
    for (char c : w)
      if (c != '[' && c != ']' && c != '.') name += c;
    names.push_back(name);
  }
  return names;
}

std::vector<std::string> positional_kinds(std::string_view usage) {
  std::vector<std::string> kinds;
  for (std::string name : positional_names(usage)) {
    if (name == "DAG_ID") kinds.push_back("dags");
    else if (name == "RUN_ID") kinds.push_back("runs");
    else if (name == "FILE") kinds.push_back("files");
    else if (!name.empty() && name.front() >= 'a' && name.front() <= 'z') {
      for (char& c : name)
        if (c == '|') c = ' ';  // alternatives: each is offered
      kinds.push_back(name);
    } else kinds.push_back("");
  }
  return kinds;
}

bool last_positional_repeats(std::string_view usage) {
  return usage.find("...]") != std::string_view::npos;
}

std::string bash_completion(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global) {
  std::ostringstream s;
  s << "# bash completion for dagrun, written by `dagrun completion bash` from its verb table.\n"
       "# Install: put it in /usr/share/bash-completion/completions/dagrun (cmake --install does),\n"
       "# or: source <(dagrun completion bash)\n"
       "_dagrun() {\n"
       "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"\"\n"
       "  (( COMP_CWORD > 0 )) && prev=\"${COMP_WORDS[COMP_CWORD-1]}\"\n"
       "  local global_value=\" "
    << join_flags(global, true) << " \"\n"
    << "  local global_flags=\"" << join_flags(global, false) << (join_flags(global, false).empty() ? "" : " ")
    << join_flags(global, true) << " --help --version\"\n"
    << "  local verbs=\"";
  for (size_t i = 0; i < verbs.size(); ++i) s << (i ? " " : "") << verbs[i].name;
  s << "\"\n"
       "  # The verb, the global flags that choose the home (passed on when ids\n"
       "  # are asked for), and how many positional words follow the verb.\n"
       "  local verb=\"\" i w n=0 home=()\n"
       "  for (( i = 1; i < COMP_CWORD; i++ )); do\n"
       "    w=\"${COMP_WORDS[i]}\"\n"
       "    case \"$w\" in\n"
       "      " << home_flags_pattern("") << ") home+=(\"$w\" \"${COMP_WORDS[i+1]}\"); (( i++ )); continue ;;\n"
       "      " << home_flags_pattern("=*") << ") home+=(\"$w\"); continue ;;\n"
       "      --*=*) continue ;;\n"
       "      -*) [[ \"$global_value $(_dagrun_value_flags \"$verb\") \" == *\" $w \"* ]] && (( i++ )); continue ;;\n"
       "    esac\n"
       "    if [[ -z \"$verb\" ]]; then verb=\"$w\"; else (( n++ )); fi\n"
       "  done\n"
       "  # The value of a flag that takes one.\n"
       "  if [[ \"$prev\" == --* && \" $global_value $(_dagrun_value_flags \"$verb\") \" == *\" $prev \"* ]]; then\n"
       "    case \"$(_dagrun_value_kind \"$prev\")\" in\n"
       "      dirs) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
       "      files) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
       "      *) COMPREPLY=() ;;\n"
       "    esac\n"
       "    return\n"
       "  fi\n"
       "  if [[ -z \"$verb\" ]]; then\n"
       "    if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W \"$global_flags\" -- \"$cur\"));\n"
       "    else COMPREPLY=($(compgen -W \"$verbs\" -- \"$cur\")); fi\n"
       "    return\n"
       "  fi\n"
       "  if [[ \"$cur\" == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$(_dagrun_flags \"$verb\") $global_flags\" -- \"$cur\"))\n"
       "    return\n"
       "  fi\n"
       "  local kind\n"
       "  kind=\"$(_dagrun_positional \"$verb\" \"$n\")\"\n"
       "  case \"$kind\" in\n"
       "    dags|runs) COMPREPLY=($(compgen -W \"$(\"${COMP_WORDS[0]}\" \"${home[@]}\" completion --ids \"$kind\" 2>/dev/null)\" -- \"$cur\")) ;;\n"
       "    files) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
       "    \"\") COMPREPLY=() ;;\n"
       "    *) COMPREPLY=($(compgen -W \"$kind\" -- \"$cur\")) ;;\n"
       "  esac\n"
       "}\n"
       "# A verb's flags (all, or those that take a value).\n"
       "_dagrun_flags() {\n"
       "  case \"$1\" in\n";
  for (const Verb& v : verbs) {
    std::string all = join_flags(v.flags, false);
    std::string valued = join_flags(v.flags, true);
    s << "    " << v.name << ") echo \"" << all << (all.empty() || valued.empty() ? "" : " ") << valued
      << "\" ;;\n";
  }
  s << "  esac\n"
       "}\n"
       "_dagrun_value_flags() {\n"
       "  case \"$1\" in\n";
  for (const Verb& v : verbs) s << "    " << v.name << ") echo \"" << join_flags(v.flags, true) << "\" ;;\n";
  s << "  esac\n"
       "}\n"
       "_dagrun_value_kind() {\n"
       "  case \"$1\" in\n";
  // A flag name may appear in several verbs with different values; the
  // first kind that names files or directories wins (none does both).
  std::vector<std::pair<std::string, std::string>> kinds;
  auto add = [&](const FlagSpec& f) {
    const std::string kind = value_kind(f.metavar);
    if (kind.empty()) return;
    for (const auto& k : kinds)
      if (k.first == f.name) return;
    kinds.emplace_back(f.name, kind);
  };
  for (const FlagSpec& f : global) add(f);
  for (const Verb& v : verbs)
    for (const FlagSpec& f : v.flags) add(f);
  for (const auto& [name, kind] : kinds) s << "    --" << name << ") echo " << kind << " ;;\n";
  s << "  esac\n"
       "}\n"
       "# What the verb's Nth positional argument is.\n"
       "_dagrun_positional() {\n"
       "  case \"$1:$2\" in\n";
  for (const Verb& v : verbs) {
    const std::vector<std::string> k = positional_kinds(v.usage);
    for (size_t i = 0; i < k.size(); ++i) {
      // A trailing "FILE..." takes any number of files.
      const bool repeats = last_positional_repeats(v.usage) && i + 1 == k.size();
      s << "    " << v.name << ":" << (repeats ? "*" : std::to_string(i)) << ") echo \"" << k[i] << "\" ;;\n";
    }
  }
  s << "  esac\n"
       "}\n"
       "complete -F _dagrun dagrun\n";
  return s.str();
}

}  // namespace dagrun::cli
