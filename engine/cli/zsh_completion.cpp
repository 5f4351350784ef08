// The native zsh completion (completion.h): _dagrun on _arguments and
// _describe, written from the verb table and the same reading of it as the
// bash script (positional_kinds, value_kind, home_flags_pattern), so both
// shells complete the same words; zsh also shows each verb's and flag's help.
#include <sstream>

#include "cli/completion.h"

namespace dagrun::cli {
namespace {

// A word in single quotes for zsh: a quote inside is '\''.
std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Text with what _arguments and _describe read as syntax escaped: the
// backslash, the brackets around a flag's help and the colons between fields.
std::string escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '[' || c == ']' || c == ':') out += '\\';
    out += c;
  }
  return out;
}

// --name[help] for a boolean flag; --name=[help]:METAVAR:action for one with
// a value, given as the next word or after '='.
std::string flag_spec(const FlagSpec& f) {
  const std::string head = "--" + f.name + (f.metavar.empty() ? "" : "=") + "[" + escaped(f.help) + "]";
  if (f.metavar.empty()) return single_quoted(head);
  const std::string kind = value_kind(f.metavar);
  const char* action = kind == "dirs" ? "_files -/" : kind == "files" ? "_files" : " ";  // " ": typed by hand
  return single_quoted(head + ":" + escaped(f.metavar) + ":" + action);
}

// The _arguments specs of a verb's positional arguments, as bash reads them.
std::vector<std::string> positional_specs(std::string_view usage) {
  const std::vector<std::string> names = positional_names(usage);
  const std::vector<std::string> kinds = positional_kinds(usage);
  std::vector<std::string> specs;
  for (size_t i = 0; i < kinds.size(); ++i) {
    const bool repeats = last_positional_repeats(usage) && i + 1 == kinds.size();
    // In braces, _dagrun_ids gets its argument as written: as a plain action,
    // _arguments would put its own options before it.
    std::string message = names[i], action = " ";
    if (kinds[i] == "dags") message = "DAG id", action = "{_dagrun_ids dags}";
    else if (kinds[i] == "runs") message = "run id", action = "{_dagrun_ids runs}";
    else if (kinds[i] == "files") message = "file", action = "_files";
    else if (!kinds[i].empty()) action = "(" + kinds[i] + ")";  // literal words
    if (message.find_first_not_of("|") == std::string::npos) message = "argument";  // usage's "|"
    const std::string position = repeats ? "*" : std::to_string(i + 1);
    specs.push_back(single_quoted(position + ":" + escaped(message) + ":" + action));
  }
  return specs;
}

}  // namespace

std::string zsh_completion(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global) {
  std::ostringstream s;
  s << "#compdef dagrun\n"
       "# zsh completion for dagrun, written by `dagrun completion zsh` from its verb table.\n"
       "# Install: as _dagrun in a directory of $fpath before compinit runs (cmake --install\n"
       "# puts it in share/zsh/site-functions), or after compinit: source <(dagrun completion zsh)\n"
       "\n"
       "_dagrun() {\n"
       "  # The program as typed and the flags on the line that choose the home:\n"
       "  # _dagrun_ids passes them on, as the bash completion does (unquoted, and\n"
       "  # a value's leading ~ expanded, as the shell will pass them).\n"
       "  local _dagrun_prog=${(Q)words[1]} w\n"
       "  local -a _dagrun_home\n"
       "  integer i\n"
       "  for (( i = 2; i < CURRENT; i++ )); do\n"
       "    w=${(Q)words[i]}\n"
       "    case $w in\n"
       "      ("
    << home_flags_pattern("") << ") _dagrun_home+=($w ${${(Q)words[i+1]}/#\\~/$HOME}); (( i++ )) ;;\n"
    << "      (" << home_flags_pattern("=*") << ") _dagrun_home+=($w) ;;\n"
    << "    esac\n"
       "  done\n"
       "  local curcontext=$curcontext state state_descr line ret=1\n"
       "  local -A opt_args\n"
       "  local -a _dagrun_global=(\n";
  for (const FlagSpec& f : global) s << "    " << flag_spec(f) << "\n";
  s << "    '--help[print the usage]'\n"
       "  )\n"
       "  _arguments -C : $_dagrun_global '--version[print the version]' \\\n"
       "    '1:verb:_dagrun_verbs' '*:: :->verb' && ret=0\n"
       "  [[ $state == verb ]] || return ret\n"
       "  # words is now the verb and what follows it.\n"
       "  curcontext=${curcontext%:*:*}:dagrun-$words[1]:\n"
       "  case $words[1] in\n";
  for (const Verb& v : verbs) {
    s << "    (" << v.name << ")\n      _arguments : $_dagrun_global";
    for (const FlagSpec& f : v.flags) s << " \\\n        " << flag_spec(f);
    for (const std::string& spec : positional_specs(v.usage)) s << " \\\n        " << spec;
    s << " && ret=0 ;;\n";
  }
  s << "  esac\n"
       "  return ret\n"
       "}\n"
       "\n"
       "_dagrun_verbs() {\n"
       "  local -a verbs=(\n";
  for (const Verb& v : verbs) s << "    " << single_quoted(escaped(v.name) + ":" + v.summary) << "\n";
  s << "  )\n"
       "  _describe -t verbs 'dagrun verb' verbs\n"
       "}\n"
       "\n"
       "# The DAG or run ids of the home the command line names (dagrun completion --ids).\n"
       "_dagrun_ids() {\n"
       "  local -a ids expl\n"
       "  ids=(${(f)\"$($_dagrun_prog \"${_dagrun_home[@]}\" completion --ids $1 2>/dev/null)\"})\n"
       "  _wanted $1 expl ${${1/dags/DAG id}/runs/run id} compadd -a ids\n"
       "}\n"
       "\n"
       "# Autoloaded from $fpath, this file is _dagrun's body: it defines the functions\n"
       "# above, then completes. Sourced, it registers _dagrun for dagrun.\n"
       "if [[ $funcstack[1] == _dagrun ]]; then\n"
       "  _dagrun \"$@\"\n"
       "else\n"
       "  compdef _dagrun dagrun\n"
       "fi\n";
  return s.str();
}

}  // namespace dagrun::cli
