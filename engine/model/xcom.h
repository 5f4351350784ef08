// What an XCom may hold: the one home of the rule that every push passes,
// whoever makes it (a plugin in or out of the engine, a container's output,
// a container try run standalone by the task host).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dagrun {

// XComs are for small results (ids, counts, paths), not data.
inline constexpr std::size_t kXComMaxBytes = 64 * 1024;
inline constexpr std::size_t kXComMaxKeyBytes = 250;

// Empty when `key` may be pushed with `value_json`, else why not, e.g.
// "the value is not valid JSON".
std::string xcom_problem(std::string_view key, std::string_view value_json);

}  // namespace dagrun
