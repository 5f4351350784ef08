// What a DAG id, task id and run id may be, and how an id becomes a file
// name. Every id reaches the file system (logs/<dag_id>/<run_id>/<task_id>.<try>.log,
// data/<dag_id>/<run_id>/), so the rules and the encoding live together here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dagrun {

// Airflow's limit for dag_id, task_id and run_id (its columns are String(250)).
inline constexpr std::size_t kMaxIdLength = 250;

// dag_id and task_id follow Airflow's KEY_REGEX ^[\w.-]+$ (ASCII); run ids
// its default allowed_run_id_pattern ^[A-Za-z0-9_.~:+-]+$, which the
// generated ids (manual__2026-11-29T02:07:39.123Z) fit. None may be "." or
// "..": they name a directory. None can hold '/', a space or a control
// character.
// task_instance: a task id, or a mapped task's instance, task_id[index]
// (what the history and the command line name tries by).
enum class IdKind { dag, task, run, task_instance };

// Why `id` is not a valid id of that kind ("must not be empty"), nullopt when
// it is. The text follows the field's name: "dag_id must not be empty".
std::optional<std::string> id_problem(IdKind kind, std::string_view id);
inline bool is_valid_id(IdKind kind, std::string_view id) { return !id_problem(kind, id); }
// A dag_id or task_id.
inline bool is_valid_id(std::string_view id) { return is_valid_id(IdKind::dag, id); }

// A mapped task's instances are named task_id[index] (docs/dag-format.md,
// "Mapped tasks"): '[' is in no task id, so the names never meet a task's.
std::string mapped_task_id(std::string_view task_id, int index);
struct MappedTaskId {
  std::string_view task_id;
  int index;
};
// The task id and index of such a name (index without leading zeros, below
// limits::kMaxMapLength); nullopt for any other text.
std::optional<MappedTaskId> parse_mapped_task_id(std::string_view id);

// The id for an error message: quoted, control characters and bytes outside
// ASCII written as \xNN, cut after 60 bytes, so a hostile id cannot forge or
// flood the terminal.
std::string quote_id(std::string_view id);

// Text from a file or a request, made safe for a terminal: C0 and C1 control
// characters and DEL written as \xNN (ESC would start an escape sequence, a
// newline would forge another message), everything else, UTF-8 included, as it is.
std::string printable_text(std::string_view text);

// The longest file name Linux file systems take (NAME_MAX).
inline constexpr std::size_t kMaxFileName = 255;

// A file-name component naming `id` that leaves `reserve` bytes for a suffix
// within kMaxFileName. A valid id that fits is used as it is, so paths stay
// readable; anything else (too long, or an id from an older history that
// breaks the rules) becomes its sanitised prefix, '@' and 24 hex digits of
// its SHA-256. '@' is in no id, so the two forms never meet, and different
// ids get different names unless SHA-256 collides.
std::string id_file_name(std::string_view id, std::size_t reserve = 0);

// `id` if it has at most `max` bytes, else its prefix, '~' and 12 hex digits
// of its SHA-256, `max` bytes in all: for ids built from other ids
// (scheduled__<dag_id>__<time>) that must stay within kMaxIdLength.
std::string shorten_id(std::string_view id, std::size_t max);

// Hex SHA-256 of `data` (64 digits).
std::string sha256_hex(std::string_view data);

}  // namespace dagrun
