#include "cli/man_page.h"

#include <sstream>

namespace dagrun::cli {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

void header(std::ostringstream& s, std::string_view title, std::string_view version) {
  s << ".\\\" Written by `dagrun man` from the command's verb table; edit engine/cli/verbs.cpp, not this.\n"
    << ".TH " << roff_escape(upper(title)) << " 1 \"\" \"dagrun " << roff_escape(version)
    << "\" \"dagrun manual\"\n";
}

void options(std::ostringstream& s, const std::vector<FlagSpec>& flags) {
  for (const FlagSpec& f : flags) {
    // .BI: the flag bold, its value's name italic.
    s << ".TP\n.BI \"\\-\\-" << roff_escape(f.name) << (f.metavar.empty() ? "\"" : " \" \"")
      << roff_escape(f.metavar) << (f.metavar.empty() ? "" : "\"") << "\n"
      << roff_escape(f.help) << "\n";
  }
}

}  // namespace

std::string roff_escape(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string program_man_page(const std::vector<Verb>& verbs, const std::vector<FlagSpec>& global,
                             std::string_view version) {
  std::ostringstream s;
  header(s, "dagrun", version);
  s << ".SH NAME\ndagrun \\- run DAGs of commands, plugins and containers, with their history\n"
       ".SH SYNOPSIS\n.B dagrun\n[\\fIglobal options\\fR] \\fIVERB\\fR [\\fIARGS\\fR]\n"
       ".SH DESCRIPTION\n"
       "dagrun loads DAGs from JSON files in a home's DAGs folder, runs their tasks as commands, "
       "shared-library plugins or containers, and records every run and try in a history "
       "(SQLite, or PostgreSQL). Each verb has a page of its own: \\fBdagrun\\-\\fIVERB\\fR(1).\n"
       ".SH VERBS\n";
  for (const Verb& v : verbs) {
    s << ".TP\n.BI \"" << roff_escape(v.name) << " \" \"" << roff_escape(v.usage) << "\"\n"
      << roff_escape(v.summary) << "\n";
  }
  s << ".SH GLOBAL OPTIONS\nAccepted before or after the verb.\n";
  options(s, global);
  s << ".SH ENVIRONMENT\n"
       ".TP\n.B DAGRUN_HOME\nthe home when \\-\\-home is not given\n"
       ".TP\n.B DAGRUN_DB\nthe history (a SQLite file or a postgresql:// URL) when \\-\\-db is not given\n"
       ".TP\n.B DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH\n"
       "the Docker daemon of container tasks, as the docker command reads them\n"
       ".SH SEE ALSO\n";
  for (size_t i = 0; i < verbs.size(); ++i)
    s << (i ? ",\n" : "") << ".BR dagrun\\-" << roff_escape(verbs[i].name) << " (1)";
  s << "\n";
  return s.str();
}

std::string verb_man_page(const Verb& verb, std::string_view version) {
  std::ostringstream s;
  header(s, std::string("dagrun-") + verb.name, version);
  s << ".SH NAME\ndagrun\\-" << roff_escape(verb.name) << " \\- " << roff_escape(verb.summary) << "\n"
    << ".SH SYNOPSIS\n.B dagrun " << roff_escape(verb.name) << "\n" << roff_escape(verb.usage) << "\n";
  if (!verb.flags.empty()) {
    s << ".SH OPTIONS\n";
    options(s, verb.flags);
  }
  s << ".SH SEE ALSO\n.BR dagrun (1)\n";
  return s.str();
}

}  // namespace dagrun::cli
