#include <pgpx/testing/cluster.hpp>

#include <pgpx/error.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;

namespace pgpx::testing {
namespace {

struct user_ids {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;
  std::string name;
};

// The unprivileged user that runs the server when this process is root.
auto server_user() -> std::optional<user_ids> {
  if (::geteuid() != 0) return std::nullopt;
  const char* name = std::getenv("PGPX_SERVER_USER");
  if (name == nullptr || *name == '\0') name = "postgres";
  const passwd* pw = ::getpwnam(name);
  if (pw == nullptr)
    throw config_error(std::string("running as root, pgpx starts PostgreSQL as the unprivileged user \"") + name +
                       "\", which does not exist; install postgresql-15 (it creates the postgres user) or set "
                       "PGPX_SERVER_USER");
  user_ids u{pw->pw_uid, pw->pw_gid, {}, name};
  int n = 32;
  u.groups.resize(static_cast<std::size_t>(n));
  if (::getgrouplist(name, pw->pw_gid, u.groups.data(), &n) < 0) {
    u.groups.resize(static_cast<std::size_t>(n));
    ::getgrouplist(name, pw->pw_gid, u.groups.data(), &n);
  }
  u.groups.resize(static_cast<std::size_t>(std::max(n, 0)));
  return u;
}

void give_to_server_user(const fs::path& p) {
  if (auto u = server_user()) {
    if (::chown(p.c_str(), u->uid, u->gid) != 0)
      throw config_error("cannot hand " + p.string() + " to user " + u->name + ": " + std::strerror(errno));
  }
}

struct run_result {
  int status = -1;
  std::string output;
};

// Runs a program (no shell), as the server user when root, capturing stdout and stderr.
auto run(const std::vector<std::string>& argv, bool as_server) -> run_result {
  const auto user = as_server ? server_user() : std::nullopt;
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw error(error_kind::connection, "pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw error(error_kind::connection, "fork failed");
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    if (user) {
      if (::setgroups(user->groups.size(), user->groups.data()) != 0 || ::setgid(user->gid) != 0 ||
          ::setuid(user->uid) != 0)
        ::_exit(126);
    }
    if (::chdir("/") != 0) ::_exit(126);
    // The server's own PG* variables must not leak in from the caller's environment.
    ::unsetenv("PGDATA");
    ::unsetenv("PGPORT");
    ::unsetenv("PGHOST");
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  run_result r;
  char buf[4096];
  for (;;) {
    const auto n = ::read(fds[0], buf, sizeof buf);
    if (n > 0) r.output.append(buf, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return r;
}

auto free_port() -> int {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) throw error(error_kind::connection, "cannot create a socket to find a free port");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(s);
  if (port == 0) throw error(error_kind::connection, "cannot find a free TCP port on 127.0.0.1");
  return port;
}

auto read_file(const fs::path& p) -> std::optional<std::string> {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void write_file(const fs::path& p, const std::string& content, fs::perms perms) {
  {
    std::ofstream out(p, std::ios::trunc);
    if (!out) throw config_error("cannot write " + p.string());
    out << content;
  }
  fs::permissions(p, perms);
  give_to_server_user(p);
}

auto random_token(std::size_t n) -> std::string {
  static constexpr char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::random_device rd;
  std::uniform_int_distribution<std::size_t> pick(0, sizeof alphabet - 2);
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(alphabet[pick(rd)]);
  return s;
}

auto conf_quote(const std::string& v) -> std::string {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') out += "''";
    else out.push_back(c);
  }
  return out + "'";
}

// Whether `user` can traverse every directory on the way to `dir` and write into it.
auto reachable_by(const user_ids& u, const fs::path& dir) -> bool {
  const auto allowed = [&](const struct stat& st, mode_t usr, mode_t grp, mode_t oth) {
    if (st.st_uid == u.uid) return (st.st_mode & usr) != 0;
    if (std::find(u.groups.begin(), u.groups.end(), st.st_gid) != u.groups.end() || st.st_gid == u.gid)
      return (st.st_mode & grp) != 0;
    return (st.st_mode & oth) != 0;
  };
  fs::path p;
  for (const auto& part : fs::absolute(dir)) {
    p /= part;
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return true;  // not created yet: it will be created for the user
    if (!allowed(st, S_IXUSR, S_IXGRP, S_IXOTH)) return false;
  }
  return true;
}

}  // namespace

auto find_server_bindir() -> fs::path {
  if (const char* env = std::getenv("PGPX_PG_BINDIR"); env != nullptr && *env != '\0') {
    if (fs::exists(fs::path(env) / "initdb")) return env;
    throw config_error(std::string("PGPX_PG_BINDIR=") + env + " does not contain initdb");
  }
  for (const char* pg_config : {"/usr/bin/pg_config", "/usr/local/bin/pg_config"}) {
    if (!fs::exists(pg_config)) continue;
    auto r = run({pg_config, "--bindir"}, false);
    while (!r.output.empty() && (r.output.back() == '\n' || r.output.back() == ' ')) r.output.pop_back();
    if (r.status == 0 && fs::exists(fs::path(r.output) / "initdb") && fs::exists(fs::path(r.output) / "pg_ctl"))
      return r.output;
  }
  fs::path best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const auto name = e.path().filename().string();
    const int v = std::atoi(name.c_str());
    if (v > best_version && fs::exists(e.path() / "bin" / "initdb")) {
      best_version = v;
      best = e.path() / "bin";
    }
  }
  if (best_version >= 0) return best;
  throw config_error(
      "no PostgreSQL server found (initdb and pg_ctl); install it with `apt-get install postgresql-15` or set "
      "PGPX_PG_BINDIR");
}

cluster::cluster(cluster_options options) : options_(std::move(options)) {
  if (options_.root.empty()) throw usage_error("a cluster needs a root directory");
  options_.root = fs::absolute(options_.root);
  if (auto p = read_file(options_.root / "port")) port_ = std::atoi(p->c_str());
}

auto cluster::init() -> bool {
  if (fs::exists(data_dir() / "PG_VERSION")) return false;
  fs::create_directories(options_.root);
  give_to_server_user(options_.root);
  fs::permissions(options_.root, fs::perms::owner_all);
  const auto bindir = find_server_bindir();
  const auto pwfile = options_.root / "password";
  if (!fs::exists(pwfile)) write_file(pwfile, random_token(24), fs::perms::owner_read | fs::perms::owner_write);
  std::vector<std::string> argv = {(bindir / "initdb").string(),
                                   "-D",
                                   data_dir().string(),
                                   "-U",
                                   options_.superuser,
                                   "-E",
                                   "UTF8",
                                   "--locale=C.UTF-8",
                                   "--auth-local=trust",
                                   "--auth-host=scram-sha-256",
                                   "--pwfile=" + pwfile.string(),
                                   "--no-instructions"};
  if (options_.fast) argv.emplace_back("--no-sync");
  const auto r = run(argv, true);
  if (r.status != 0) {
    std::error_code ec;
    fs::remove_all(data_dir(), ec);
    throw error(error_kind::connection, "initdb failed (exit " + std::to_string(r.status) + "): " + r.output);
  }
  {
    std::ofstream conf(data_dir() / "postgresql.conf", std::ios::app);
    conf << "\n# Settings pgpx manages (port, sockets, test options):\ninclude_if_exists = 'pgpx.conf'\n";
  }
  if (!options_.hba_lines.empty()) {
    const auto hba = data_dir() / "pg_hba.conf";
    std::string content;
    for (const auto& l : options_.hba_lines) content += l + "\n";
    content += read_file(hba).value_or("") + "\n";
    write_file(hba, content, fs::perms::owner_read | fs::perms::owner_write);
  }
  return true;
}

void cluster::write_settings() {
  std::string s = "# Written by pgpx at every start; edit cluster_options instead.\n";
  s += "port = " + std::to_string(port_) + "\n";
  s += "listen_addresses = '127.0.0.1'\n";
  s += "unix_socket_directories = " + conf_quote(socket_dir().string()) + "\n";
  if (options_.fast) s += "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n";
  for (const auto& [k, v] : options_.settings) s += k + " = " + conf_quote(v) + "\n";
  write_file(data_dir() / "pgpx.conf", s, fs::perms::owner_read | fs::perms::owner_write);
}

void cluster::pg_ctl(const std::vector<std::string>& args, bool check) {
  std::vector<std::string> argv = {(find_server_bindir() / "pg_ctl").string(), "-D", data_dir().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run(argv, true);
  if (check && r.status != 0)
    throw error(error_kind::connection, "pg_ctl " + args.front() + " failed (exit " + std::to_string(r.status) +
                                            "): " + r.output + "\nserver log:\n" + log_tail());
}

void cluster::start() {
  if (running()) return;
  init();
  remove_stale_lock_files();
  fs::create_directories(socket_dir());
  give_to_server_user(socket_dir());
  fs::permissions(socket_dir(), fs::perms::owner_all);
  for (int attempt = 0;; ++attempt) {
    if (options_.port != 0) port_ = options_.port;
    else if (port_ == 0 || attempt > 0) port_ = free_port();
    write_settings();
    const auto r = run({(find_server_bindir() / "pg_ctl").string(), "-D", data_dir().string(), "-l",
                        log_file().string(), "-w", "-t", std::to_string(options_.start_timeout.count()), "start"},
                       true);
    if (r.status == 0) break;
    const auto tail = log_tail(40);
    const bool port_taken =
        tail.find("could not bind") != std::string::npos || tail.find("Address already in use") != std::string::npos;
    if (!port_taken || options_.port != 0 || attempt >= 3)
      throw error(error_kind::connection,
                  "the PostgreSQL server did not start: " + r.output + "\nserver log:\n" + tail);
  }
  write_file(options_.root / "port", std::to_string(port_) + "\n", fs::perms::owner_read | fs::perms::owner_write);
}

void cluster::stop(bool immediate) {
  if (!running()) return;
  pg_ctl({"stop", "-w", "-m", immediate ? "immediate" : "fast"}, true);
}

void cluster::restart() {
  stop(false);
  start();
}

namespace {

// The lines of postmaster.pid: pid, data directory, start time (epoch seconds), port, socket
// directory, listen address, shared memory key, status.
auto pid_file_lines(const fs::path& file) -> std::vector<std::string> {
  std::vector<std::string> lines;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// When process `pid` started, in epoch seconds, from /proc; nullopt when unknown.
auto process_start_time(int pid) -> std::optional<long long> {
  std::ifstream stat_file("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(stat_file, stat)) return std::nullopt;
  // Field 22 (starttime, clock ticks since boot) counted after the ")" that ends the name.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
  }
  const long long ticks_since_boot = std::atoll(field.c_str());
  std::ifstream proc_stat("/proc/stat");
  long long boot = 0;
  for (std::string line; std::getline(proc_stat, line);)
    if (line.rfind("btime ", 0) == 0) boot = std::atoll(line.c_str() + 6);
  const long hz = ::sysconf(_SC_CLK_TCK);
  if (boot == 0 || hz <= 0 || ticks_since_boot <= 0) return std::nullopt;
  return boot + ticks_since_boot / hz;
}

enum class pid_verdict { ours, not_ours, dead };

// Whether `pid`, named by the postmaster.pid of `data_dir`, is that cluster's server. A process
// id can be reused after a crash (the file stays behind): trusting kill(pid, 0) alone would
// report an unrelated process as the server, and `pg_ctl stop` would signal it. Only positive
// evidence makes a process "not ours" (a /proc entry that cannot be read proves nothing):
// its program is not postgres, its working directory (the postmaster chdirs to its data
// directory) is another one, or it started at another time than the file records.
auto verify_postmaster(int pid, const fs::path& data_dir, const std::vector<std::string>& lines) -> pid_verdict {
  if (pid <= 0) return pid_verdict::dead;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return pid_verdict::dead;
  const auto proc = fs::path("/proc") / std::to_string(pid);
  std::error_code ec;
  const auto exe = fs::read_symlink(proc / "exe", ec);
  if (!ec && exe.filename().string().rfind("postgres", 0) != 0) return pid_verdict::not_ours;
  const auto cwd = fs::read_symlink(proc / "cwd", ec);
  if (!ec) {
    std::error_code ec2;
    const auto want = fs::weakly_canonical(data_dir, ec2);
    if (!ec2 && fs::weakly_canonical(cwd, ec2) != want) return pid_verdict::not_ours;
  }
  if (lines.size() > 1 && !lines[1].empty()) {
    std::error_code ec2;
    if (fs::weakly_canonical(lines[1], ec2) != fs::weakly_canonical(data_dir, ec2)) return pid_verdict::not_ours;
  }
  if (lines.size() > 2) {
    const long long recorded = std::atoll(lines[2].c_str());
    if (const auto started = process_start_time(pid); started && recorded > 0 && std::llabs(*started - recorded) > 10)
      return pid_verdict::not_ours;
  }
  return pid_verdict::ours;
}

}  // namespace

auto cluster::postmaster_pid() const -> int {
  const auto lines = pid_file_lines(data_dir() / "postmaster.pid");
  if (lines.empty()) return 0;
  const int pid = std::atoi(lines[0].c_str());
  return verify_postmaster(pid, data_dir(), lines) == pid_verdict::ours ? pid : 0;
}

void cluster::remove_stale_lock_files() {
  const auto file = data_dir() / "postmaster.pid";
  const auto lines = pid_file_lines(file);
  if (lines.empty()) return;
  const int pid = std::atoi(lines[0].c_str());
  // Only a file whose process is provably not this server: the server itself refuses to start
  // while the pid it names is alive, whoever that is. A dead pid it handles itself.
  if (verify_postmaster(pid, data_dir(), lines) != pid_verdict::not_ours) return;
  std::error_code ec;
  fs::remove(file, ec);
  // The socket lock files name the same pid and block the start the same way.
  for (const auto& e : fs::directory_iterator(socket_dir(), ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind(".s.PGSQL.", 0) != 0 || name.size() < 5 || name.substr(name.size() - 5) != ".lock") continue;
    const auto lock = pid_file_lines(e.path());
    if (!lock.empty() && std::atoi(lock[0].c_str()) == pid) {
      std::error_code ec2;
      fs::remove(e.path(), ec2);
      fs::remove(e.path().parent_path() / name.substr(0, name.size() - 5), ec2);
    }
  }
}

auto cluster::running() const -> bool { return postmaster_pid() != 0; }

void cluster::destroy() {
  if (running()) stop(true);
  std::error_code ec;
  fs::remove_all(options_.root, ec);
}

auto cluster::conninfo(std::string_view dbname) const -> pgpx::conninfo {
  pgpx::conninfo ci;
  ci.set("host", socket_dir().string());
  ci.set("port", std::to_string(port_));
  ci.set("user", options_.superuser);
  ci.set("dbname", std::string(dbname));
  return ci;
}

auto cluster::tcp_conninfo(std::string_view dbname) const -> pgpx::conninfo {
  pgpx::conninfo ci;
  ci.set("host", "127.0.0.1");
  ci.set("port", std::to_string(port_));
  ci.set("user", options_.superuser);
  ci.set("password", password());
  ci.set("dbname", std::string(dbname));
  return ci;
}

auto cluster::password() const -> std::string { return read_file(options_.root / "password").value_or(""); }

auto cluster::install_file(std::string_view name, std::string_view content, fs::perms perms) -> fs::path {
  const auto path = options_.root / std::string(name);
  write_file(path, std::string(content), perms);
  return path;
}

void cluster::reconfigure(const std::vector<std::pair<std::string, std::string>>& settings) {
  std::string s;
  for (const auto& [k, v] : settings) s += k + " = " + conf_quote(v) + "\n";
  write_file(data_dir() / "pgpx-extra.conf", s, fs::perms::owner_read | fs::perms::owner_write);
  {
    // Included after pgpx.conf, so these win; created once.
    const auto conf = data_dir() / "postgresql.conf";
    const auto text = read_file(conf).value_or("");
    if (text.find("pgpx-extra.conf") == std::string::npos) {
      std::ofstream out(conf, std::ios::app);
      out << "include_if_exists = 'pgpx-extra.conf'\n";
    }
  }
  pg_ctl({"reload"}, true);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the postmaster rereads asynchronously
}

void cluster::start_as_standby_of(const cluster& primary) {
  if (fs::exists(data_dir() / "PG_VERSION")) throw usage_error("the standby's data directory exists already");
  fs::create_directories(options_.root);
  give_to_server_user(options_.root);
  fs::permissions(options_.root, fs::perms::owner_all);
  const auto r =
      run({(find_server_bindir() / "pg_basebackup").string(), "-D", data_dir().string(), "-R", "-X", "stream", "-c",
           "fast", "-h", primary.socket_dir().string(), "-p", std::to_string(primary.port()), "-U", "postgres"},
          true);
  if (r.status != 0) throw error(error_kind::connection, "pg_basebackup failed: " + r.output);
  // Same catalog, same superuser password.
  write_file(options_.root / "password", primary.password(), fs::perms::owner_read | fs::perms::owner_write);
  start();
}

void cluster::promote() { pg_ctl({"promote", "-w"}, true); }

auto cluster::log_tail(std::size_t lines) const -> std::string {
  std::ifstream in(log_file());
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

temp_cluster::temp_cluster(std::vector<std::pair<std::string, std::string>> settings)
    : cluster([&] {
        cluster_options o;
        o.root = make_cluster_temp_dir("pgpx-cluster-");
        o.fast = true;
        o.settings = std::move(settings);
        return o;
      }()) {
  try {
    start();
  } catch (...) {
    destroy();
    throw;
  }
}

temp_cluster::~temp_cluster() {
  try {
    if (!root().empty()) destroy();
  } catch (...) {  // never throw from a destructor; the temp dir may stay behind
  }
}

auto make_cluster_temp_dir(std::string_view prefix) -> fs::path {
  const char* tmp = std::getenv("TMPDIR");
  fs::path base = tmp != nullptr && *tmp != '\0' ? fs::path(tmp) : fs::path("/tmp");
  if (auto u = server_user(); u && !reachable_by(*u, base)) base = "/tmp";
  std::string templ = (base / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(templ.data()) == nullptr)
    throw config_error("cannot create a temporary directory in " + base.string() + ": " + std::strerror(errno));
  give_to_server_user(templ);
  return templ;
}

auto cluster_root_for(const fs::path& owner_dir) -> fs::path {
  const auto dir = fs::absolute(owner_dir);
  const auto user = server_user();
  if (!user || reachable_by(*user, dir.parent_path())) {
    fs::create_directories(dir);
    give_to_server_user(dir);
    return dir;
  }
  // The server user cannot reach the project (for example under /root): keep the cluster in
  // /var/tmp, under a name derived from the project path so that it is found again.
  const auto h = std::hash<std::string>{}(dir.string());
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016zx", h);
  // Name it after the nearest directory that looks like a project (not .pgpx, not cluster).
  std::string label = "project";
  for (auto p = dir; p.has_relative_path(); p = p.parent_path()) {
    const auto name = p.filename().string();
    if (!name.empty() && name[0] != '.' && name != "cluster") {
      label = name;
      break;
    }
  }
  fs::path root = fs::path("/var/tmp") / ("pgpx-" + label + "-" + hex);
  fs::create_directories(root);
  give_to_server_user(root);
  return root;
}

}  // namespace pgpx::testing
