#include "task_host/limits.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <cxxabi.h>
#include <exception>
#include <new>
#include <string_view>
#include <typeinfo>

namespace dagrun {
namespace {

// Everything the handlers need is prepared up front: when memory is
// exhausted there is none left to format a message.
FatalOutput g_out{-1, FatalOutput::Format::protocol, 3};
std::string* g_plugin_name = nullptr;
char g_memory_line[512];
size_t g_memory_line_size = 0;

using TypeFn = std::type_info* (*)();
TypeFn g_plugin_current_type = nullptr;

void write_raw(const char* data, size_t size) {
  const bool socket = g_out.format == FatalOutput::Format::protocol;
  while (size > 0) {
    // MSG_NOSIGNAL: a vanished engine must not turn the last words into SIGPIPE.
    ssize_t n = socket ? ::send(g_out.fd, data, size, MSG_NOSIGNAL) : ::write(g_out.fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<size_t>(n);
  }
}

[[noreturn]] void on_out_of_memory() {
  write_raw(g_memory_line, g_memory_line_size);
  ::_exit(g_out.memory_exit_code);
}

std::string current_exception_type() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (!type && g_plugin_current_type) type = g_plugin_current_type();
  if (!type) return {};
  const char* mangled = type->name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = demangled ? demangled : mangled;
  std::free(demangled);
  return out;
}

// One line in the output's format. The leading newline of a protocol line
// ends any line another thread was halfway through; text lines are written
// whole by the standalone host, so they need none.
std::string fatal_line(const std::string& text) {
  if (g_out.format == FatalOutput::Format::text) return "ERROR " + text + "\n";
  protocol::Message m;
  m.type = protocol::Message::Type::fatal;
  m.text = text;
  return "\n" + protocol::encode(m);
}

[[noreturn]] void on_terminate() {
  std::string type = current_exception_type();
  std::string line = fatal_line("plugin '" + (g_plugin_name ? *g_plugin_name : std::string("?")) + "' terminated: " +
                                (type.empty() ? "std::terminate called" : "uncaught exception of type " + type));
  write_raw(line.data(), line.size());
  std::abort();
}

}  // namespace

std::string apply_limits(const protocol::Request& request) {
  if (request.memory_limit) {
    // RLIMIT_DATA rather than RLIMIT_AS: it counts memory the plugin can
    // write to (heap, anonymous mappings, thread stacks), not address space
    // it merely reserves; glibc reserves 64 MiB per malloc arena and a
    // threaded plugin would fail under an RLIMIT_AS that small.
    rlimit lim{request.memory_limit, request.memory_limit};
    if (::setrlimit(RLIMIT_DATA, &lim) != 0) return std::string("cannot set the memory limit: ") + std::strerror(errno);
  }
  if (request.cpu_limit_seconds) {
    rlimit lim{request.cpu_limit_seconds, request.cpu_limit_seconds + 1};
    if (::setrlimit(RLIMIT_CPU, &lim) != 0) return std::string("cannot set the CPU limit: ") + std::strerror(errno);
  }
  return {};
}

void install_fatal_handlers(const FatalOutput& out, const std::string& plugin_name, const std::string& memory_error) {
  g_out = out;
  g_plugin_name = new std::string(plugin_name);
  std::string line = fatal_line(memory_error.empty() ? "plugin '" + plugin_name + "' ran out of memory" : memory_error);
  g_memory_line_size = std::min(line.size(), sizeof g_memory_line);
  std::memcpy(g_memory_line, line.data(), g_memory_line_size);
  std::set_new_handler(on_out_of_memory);
  std::set_terminate(on_terminate);
}

void install_fatal_handlers_in_plugin_runtime() {
  // Looking through the loaded objects costs no system call; dlopen of the
  // bare soname with RTLD_NOLOAD would search the disk on every try.
  std::string path;
  ::dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        std::string_view name = info->dlpi_name ? info->dlpi_name : "";
        if (name.find("/libstdc++.so") == std::string_view::npos) return 0;
        *static_cast<std::string*>(out) = name;
        return 1;
      },
      &path);
  if (path.empty()) return;  // a C plugin, or one with its own static runtime
  void* runtime = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!runtime) return;
  using SetHandler = void (*(*)(void (*)()))();
  if (auto set_new = reinterpret_cast<SetHandler>(::dlsym(runtime, "_ZSt15set_new_handlerPFvvE")))
    set_new(on_out_of_memory);
  if (auto set_term = reinterpret_cast<SetHandler>(::dlsym(runtime, "_ZSt13set_terminatePFvvE")))
    set_term(on_terminate);
  g_plugin_current_type = reinterpret_cast<TypeFn>(::dlsym(runtime, "__cxa_current_exception_type"));
}

}  // namespace dagrun
