#include "run/signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>

namespace dagrun {
namespace {

sigset_t watched_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

SignalCanceller::SignalCanceller(CancelToken& token) : token_(token) {
  sigset_t set = watched_signals();
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
    throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
  signal_fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
  stop_fd_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!signal_fd_ || !stop_fd_) throw std::system_error(errno, std::generic_category(), "signalfd");
  thread_ = std::thread([this] { watch(); });
}

SignalCanceller::~SignalCanceller() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(stop_fd_.get(), &one, sizeof one);
  thread_.join();
  sigset_t set = watched_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

void SignalCanceller::watch() {
  pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents) return;
    signalfd_siginfo info{};
    if (::read(signal_fd_.get(), &info, sizeof info) != sizeof info) continue;
    int sig = static_cast<int>(info.ssi_signo);
    if (received_.exchange(sig) == 0)
      token_.cancel(std::string("interrupted by ") + (sig == SIGINT ? "SIGINT" : "SIGTERM"));
  }
}

}  // namespace dagrun
