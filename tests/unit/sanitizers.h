// What a sanitizer build changes about the behaviour a test observes.
#pragma once

namespace dagrun::test {

// Under AddressSanitizer the task host allocates through ASan's allocator,
// which maps memory lazily and dies when RLIMIT_DATA refuses a mapping rather
// than failing the allocation: the memory limit still ends the try (the host
// exits non-zero and only that try fails), but not with the bad_alloc message
// the host reports in the plain build, where the message is checked.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace dagrun::test
