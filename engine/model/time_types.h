// The engine's clock types: every time in the model is a UTC instant with
// millisecond durations (ISO text in the history, see iso_time.h).
#pragma once

#include <chrono>

namespace dagrun {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

}  // namespace dagrun
