// What a sanitizer build changes about the behaviour a test observes.
#pragma once

namespace dagrun::test {

// Under AddressSanitizer or ThreadSanitizer the task host allocates through
// the sanitizer's allocator, which maps memory lazily and dies when
// RLIMIT_DATA refuses a mapping rather than failing the allocation: the
// memory limit still ends the try (the host exits non-zero and only that try
// fails), but not with the bad_alloc message the host reports in the plain
// build, where the message is checked.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizerAllocator = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizerAllocator = true;
#else
inline constexpr bool kSanitizerAllocator = false;
#endif
#else
inline constexpr bool kSanitizerAllocator = false;
#endif

}  // namespace dagrun::test
