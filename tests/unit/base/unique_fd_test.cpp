// A descriptor has one owner: closed once, when the owner goes, and handed
// over by moving.
#include "base/unique_fd.h"

#include <doctest/doctest.h>

#include <fcntl.h>

#include <type_traits>
#include <utility>

using namespace dagrun;

namespace {

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

}  // namespace

static_assert(!std::is_copy_constructible_v<UniqueFd> && !std::is_copy_assignable_v<UniqueFd>);

TEST_CASE("a descriptor is closed once, by its last owner") {
  const int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(raw >= 0);
  {
    UniqueFd a(raw);
    CHECK(a.valid());
    UniqueFd b(std::move(a));
    CHECK_FALSE(a.valid());
    CHECK(b.get() == raw);
    UniqueFd c;
    c = std::move(b);
    CHECK(c.get() == raw);
    CHECK(is_open(raw));
  }
  CHECK_FALSE(is_open(raw));
}

TEST_CASE("reset closes what was held, release gives it up open") {
  const int first = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int second = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  UniqueFd fd(first);
  fd.reset(second);
  CHECK_FALSE(is_open(first));
  const int released = fd.release();
  CHECK(released == second);
  CHECK_FALSE(fd.valid());
  CHECK(is_open(second));
  ::close(second);
}
