// The bounds a DAG file must stay within, in one place. Each keeps loading linear
// in the file's size and every value the engine does arithmetic with far from
// overflow; docs/dag-format.md ("Limits") lists them for users.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace dagrun::limits {

// A larger file is refused before it is read.
inline constexpr std::uint64_t kMaxFileBytes = 64ull << 20;  // 64 MiB
// Objects and arrays nested deeper than this are refused while parsing, so no
// later recursive walk (conversions, templates, rendering) can exhaust the stack.
inline constexpr size_t kMaxDepth = 64;
// Any string or key, in bytes.
inline constexpr size_t kMaxStringBytes = 1 << 20;  // 1 MiB
inline constexpr size_t kMaxTasks = 500'000;
inline constexpr size_t kMaxUpstream = 10'000;  // entries in one task's upstream list
// Diagnostics kept per file; the rest are counted in one closing line.
inline constexpr size_t kMaxDiagnostics = 100;

// Durations (timeouts, delays, limits): at most a year.
inline constexpr std::chrono::milliseconds kMaxDuration = std::chrono::hours(24 * 365);
// start_date and end_date: from 1970 up to the end of 2199.
inline constexpr int kMinYear = 1970;
inline constexpr int kMaxYear = 2199;
// Counts a DAG sets.
inline constexpr int kMaxRetries = 1000;
inline constexpr int kMaxActive = 100'000;  // max_active_tasks, max_active_runs
// Pools: slots of one pool, slots one task takes, priority weights (both
// signs), pools one configuration declares.
inline constexpr int kMaxPoolSlots = 100'000;
inline constexpr int kMaxPriorityWeight = 1'000'000;
inline constexpr size_t kMaxPools = 1'000;
// A mapped task's instances in one run (its `expand` list, written or pulled).
inline constexpr size_t kMaxMapLength = 10'000;
// Callbacks: actions per event, a webhook's URL, how long one action may take.
inline constexpr size_t kMaxCallbacks = 8;
inline constexpr size_t kMaxWebhookUrlBytes = 2048;
inline constexpr std::chrono::milliseconds kMaxCallbackTimeout = std::chrono::hours(1);
// Container resources.
inline constexpr double kMaxCpus = 1024;
inline constexpr std::int64_t kMaxPids = 4'194'304;  // the kernel's highest pid_max
inline constexpr std::uint64_t kMaxByteSize = 1ull << 50;  // 1 PiB
inline constexpr std::uint64_t kMaxUid = 4'294'967'294ull;  // (uid_t)-1 means "no change"

}  // namespace dagrun::limits
