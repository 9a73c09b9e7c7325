// api_bench: the foundation benchmark run by `make bench`. Starts the real `triaged` on a
// loopback port and measures ticket creation through the HTTP API, GET latency and idle RSS,
// then raw SQLite inserts of the same rows as a baseline; prints figures and a RESULT line.
#include "storage/sqlite_connection.hpp"
#include "storage/search_indexer.hpp"
#include "storage/sqlite_schema.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <sqlite3.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Targets printed next to the figures; a MISS is reported, never turned into an exit code.
constexpr double kTargetCreatesPerSecond = 20'000;
constexpr double kTargetGetP99Ms = 2.0;  // sequential GETs, one connection
constexpr double kTargetIdleRssMb = 30.0;

constexpr auto kStartTimeout = 20s;  // until the port file appears
constexpr auto kStopTimeout = 15s;   // SIGTERM to exit; triaged drains for at most 10 s
constexpr auto kPhaseGrace = 30s;    // a phase running this much past its plan is cut off
constexpr auto kIdleBeforeRss = 1s;
constexpr std::uint64_t kSqliteBatch = 1'000;  // tickets per baseline transaction
constexpr std::size_t kGetWarmup = 500;       // unrecorded GETs before the sequential run
constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kInitialReadBuffer = 16 * 1024;
constexpr std::size_t kMaxErrorText = 1'000;

// Every created ticket's subject carries an 8-digit sequence number, patched into the
// pre-serialised request where this placeholder sits (same width, so Content-Length holds).
constexpr std::string_view kSeqPlaceholder = "########";
constexpr std::uint64_t kSeqModulo = 100'000'000;

constexpr const char* kUsage = R"(usage: api_bench [options]

Starts triaged on 127.0.0.1 (port 0) with a fresh data directory and measures:
  1. tickets created per second through POST /api/v1/tickets (keep-alive connections)
  2. GET /api/v1/tickets/{id} latency, sequential (1 connection) and concurrent
  3. VmRSS of the idle server, after start-up and after the load
  4. raw SQLite inserts of the same rows, 1,000 tickets per transaction (baseline), and
     as many per transaction as there are connections (the API's largest group commit)

  --triaged PATH       server binary (default: triaged next to this executable)
  --seconds N          duration of the create phase (default 10)
  --count N            create exactly N tickets instead of running for --seconds
  --connections N      keep-alive connections for creates and concurrent GETs (default 64)
  --gets N             GETs per GET run (default 20000)
  --customers N        distinct requesters (default 5000)
  --sqlite-min N       baseline inserts at least N tickets (default 50000)
  --log-level LEVEL    triaged --log-level (default info, the production setting)
  --tmp-dir DIR        where to make the temporary directory (default $TMPDIR or /tmp)
  --keep               keep the temporary directory (data, server log, baseline database)

Exit status: 0 when every request succeeded and triaged exited 0 (targets missed or not),
1 on request errors or a server failure, 2 on bad arguments.
)";

struct Options {
    fs::path triaged;
    double seconds = 10;
    std::uint64_t count = 0;  // > 0: a fixed number of creates instead of a duration
    std::size_t connections = 64;
    std::size_t gets = 20'000;
    std::size_t customers = 5'000;
    std::uint64_t sqlite_min = 50'000;
    std::string log_level = "info";
    fs::path tmp_root;
    bool keep = false;
};

std::uint64_t parse_count(const std::string& flag, const std::string& text, std::uint64_t min) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value < min)
        throw std::invalid_argument(fmt::format("{} needs a whole number of at least {}, not '{}'", flag, min, text));
    return value;
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--triaged") o.triaged = value();
        else if (arg == "--seconds") {
            auto text = value();
            char* end = nullptr;
            o.seconds = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0' || !(o.seconds > 0) || o.seconds > 3600)
                throw std::invalid_argument("--seconds needs a number of seconds in (0, 3600], not '" + text + "'");
        } else if (arg == "--count") o.count = parse_count(arg, value(), 1);
        else if (arg == "--connections") o.connections = parse_count(arg, value(), 1);
        else if (arg == "--gets") o.gets = parse_count(arg, value(), 1);
        else if (arg == "--customers") o.customers = parse_count(arg, value(), 1);
        else if (arg == "--sqlite-min") o.sqlite_min = parse_count(arg, value(), 0);
        else if (arg == "--log-level") o.log_level = value();
        else if (arg == "--tmp-dir") o.tmp_root = value();
        else if (arg == "--keep") o.keep = true;
        else if (arg == "--help" || arg == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else throw std::invalid_argument("unknown argument " + arg);
    }
    if (o.triaged.empty()) o.triaged = fs::read_symlink("/proc/self/exe").parent_path() / "triaged";
    if (o.tmp_root.empty()) {
        const char* tmpdir = std::getenv("TMPDIR");
        o.tmp_root = tmpdir && *tmpdir ? tmpdir : "/tmp";
    }
    return o;
}

// ---- small helpers

double to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

double seconds_between(SteadyClock::time_point from, SteadyClock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

std::string thousands(std::uint64_t n) {
    auto digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string verdict(bool pass) { return pass ? "PASS" : "MISS"; }

std::string clipped(std::string_view text) {
    if (text.size() <= kMaxErrorText) return std::string(text);
    return std::string(text.substr(0, kMaxErrorText)) + "…";
}

// splitmix64: a cheap generator for per-request choices on the client's hot path.
std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Exact nearest-rank percentile of sorted samples.
std::int64_t percentile(const std::vector<std::int64_t>& sorted, double q) {
    if (sorted.empty()) return 0;
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

struct LatencySummary {
    double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

LatencySummary summarise(std::vector<std::int64_t>& latencies_ns) {
    std::sort(latencies_ns.begin(), latencies_ns.end());
    if (latencies_ns.empty()) return {};
    return {to_ms(percentile(latencies_ns, 0.50)), to_ms(percentile(latencies_ns, 0.99)),
            to_ms(latencies_ns.back())};
}

std::string random_token() {
    std::random_device device;
    std::string token;
    for (int i = 0; i < 4; ++i) {
        std::uint64_t word = (std::uint64_t{device()} << 32) | device();
        token += fmt::format("{:016x}", word);
    }
    return token;
}

std::string filesystem_note(const fs::path& dir) {
    struct statfs info{};
    if (statfs(dir.c_str(), &info) != 0) return "";
    constexpr long kTmpfsMagic = 0x01021994;
    constexpr long kOverlayMagic = 0x794c7630;
    if (info.f_type == kTmpfsMagic) return " [tmpfs: fsync costs nothing here, durability is not measured]";
    if (info.f_type == kOverlayMagic) return " [overlayfs]";
    return "";
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> last_lines(const fs::path& path, std::size_t n) {
    std::ifstream in(path);
    std::deque<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        lines.push_back(std::move(line));
        if (lines.size() > n) lines.pop_front();
    }
    return {lines.begin(), lines.end()};
}

// The 1-minute load average, as /proc/loadavg writes it.
std::string load_average() {
    std::istringstream in(read_file("/proc/loadavg"));
    std::string one;
    in >> one;
    return one.empty() ? "?" : one;
}

// ---- /proc readings of the server

// VmRSS or VmHWM of `pid` in MB (2^20 bytes).
std::optional<double> proc_status_mb(pid_t pid, std::string_view field) {
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    for (std::string line; std::getline(in, line);) {
        if (!line.starts_with(field) || line.size() <= field.size() || line[field.size()] != ':') continue;
        std::istringstream fields(line.substr(field.size() + 1));
        double kb = 0;
        if (fields >> kb) return kb / 1024.0;
    }
    return std::nullopt;
}

std::optional<long> proc_threads(pid_t pid) {
    std::ifstream in(fmt::format("/proc/{}/status", pid));
    for (std::string line; std::getline(in, line);)
        if (line.starts_with("Threads:")) return std::stol(line.substr(8));
    return std::nullopt;
}

// User plus system CPU seconds used so far by `pid`, or by its thread `tid`.
double proc_cpu_seconds(pid_t pid, long tid = 0) {
    auto stat = read_file(tid ? fmt::format("/proc/{}/task/{}/stat", pid, tid) : fmt::format("/proc/{}/stat", pid));
    auto close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    double ticks = 0;
    // After "(comm) " come state (field 3) ...; utime and stime are fields 14 and 15.
    for (int index = 3; index <= 15 && fields >> field; ++index)
        if (index >= 14) ticks += std::stod(field);
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds so far of each thread of `pid`, keyed by thread id, with the thread's name.
struct ThreadCpu {
    std::string name;
    double seconds = 0;
};
std::map<long, ThreadCpu> proc_thread_cpu(pid_t pid) {
    std::map<long, ThreadCpu> out;
    std::error_code ec;
    for (const auto& task : fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec)) {
        const auto tid = std::strtol(task.path().filename().c_str(), nullptr, 10);
        auto name = read_file(task.path() / "comm");
        while (!name.empty() && name.back() == '\n') name.pop_back();
        out[tid] = {name, proc_cpu_seconds(pid, tid)};
    }
    return out;
}

// "triaged 0.62, writer 0.31": cores each thread used between two snapshots.
std::string thread_cpu_breakdown(const std::map<long, ThreadCpu>& before, const std::map<long, ThreadCpu>& after,
                                 double seconds) {
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& [tid, now] : after) {
        auto then = before.find(tid);
        const double used = now.seconds - (then == before.end() ? 0 : then->second.seconds);
        rows.emplace_back(used / seconds, now.name);
    }
    std::sort(rows.rbegin(), rows.rend());
    std::string out;
    for (const auto& [cores, name] : rows) out += fmt::format("{}{} {:.2f}", out.empty() ? "" : ", ", name, cores);
    return out;
}

double self_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return secs(usage.ru_utime) + secs(usage.ru_stime);
}

// CPU seconds all CPUs of the machine spent busy (not idle, not waiting for I/O).
double machine_busy_seconds() {
    std::istringstream in(read_file("/proc/stat"));
    std::string cpu;
    in >> cpu;
    double busy = 0;
    double ticks = 0;
    // user nice system idle iowait irq softirq steal
    for (int field = 0; field < 8 && in >> ticks; ++field)
        if (field != 3 && field != 4) busy += ticks;
    return busy / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Cores used by the server, by this client and by everything else over one phase: on a
// shared machine the last number says how far to trust the others.
class CpuMeter {
public:
    explicit CpuMeter(pid_t server)
        : server_pid_(server), server_(proc_cpu_seconds(server)), client_(self_cpu_seconds()),
          machine_(machine_busy_seconds()), start_(SteadyClock::now()) {}

    struct Cores {
        double server = 0, client = 0, other = 0;
    };
    Cores cores() const {
        const double seconds = seconds_between(start_, SteadyClock::now());
        if (seconds <= 0) return {};
        Cores c;
        c.server = (proc_cpu_seconds(server_pid_) - server_) / seconds;
        c.client = (self_cpu_seconds() - client_) / seconds;
        c.other = std::max(0.0, (machine_busy_seconds() - machine_) / seconds - c.server - c.client);
        return c;
    }

private:
    pid_t server_pid_;
    double server_, client_, machine_;
    SteadyClock::time_point start_;
};

// ---- the scratch directory

class TempDir {
public:
    TempDir(const fs::path& root, bool keep) : keep_(keep) {
        auto pattern = (root / "triage-bench-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw std::runtime_error(
                fmt::format("cannot create a directory in {}: {}", root.string(), std::strerror(errno)));
        path_ = pattern;
    }
    ~TempDir() {
        if (keep_) return;
        std::error_code ignored;  // best effort: a leftover directory in /tmp harms nothing
        fs::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
    bool keep_;
};

// ---- the server under test, a child process

class ServerProcess {
public:
    // Forks and execs `binary` with `args`, `extra_env` added to this environment, stdin from
    // /dev/null and stdout/stderr into `log`. The child gets SIGKILL should the bench die.
    ServerProcess(const fs::path& binary, const std::vector<std::string>& args, const std::string& extra_env,
                  const fs::path& log) {
        std::vector<char*> argv;
        std::string argv0 = binary.string();
        argv.push_back(argv0.data());
        std::vector<std::string> arg_copies(args);
        for (auto& a : arg_copies) argv.push_back(a.data());
        argv.push_back(nullptr);

        const auto env_name = extra_env.substr(0, extra_env.find('=') + 1);
        std::vector<std::string> env_copies{extra_env};
        for (char** e = environ; *e; ++e)
            if (!std::string_view(*e).starts_with(env_name)) env_copies.emplace_back(*e);
        std::vector<char*> envp;
        for (auto& e : env_copies) envp.push_back(e.data());
        envp.push_back(nullptr);

        int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (log_fd < 0)
            throw std::runtime_error(fmt::format("cannot create {}: {}", log.string(), std::strerror(errno)));
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        const pid_t parent = getpid();
        started_ = SteadyClock::now();
        pid_ = fork();
        if (pid_ == 0) {  // child: async-signal-safe calls only
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(127);
            dup2(null_fd, 0);
            dup2(log_fd, 1);
            dup2(log_fd, 2);
            execve(argv[0], argv.data(), envp.data());
            const char msg[] = "api_bench: cannot execute triaged\n";
            [[maybe_unused]] auto n = write(2, msg, sizeof msg - 1);
            _exit(127);
        }
        ::close(log_fd);
        if (null_fd >= 0) ::close(null_fd);
        if (pid_ < 0) throw std::runtime_error(fmt::format("fork: {}", std::strerror(errno)));
    }

    ~ServerProcess() {
        if (running()) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            waitpid(pid_, &status, 0);
        }
    }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    pid_t pid() const { return pid_; }
    SteadyClock::time_point started() const { return started_; }
    bool running() const { return pid_ > 0 && !status_; }

    // The wait status once the child has exited, without blocking.
    std::optional<int> poll() {
        if (!status_ && pid_ > 0) {
            int status = 0;
            if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
        }
        return status_;
    }

    // SIGTERM, then waits up to `timeout`; SIGKILL after that. Returns the wait status, or
    // nothing when the server had to be killed.
    std::optional<int> stop(std::chrono::milliseconds timeout) {
        if (!running()) return status_;
        ::kill(pid_, SIGTERM);
        const auto deadline = SteadyClock::now() + timeout;
        while (SteadyClock::now() < deadline) {
            if (auto status = poll()) return status;
            std::this_thread::sleep_for(5ms);
        }
        ::kill(pid_, SIGKILL);
        int status = 0;
        waitpid(pid_, &status, 0);
        status_ = status;
        return std::nullopt;
    }

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    SteadyClock::time_point started_;
};

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return fmt::format("wait status {}", status);
}

// ---- what the requests say

struct TopicText {
    std::array<std::string_view, 2> subjects;
    std::array<std::string_view, 3> sentences;  // "{n}" stands for an order or customer number
};

struct LanguageText {
    std::string_view email_domain;
    std::string_view greeting;
    std::string_view sign_off;
    std::string_view filler;  // added when a message would be shorter than 200 bytes
    std::array<std::string_view, 10> first_names;
    std::array<std::string_view, 10> last_names;
    std::array<TopicText, 4> topics;  // in kTopics order
};

struct Topic {
    std::string_view queue;
    std::string_view tag;
};

constexpr std::array<Topic, 4> kTopics{{
    {"billing", "invoice"},
    {"technical", "login"},
    {"delivery", "shipping"},
    {"accounts", "address"},
}};

// Finnish, Estonian, Latvian and English, the languages of the help desk's customers.
const std::array<LanguageText, 4> kLanguages{{
    {"example.fi", "Hei,", "Ystävällisin terveisin,", "Kiitos etukäteen avustanne, odotan vastaustanne.",
     {"Matti", "Liisa", "Juha", "Päivi", "Mikko", "Aino", "Pekka", "Sanna", "Jari", "Tiina"},
     {"Meikäläinen", "Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
      "Järvinen"},
     {{
         {{"Lasku puuttuu", "Laskussa väärä summa"},
          {"En ole saanut laskua tilauksesta {n}, vaikka eräpäivä lähestyy.",
           "Voisitteko lähettää laskun uudelleen sähköpostiini tai tarkistaa, mihin osoitteeseen se on lähetetty?",
           "Maksoin edellisen laskun ajallaan, mutta nyt tililläni näkyy huomautusmaksu 5,00 €."}},
         {{"Sisäänkirjautuminen ei onnistu", "Sovellus kaatuu käynnistyksessä"},
          {"Yritän kirjautua palveluun, mutta saan virheilmoituksen \"istunto vanhentunut\".",
           "Ongelma alkoi eilisen päivityksen jälkeen, ja sama toistuu sekä puhelimella että tietokoneella.",
           "Olen jo tyhjentänyt välimuistin ja vaihtanut salasanan, mutta mikään ei auta."}},
         {{"Tilaus ei ole saapunut", "Paketti saapui vaurioituneena"},
          {"Tilasin tuotteen {n} kaksi viikkoa sitten, mutta seuranta näyttää yhä, että lähetys on matkalla.",
           "Pakkaus oli revennyt ja laitteen kulmassa on selvä lommo.",
           "Toivoisin uutta toimitusta tai hyvitystä mahdollisimman pian."}},
         {{"Osoitteenmuutos", "Tilin sulkeminen"},
          {"Muutin uuteen osoitteeseen Tampereella ja haluaisin päivittää yhteystietoni.",
           "En löydä asetuksista kohtaa, josta osoitteen voisi vaihtaa itse.",
           "Asiakasnumeroni on {n}, jos siitä on apua."}},
     }}},
    {"example.ee", "Tere,", "Lugupidamisega,", "Tänan juba ette abi eest ja ootan teie vastust.",
     {"Mari", "Jaan", "Kadri", "Tõnu", "Liis", "Peeter", "Kätlin", "Andres", "Triin", "Märt"},
     {"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Kõiv"},
     {{
         {{"Arve puudub", "Vale summa arvel"},
          {"Ma ei ole saanud arvet tellimuse {n} eest, kuigi maksetähtaeg läheneb.",
           "Palun saatke arve uuesti minu e-posti aadressile või kontrollige, kuhu see saadeti.",
           "Eelmise arve maksin õigeaegselt, kuid nüüd on kontol viivis 5,00 €."}},
         {{"Sisselogimine ei õnnestu", "Rakendus jookseb kokku"},
          {"Proovin teenusesse sisse logida, kuid saan veateate \"seanss on aegunud\".",
           "Probleem algas pärast eilset uuendust ning kordub nii telefonis kui ka arvutis.",
           "Olen juba vahemälu tühjendanud ja parooli vahetanud, kuid miski ei aita."}},
         {{"Tellimus pole kohale jõudnud", "Pakk on kahjustatud"},
          {"Tellisin toote {n} kaks nädalat tagasi, kuid jälgimine näitab endiselt, et saadetis on teel.",
           "Pakend oli rebenenud ja seadme nurgas on selge mõlk.",
           "Sooviksin uut saadetist või raha tagastamist niipea kui võimalik."}},
         {{"Aadressi muutmine", "Konto sulgemine"},
          {"Kolisin Tartusse ja sooviksin oma kontaktandmeid uuendada.",
           "Ma ei leia seadetest kohta, kus saaksin aadressi ise muuta.",
           "Minu kliendinumber on {n}, kui sellest on abi."}},
     }}},
    {"example.lv", "Labdien,", "Ar cieņu,", "Paldies jau iepriekš par palīdzību, gaidīšu jūsu atbildi.",
     {"Jānis", "Anna", "Mārtiņš", "Līga", "Andris", "Inese", "Kārlis", "Ilze", "Edgars", "Zane"},
     {"Bērziņš", "Kalniņa", "Ozols", "Liepiņa", "Krūmiņš", "Vītola", "Jansons", "Pētersone", "Zariņš", "Kļaviņa"},
     {{
         {{"Trūkst rēķina", "Nepareiza summa rēķinā"},
          {"Es neesmu saņēmis rēķinu par pasūtījumu {n}, lai gan apmaksas termiņš tuvojas.",
           "Lūdzu, nosūtiet rēķinu vēlreiz uz manu e-pastu vai pārbaudiet, uz kuru adresi tas tika nosūtīts.",
           "Iepriekšējo rēķinu samaksāju laikā, bet tagad kontā redzams kavējuma maksājums 5,00 €."}},
         {{"Nevaru pieslēgties", "Lietotne avarē"},
          {"Mēģinu pieslēgties pakalpojumam, bet saņemu kļūdas paziņojumu \"sesija ir beigusies\".",
           "Problēma sākās pēc vakardienas atjauninājuma un atkārtojas gan telefonā, gan datorā.",
           "Esmu jau iztīrījis kešatmiņu un nomainījis paroli, bet nekas nepalīdz."}},
         {{"Pasūtījums nav saņemts", "Bojāts sūtījums"},
          {"Pasūtīju preci {n} pirms divām nedēļām, bet izsekošana joprojām rāda, ka sūtījums ir ceļā.",
           "Iepakojums bija saplēsts, un ierīces stūrī ir skaidri redzams iespiedums.",
           "Vēlos jaunu piegādi vai naudas atmaksu pēc iespējas ātrāk."}},
         {{"Adreses maiņa", "Konta slēgšana"},
          {"Esmu pārcēlies uz Rīgu un vēlētos atjaunināt savu kontaktinformāciju.",
           "Iestatījumos nevaru atrast vietu, kur pašam nomainīt adresi.",
           "Mans klienta numurs ir {n}, ja tas palīdz."}},
     }}},
    {"example.com", "Hello,", "Kind regards,", "Thank you in advance for your help, I look forward to your reply.",
     {"John", "Emily", "David", "Sarah", "Michael", "Laura", "James", "Olivia", "Robert", "Grace"},
     {"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Thomas"},
     {{
         {{"Missing invoice", "Wrong amount on invoice"},
          {"I have not received the invoice for order {n}, although the due date is approaching.",
           "Could you please send it again to my email address or check where it was sent?",
           "I paid the previous invoice on time, but my account now shows a late fee of EUR 5.00."}},
         {{"Cannot log in", "App crashes on start"},
          {"I am trying to sign in, but I get the error message \"session expired\" every time.",
           "The problem started after yesterday's update and happens both on my phone and on my laptop.",
           "I have already cleared the cache and changed my password, but nothing helps."}},
         {{"Order has not arrived", "Parcel arrived damaged"},
          {"I ordered item {n} two weeks ago, but the tracking page still says the parcel is in transit.",
           "The box was torn open and the device has a visible dent in one corner.",
           "I would like a replacement or a refund as soon as possible."}},
         {{"Change of address", "Closing my account"},
          {"I have moved to Vilnius and would like to update my contact details.",
           "I cannot find the place in the settings where I could change the address myself.",
           "My customer number is {n}, in case that helps."}},
     }}},
}};

constexpr std::size_t kEnglish = 3;

// Lower-case ASCII for an email local part: "Mārtiņš" -> "martins".
std::string ascii_fold(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, char>, 22> kFolds{{
        {"ä", 'a'}, {"ö", 'o'}, {"å", 'a'}, {"õ", 'o'}, {"ü", 'u'}, {"š", 's'}, {"ž", 'z'}, {"ā", 'a'},
        {"č", 'c'}, {"ē", 'e'}, {"ģ", 'g'}, {"ī", 'i'}, {"ķ", 'k'}, {"ļ", 'l'}, {"ņ", 'n'}, {"ū", 'u'},
        {"Ä", 'a'}, {"Ö", 'o'}, {"Õ", 'o'}, {"Ü", 'u'}, {"Š", 's'}, {"Ž", 'z'},
    }};
    std::string out;
    for (std::size_t i = 0; i < name.size();) {
        auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x80) {
            if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
            ++i;
            continue;
        }
        bool folded = false;
        for (auto [from, to] : kFolds) {
            if (name.substr(i).starts_with(from)) {
                out += to;
                i += from.size();
                folded = true;
                break;
            }
        }
        if (!folded) ++i;
    }
    return out;
}

struct Customer {
    std::string name;
    std::string email;
    std::size_t language;
};

struct TicketSpec {
    std::size_t customer;
    std::string subject;  // contains kSeqPlaceholder
    std::string body;     // 200-400 bytes
    std::string_view queue;
    std::string_view priority;
    std::vector<std::string_view> tags;
};

struct Corpus {
    std::vector<Customer> customers;
    std::vector<TicketSpec> tickets;  // twice as many as customers; each customer writes twice
};

std::string replace_number(std::string_view sentence, std::uint64_t number) {
    std::string out(sentence);
    if (auto at = out.find("{n}"); at != std::string::npos) out.replace(at, 3, std::to_string(number));
    return out;
}

Corpus make_corpus(std::size_t customer_count) {
    std::mt19937_64 rng(20240611);  // fixed: every run sends the same texts
    auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
    Corpus corpus;
    corpus.customers.reserve(customer_count);
    for (std::size_t i = 0; i < customer_count; ++i) {
        const std::size_t language = i % kLanguages.size();
        const auto& lang = kLanguages[language];
        auto first = lang.first_names[(i / 4) % 10];
        auto last = lang.last_names[(i / 40) % 10];
        corpus.customers.push_back(
            {fmt::format("{} {}", first, last),
             fmt::format("{}.{}.{}@{}", ascii_fold(first), ascii_fold(last), i, lang.email_domain), language});
    }
    const std::size_t ticket_count = 2 * customer_count;
    corpus.tickets.reserve(ticket_count);
    for (std::size_t i = 0; i < ticket_count; ++i) {
        TicketSpec t;
        t.customer = i % customer_count;
        const auto& customer = corpus.customers[t.customer];
        // Mostly the customer's own language, sometimes English.
        const std::size_t language = pick(10) == 0 ? kEnglish : customer.language;
        const auto& lang = kLanguages[language];
        const std::size_t topic = pick(kTopics.size());
        const auto& text = lang.topics[topic];
        t.subject = fmt::format("{} {}", text.subjects[pick(2)], kSeqPlaceholder);

        std::array<std::size_t, 3> order{0, 1, 2};
        std::shuffle(order.begin() + 1, order.end(), rng);
        const std::size_t sentences = 2 + pick(2);
        const auto first_name = customer.name.substr(0, customer.name.find(' '));
        auto compose = [&](std::size_t n, bool filler) {
            std::string body{lang.greeting};
            body += ' ';
            for (std::size_t s = 0; s < n; ++s) {
                if (s) body += ' ';
                body += replace_number(text.sentences[order[s]], 100'000 + pick(900'000));
            }
            if (filler) {
                body += ' ';
                body += lang.filler;
            }
            body += fmt::format("\n\n{}\n{}", lang.sign_off, first_name);
            return body;
        };
        // 200-400 bytes: more sentences, then the filler, while short; fewer while long.
        std::size_t count = sentences;
        bool filler = false;
        std::string body = compose(count, filler);
        while (body.size() < 200 && (count < 3 || !filler)) {
            if (count < 3) ++count;
            else filler = true;
            body = compose(count, filler);
        }
        while (body.size() > 400 && count > 1) body = compose(--count, filler);
        if (language != kEnglish && pick(8) == 0 && body.size() + 22 <= 400) body += "\n\nSent from my iPhone";
        t.body = std::move(body);

        t.queue = kTopics[topic].queue;
        const auto p = pick(100);
        t.priority = p < 80 ? "normal" : p < 90 ? "high" : p < 97 ? "low" : "urgent";
        t.tags.push_back(kTopics[topic].tag);
        if (pick(5) == 0) t.tags.push_back(language == kEnglish ? "english" : "repeat-contact");
        corpus.tickets.push_back(std::move(t));
    }
    return corpus;
}

// A POST, pre-serialised: `head` + the 8 sequence digits + `tail` is the whole request.
struct WireCreate {
    std::string head;
    std::string tail;
    std::size_t spec;  // index into Corpus::tickets
};

std::vector<WireCreate> serialise_creates(const Corpus& corpus, std::string_view host, std::string_view token) {
    std::vector<WireCreate> out;
    out.reserve(corpus.tickets.size());
    for (std::size_t i = 0; i < corpus.tickets.size(); ++i) {
        const auto& t = corpus.tickets[i];
        const auto& c = corpus.customers[t.customer];
        json::object requester;
        requester["name"] = c.name;
        requester["email"] = c.email;
        json::array tags;
        for (auto tag : t.tags) tags.emplace_back(tag);
        json::object o;
        o["subject"] = t.subject;
        o["body"] = t.body;
        o["requester"] = std::move(requester);
        o["queue"] = t.queue;
        o["priority"] = t.priority;
        o["tags"] = std::move(tags);
        const std::string body = json::serialize(o);
        const auto at = body.find(kSeqPlaceholder);
        if (at == std::string::npos || body.find(kSeqPlaceholder, at + 1) != std::string::npos)
            throw std::logic_error("the sequence placeholder must appear exactly once in a request body");
        auto head = fmt::format(
            "POST /api/v1/tickets HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n"
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            host, token, body.size());
        head.append(body, 0, at);
        out.push_back({std::move(head), body.substr(at + kSeqPlaceholder.size()), i});
    }
    return out;
}

void write_seq(std::uint64_t seq, std::array<char, kSeqPlaceholder.size()>& out) {
    seq %= kSeqModulo;
    for (std::size_t i = out.size(); i-- > 0; seq /= 10) out[i] = static_cast<char>('0' + seq % 10);
}

// ---- a minimal keep-alive HTTP/1.1 client connection

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

struct ResponseHead {
    int status = 0;
    std::size_t content_length = 0;
    bool has_length = false;
    bool close = false;
    std::size_t location_at = 0;  // offset from the start of the response
    std::size_t location_size = 0;
};

// `head` is the status line and header lines, each ending in CRLF. Returns an error text.
std::string parse_head(std::string_view head, ResponseHead& out) {
    const auto eol = head.find("\r\n");
    const auto line = head.substr(0, eol);
    if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ')
        return fmt::format("malformed status line '{}'", clipped(line));
    if (std::from_chars(line.data() + 9, line.data() + 12, out.status).ec != std::errc{})
        return fmt::format("malformed status line '{}'", clipped(line));
    if (line[7] == '0') out.close = true;  // HTTP/1.0 closes unless told otherwise
    bool chunked = false;
    for (std::size_t pos = eol + 2; pos < head.size();) {
        const auto end = head.find("\r\n", pos);
        const auto field = head.substr(pos, end - pos);
        pos = end + 2;
        const auto colon = field.find(':');
        if (colon == std::string_view::npos) continue;
        const auto name = field.substr(0, colon);
        const auto value = trim(field.substr(colon + 1));
        if (iequals(name, "content-length")) {
            if (std::from_chars(value.data(), value.data() + value.size(), out.content_length).ec != std::errc{})
                return fmt::format("malformed Content-Length '{}'", value);
            out.has_length = true;
        } else if (iequals(name, "location")) {
            out.location_at = static_cast<std::size_t>(value.data() - head.data());
            out.location_size = value.size();
        } else if (iequals(name, "connection")) {
            if (iequals(value, "close")) out.close = true;
            else if (iequals(value, "keep-alive")) out.close = false;
        } else if (iequals(name, "transfer-encoding")) {
            chunked = true;
        }
    }
    if (chunked) return "chunked response: this client reads Content-Length bodies only";
    const bool bodiless = out.status / 100 == 1 || out.status == 204 || out.status == 304;
    if (!out.has_length && !bodiless) return fmt::format("{} response without Content-Length", out.status);
    return {};
}

// Views into the connection's buffer, valid until its next exchange.
struct Response {
    int status = 0;
    bool close = false;
    std::string_view body;
    std::string_view location;
};

using RequestBuffers = std::array<asio::const_buffer, 3>;

// One keep-alive connection: one request at a time, then its whole response. Confined to
// the client's single thread.
class HttpConnection {
public:
    explicit HttpConnection(asio::io_context& ioc) : socket_(ioc), buffer_(kInitialReadBuffer) {}

    asio::awaitable<std::string> connect(tcp::endpoint endpoint) {
        boost::system::error_code ec;
        co_await socket_.async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
        if (ec)
            co_return fmt::format("connect to {}:{}: {}", endpoint.address().to_string(), endpoint.port(),
                                  ec.message());
        socket_.set_option(tcp::no_delay(true), ec);
        co_return std::string{};
    }

    bool is_open() const { return socket_.is_open(); }

    void close() {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }

    // Sends `request` and reads one response into `out`. Returns an error text, empty on success.
    asio::awaitable<std::string> exchange(const RequestBuffers& request, Response& out) {
        boost::system::error_code ec;
        co_await asio::async_write(socket_, request, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) co_return "write: " + ec.message();
        co_return co_await read_response(out);
    }

private:
    asio::awaitable<std::string> read_response(Response& out) {
        begin_ = next_;  // drop the previous response
        if (begin_ == end_) begin_ = end_ = next_ = 0;
        ResponseHead head;
        std::size_t head_size = 0;  // 0 until the blank line has arrived
        std::size_t total = 0;
        for (;;) {
            std::string_view have(buffer_.data() + begin_, end_ - begin_);
            if (head_size == 0) {
                if (auto blank = have.find("\r\n\r\n"); blank != std::string_view::npos) {
                    head_size = blank + 4;
                    if (auto error = parse_head(have.substr(0, blank + 2), head); !error.empty()) co_return error;
                    total = head_size + head.content_length;
                } else if (have.size() > kMaxHeaderBytes) {
                    co_return "response header larger than 64 KiB";
                }
            }
            if (head_size != 0 && have.size() >= total) {
                out.status = head.status;
                out.close = head.close;
                out.body = have.substr(head_size, head.content_length);
                out.location = have.substr(head.location_at, head.location_size);
                next_ = begin_ + total;
                co_return std::string{};
            }
            // Room for the rest: the whole response once its size is known, else 4 KiB more.
            const std::size_t want = head_size != 0 ? total : have.size() + 4096;
            if (begin_ + want > buffer_.size() && begin_ > 0) {
                std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
                end_ -= begin_;
                begin_ = 0;
            }
            if (want > buffer_.size()) buffer_.resize(want);
            boost::system::error_code ec;
            const std::size_t n =
                co_await socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                                                 asio::redirect_error(asio::use_awaitable, ec));
            if (ec == asio::error::eof) co_return "the server closed the connection";
            if (ec) co_return "read: " + ec.message();
            end_ += n;
        }
    }

    tcp::socket socket_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  // start of the current response
    std::size_t end_ = 0;    // end of the bytes read
    std::size_t next_ = 0;   // start of the next response, once the current one is consumed
};

using Connections = std::vector<std::unique_ptr<HttpConnection>>;

std::optional<std::int64_t> ticket_id_from_location(std::string_view location) {
    constexpr std::string_view kPrefix = "/api/v1/tickets/";
    if (!location.starts_with(kPrefix)) return std::nullopt;
    location.remove_prefix(kPrefix.size());
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(location.data(), location.data() + location.size(), id);
    if (ec != std::errc{} || end != location.data() + location.size()) return std::nullopt;
    return id;
}

// The top-level "id" and "key" of a ticket JSON body.
std::optional<std::pair<std::int64_t, std::string>> ticket_id_from_body(std::string_view body) {
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto& o = value.get_object();
    auto id = o.if_contains("id");
    if (!id || !id->is_int64()) return std::nullopt;
    std::string key;
    if (auto k = o.if_contains("key"); k && k->is_string()) key = std::string(k->get_string());
    return std::pair{id->get_int64(), std::move(key)};
}

// What one phase measured. Confined to the client's thread.
struct PhaseResult {
    std::vector<std::int64_t> latency_ns;  // every completed exchange, any status
    std::uint64_t ok = 0;
    std::uint64_t errors = 0;
    std::string first_error;
    std::vector<std::string> notes;  // oddities that are not errors
    SteadyClock::time_point start;
    SteadyClock::time_point end;

    void fail(std::string what) {
        if (errors++ == 0) first_error = clipped(what);
    }
    double seconds() const { return seconds_between(start, end); }
    double rate() const { return seconds() > 0 ? static_cast<double>(ok) / seconds() : 0; }
};

asio::awaitable<void> connect_one(HttpConnection& connection, tcp::endpoint endpoint, std::string& error) {
    error = co_await connection.connect(endpoint);
}

// Runs one coroutine per connection to completion. A watchdog closes every connection
// after `limit`, so a stuck server ends the phase with errors rather than hanging it.
template <class MakeTask>
void run_on_all(asio::io_context& ioc, Connections& connections, SteadyClock::duration limit, MakeTask make_task) {
    ioc.restart();
    asio::steady_timer watchdog(ioc, limit);
    watchdog.async_wait([&](boost::system::error_code ec) {
        if (!ec)
            for (auto& c : connections) c->close();
    });
    std::size_t remaining = connections.size();
    std::exception_ptr failure;
    for (auto& c : connections)
        asio::co_spawn(ioc, make_task(*c), [&](std::exception_ptr e) {
            if (e && !failure) failure = e;
            if (--remaining == 0) watchdog.cancel();
        });
    ioc.run();
    if (failure) std::rethrow_exception(failure);
}

Connections open_connections(asio::io_context& ioc, tcp::endpoint endpoint, std::size_t n) {
    Connections connections;
    for (std::size_t i = 0; i < n; ++i) connections.push_back(std::make_unique<HttpConnection>(ioc));
    std::vector<std::string> errors(n);
    std::size_t next = 0;
    run_on_all(ioc, connections, 20s, [&](HttpConnection& c) { return connect_one(c, endpoint, errors[next++]); });
    for (auto& e : errors)
        if (!e.empty()) throw std::runtime_error(e);
    return connections;
}

void close_all(Connections& connections) {
    for (auto& c : connections) c->close();
}

// ---- phase 1: creates

struct CreateRun {
    const std::vector<WireCreate>* requests = nullptr;
    const Corpus* corpus = nullptr;
    SteadyClock::time_point deadline;  // used when limit == 0
    std::uint64_t limit = 0;           // fixed number of creates, or 0
    std::uint64_t started = 0;
    std::uint64_t rng = 1;
    PhaseResult result;
    std::vector<std::int64_t> ids;
    std::vector<std::uint64_t> per_second;  // 201s completed in each second of the phase
    std::vector<bool> customers_used;
    bool first_checked = false;
};

asio::awaitable<void> create_loop(HttpConnection& connection, CreateRun& run) {
    std::array<char, kSeqPlaceholder.size()> digits{};
    Response response;
    while (connection.is_open()) {
        if (run.limit != 0 ? run.started >= run.limit : SteadyClock::now() >= run.deadline) break;
        const std::uint64_t seq = run.started++;
        const auto& request = (*run.requests)[next_random(run.rng) % run.requests->size()];
        write_seq(seq, digits);
        const RequestBuffers buffers{asio::buffer(request.head), asio::buffer(digits), asio::buffer(request.tail)};
        const auto sent = SteadyClock::now();
        auto error = co_await connection.exchange(buffers, response);
        const auto done = SteadyClock::now();
        if (!error.empty()) {
            run.result.fail("POST /api/v1/tickets: " + error);
            connection.close();
            break;
        }
        run.result.latency_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - sent).count());
        if (response.status != 201) {
            run.result.fail(fmt::format("POST /api/v1/tickets -> {}: {}", response.status, response.body));
        } else {
            // The id comes from the Location header; the first body is checked in full, and
            // bodies stand in only when a Location is missing.
            auto id = ticket_id_from_location(response.location);
            if (!run.first_checked || !id) {
                auto from_body = ticket_id_from_body(response.body);
                if (!from_body) {
                    run.result.fail(fmt::format("201 without a ticket id in its body: {}", response.body));
                } else if (!run.first_checked) {
                    auto& notes = run.result.notes;
                    if (id && *id != from_body->first)
                        notes.push_back(fmt::format("Location says ticket {}, the body {}", *id, from_body->first));
                    if (from_body->second != fmt::format("T-{}", from_body->first))
                        notes.push_back(fmt::format("ticket {} has key '{}', expected 'T-{}'", from_body->first,
                                                    from_body->second, from_body->first));
                    if (!id) notes.push_back("201 without a usable Location header; ids read from bodies");
                }
                if (from_body) id = from_body->first;
                run.first_checked = true;
            }
            if (id) {
                ++run.result.ok;
                run.ids.push_back(*id);
                run.customers_used[run.corpus->tickets[request.spec].customer] = true;
                const auto second = static_cast<std::size_t>(seconds_between(run.result.start, done));
                if (run.per_second.size() <= second) run.per_second.resize(second + 1);
                ++run.per_second[second];
            }
        }
        if (response.close) {
            run.result.fail("the server answered with Connection: close");
            connection.close();
        }
    }
}

// ---- phase 2: reads

struct GetRun {
    const std::vector<std::int64_t>* ids = nullptr;
    std::string_view tail;  // " HTTP/1.1\r\nHost: ...\r\nAuthorization: ...\r\n\r\n"
    std::uint64_t limit = 0;
    std::uint64_t started = 0;
    std::uint64_t rng = 2;
    bool record = true;  // false while warming up
    PhaseResult result;
    bool first_checked = false;
};

// One request on `connection`; its status, or an error text.
asio::awaitable<void> exchange_once(HttpConnection& connection, const std::string& request, int& status,
                                    std::string& error) {
    Response response;
    const RequestBuffers buffers{asio::buffer(request), asio::const_buffer{}, asio::const_buffer{}};
    error = co_await connection.exchange(buffers, response);
    status = response.status;
}

asio::awaitable<void> get_loop(HttpConnection& connection, GetRun& run) {
    static constexpr std::string_view kHead = "GET /api/v1/tickets/";
    std::array<char, 24> digits{};
    Response response;
    while (connection.is_open() && run.started < run.limit) {
        ++run.started;
        const std::int64_t id = (*run.ids)[next_random(run.rng) % run.ids->size()];
        const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), id).ptr;
        const RequestBuffers buffers{asio::buffer(kHead),
                                     asio::buffer(digits.data(), static_cast<std::size_t>(end - digits.data())),
                                     asio::buffer(run.tail)};
        const auto sent = SteadyClock::now();
        auto error = co_await connection.exchange(buffers, response);
        const auto done = SteadyClock::now();
        if (!error.empty()) {
            run.result.fail(fmt::format("GET /api/v1/tickets/{}: {}", id, error));
            connection.close();
            break;
        }
        if (run.record)
            run.result.latency_ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(done - sent).count());
        if (response.status != 200) {
            run.result.fail(fmt::format("GET /api/v1/tickets/{} -> {}: {}", id, response.status, response.body));
        } else if (!run.first_checked) {
            run.first_checked = true;
            auto got = ticket_id_from_body(response.body);
            if (!got || got->first != id)
                run.result.fail(
                    fmt::format("GET /api/v1/tickets/{} returned another ticket: {}", id, clipped(response.body)));
            else
                ++run.result.ok;
        } else {
            ++run.result.ok;
        }
        if (response.close) {
            run.result.fail("the server answered with Connection: close");
            connection.close();
        }
    }
}

asio::awaitable<void> health_check(HttpConnection& connection, std::string_view host, std::string& error) {
    const std::string request = fmt::format("GET /api/v1/health HTTP/1.1\r\nHost: {}\r\n\r\n", host);
    Response response;
    error = co_await connection.exchange({asio::buffer(request), asio::const_buffer(), asio::const_buffer()}, response);
    if (error.empty() && response.status != 200)
        error = fmt::format("GET /api/v1/health -> {}: {}", response.status, clipped(response.body));
}

// ---- phase 4: the raw SQLite baseline

struct BaselineResult {
    std::uint64_t tickets = 0;
    std::uint64_t rows = 0;
    double seconds = 0;
    double tickets_per_second() const { return seconds > 0 ? static_cast<double>(tickets) / seconds : 0; }
    double rows_per_second() const { return seconds > 0 ? static_cast<double>(rows) / seconds : 0; }
};

class RawStatement {
public:
    RawStatement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK)
            throw std::runtime_error(fmt::format("baseline: preparing {}: {}", sql, sqlite3_errmsg(db)));
    }
    ~RawStatement() { sqlite3_finalize(stmt_); }
    RawStatement(const RawStatement&) = delete;
    RawStatement& operator=(const RawStatement&) = delete;

    RawStatement& bind(int index, std::int64_t value) {
        check(sqlite3_bind_int64(stmt_, index, value));
        return *this;
    }
    RawStatement& bind(int index, std::string_view value) {
        check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8));
        return *this;
    }
    // Steps once and resets; returns the first column of a returned row.
    std::optional<std::int64_t> run() {
        const int rc = sqlite3_step(stmt_);
        std::optional<std::int64_t> out;
        if (rc == SQLITE_ROW) out = sqlite3_column_int64(stmt_, 0);
        else if (rc != SQLITE_DONE) throw std::runtime_error(fmt::format("baseline: {}", sqlite3_errmsg(db_)));
        sqlite3_reset(stmt_);
        return out;
    }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) throw std::runtime_error(fmt::format("baseline: binding: {}", sqlite3_errmsg(db_)));
    }
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// What one API ticket creation writes, minus the server: find the requester by email (and
// create customer + identity the first time), then a ticket, its first message, its
// "created" event and the full-text rows, on the production schema (storage/sqlite_schema.cpp,
// so the same indexes) with the production pragmas, prepared statements, and
// `batch_size` tickets per transaction. The same corpus and customer mix as the API run.
// Unlike SqliteStore it takes no savepoint per ticket: this is the floor, not a replica.
BaselineResult run_sqlite_baseline(const fs::path& file, std::uint64_t tickets, std::uint64_t batch_size,
                                   const Corpus& corpus) {
    triage::sqlite::Connection connection(file.string(), triage::sqlite::Connection::Mode::read_write);
    // The pragmas of SqliteStore (storage/sqlite_store.cpp) with durable writes.
    connection.exec("PRAGMA journal_mode = WAL");
    connection.exec("PRAGMA synchronous = FULL");
    connection.exec("PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768");
    triage::sqlite::migrate(connection);
    // The server keeps the full-text index in a second file, written by its own thread; the
    // baseline writes the same index rows into such a file, attached, in the same transaction.
    const auto search_file = triage::sqlite::SearchIndexer::path_for(file);
    {
        triage::sqlite::Connection search(search_file.string(), triage::sqlite::Connection::Mode::read_write);
        search.exec("PRAGMA journal_mode = WAL");
        triage::sqlite::migrate_search(search);
    }
    {
        const std::string search_name = search_file.string();  // bound text must outlive the step
        auto attach = connection.query("ATTACH DATABASE ?1 AS search");
        attach.bind_all(search_name);
        attach.run();
    }
    sqlite3* db = connection.handle();

    RawStatement find_identity(db, "SELECT customer_id FROM identities WHERE kind = 'email' AND value = ?1");
    RawStatement insert_customer(db, "INSERT INTO customers (name, created_at) VALUES (?1, ?2)");
    RawStatement insert_identity(db, "INSERT INTO identities (kind, value, customer_id) VALUES ('email', ?1, ?2)");
    RawStatement insert_ticket(db,
                               "INSERT INTO tickets (subject, status, priority, queue, tags, language, channel,"
                               " requester_id, tier, created_at, updated_at)"
                               " VALUES (?1, 'new', ?2, ?3, ?4, 'und', 'api', ?5, 'standard', ?6, ?6)");
    RawStatement insert_message(db,
                                "INSERT INTO messages (ticket_id, kind, author_kind, author_id, author_name, channel,"
                                " body, created_at) VALUES (?1, 'public', 'customer', ?2, ?3, 'api', ?4, ?5)");
    RawStatement insert_event(db,
                              "INSERT INTO events (ticket_id, at, actor, type, changes, detail)"
                              " VALUES (?1, ?2, 'token:admin', 'created', ?3, 'new')");
    // Full-text rows for the subject (rowid -ticket id) and the message (rowid message id):
    // storage/search_indexer.cpp writes them; a schema whose triggers maintain ticket_text
    // gets them from the triggers instead.
    const bool fts_by_triggers = connection.query_int64(
                                     "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
                                     " AND sql LIKE '%ticket_text%'") > 0;
    RawStatement index_text(db, "INSERT INTO search.ticket_text (rowid, text) VALUES (?1, ?2)");
    RawStatement begin(db, "BEGIN IMMEDIATE");
    RawStatement commit(db, "COMMIT");

    // Serialised columns prepared up front, as the server has them in memory.
    std::vector<std::string> tags_json, changes_json;
    for (const auto& t : corpus.tickets) {
        json::array tags;
        for (auto tag : t.tags) tags.emplace_back(tag);
        tags_json.push_back(json::serialize(tags));
        changes_json.push_back(fmt::format(
            R"([{{"field":"status","from":"","to":"new"}},{{"field":"priority","from":"","to":"{}"}},)"
            R"({{"field":"queue","from":"","to":"{}"}},{{"field":"channel","from":"","to":"api"}}])",
            t.priority, t.queue));
    }

    BaselineResult result;
    std::uint64_t rng = 3;
    std::array<char, kSeqPlaceholder.size()> digits{};
    std::string subject;
    const auto start = SteadyClock::now();
    for (std::uint64_t done = 0; done < tickets;) {
        const std::uint64_t batch = std::min(batch_size, tickets - done);
        begin.run();
        for (std::uint64_t i = 0; i < batch; ++i, ++done) {
            const auto index = static_cast<std::size_t>(next_random(rng) % corpus.tickets.size());
            const auto& t = corpus.tickets[index];
            const auto& c = corpus.customers[t.customer];
            const std::int64_t now = unix_ms_now();
            write_seq(done, digits);
            subject = t.subject;
            subject.replace(subject.find(kSeqPlaceholder), kSeqPlaceholder.size(), digits.data(), digits.size());

            auto customer = find_identity.bind(1, c.email).run();
            if (!customer) {
                insert_customer.bind(1, c.name).bind(2, now).run();
                customer = sqlite3_last_insert_rowid(db);
                insert_identity.bind(1, c.email).bind(2, *customer).run();
                result.rows += 2;
            }
            insert_ticket.bind(1, subject).bind(2, t.priority).bind(3, t.queue).bind(4, tags_json[index])
                .bind(5, *customer).bind(6, now).run();
            const std::int64_t ticket = sqlite3_last_insert_rowid(db);
            insert_message.bind(1, ticket).bind(2, *customer).bind(3, c.name).bind(4, t.body).bind(5, now).run();
            const std::int64_t message = sqlite3_last_insert_rowid(db);
            insert_event.bind(1, ticket).bind(2, now).bind(3, changes_json[index]).run();
            result.rows += 3;
            if (!fts_by_triggers) {
                index_text.bind(1, -ticket).bind(2, subject).run();
                index_text.bind(1, message).bind(2, t.body).run();
            }
            ++result.tickets;
        }
        commit.run();
    }
    result.seconds = seconds_between(start, SteadyClock::now());
    return result;
}

// ---- reporting

struct ServerLogSummary {
    std::uint64_t lines = 0;
    std::uint64_t warnings = 0;
    std::uint64_t errors = 0;
    std::string first_warning;
    std::string first_error;
};

ServerLogSummary summarise_log(const fs::path& log) {
    ServerLogSummary s;
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
        ++s.lines;
        if (line.find("[warning]") != std::string::npos || line.find("[warn]") != std::string::npos) {
            if (s.warnings++ == 0) s.first_warning = clipped(line);
        } else if (line.find("[error]") != std::string::npos || line.find("[critical]") != std::string::npos) {
            if (s.errors++ == 0) s.first_error = clipped(line);
        }
    }
    return s;
}

void print_log_tail(const fs::path& log) {
    std::cout << "  last lines of " << log.string() << ":\n";
    for (const auto& line : last_lines(log, 20)) std::cout << "    | " << line << "\n";
}

std::string ms(double value) { return fmt::format("{:.3f} ms", value); }

std::string mb(std::optional<double> value) { return value ? fmt::format("{:.1f} MB", *value) : "n/a"; }

std::string json_number(std::optional<double> value, int decimals = 3) {
    return value && std::isfinite(*value) ? fmt::format("{:.{}f}", *value, decimals) : "null";
}

// Latency of the disk the data lives on: fdatasync after overwriting 128 KiB of a file, as the
// WAL sync after a group commit does. Every durable answer waits for one, so with C
// connections in one commit the create rate cannot pass C / latency.
struct DiskSync {
    double p50_ms = 0, p90_ms = 0;
};

std::optional<DiskSync> measure_disk_sync(const fs::path& dir) {
    const auto path = dir / "fsync-probe";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return std::nullopt;
    const std::string block(128 * 1024, 'x');
    constexpr int kRounds = 100, kSlots = 128;  // sequential through 16 MiB, as WAL frames go
    for (int i = 0; i < kSlots; ++i)
        if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 131072) < 0) break;
    ::fdatasync(fd);
    std::vector<double> ms;
    for (int i = 0; i < kRounds; ++i) {
        if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i % kSlots) * 131072) < 0) break;
        const auto t0 = SteadyClock::now();
        if (::fdatasync(fd) != 0) break;
        ms.push_back(seconds_between(t0, SteadyClock::now()) * 1e3);
    }
    ::close(fd);
    fs::remove(path);
    if (ms.size() < 10) return std::nullopt;
    std::sort(ms.begin(), ms.end());
    return DiskSync{ms[ms.size() / 2], ms[ms.size() * 9 / 10]};
}

int run(const Options& options) {
    if (!fs::exists(options.triaged)) {
        std::cerr << "api_bench: no server binary at " << options.triaged.string()
                  << " (build it with `ninja -C build triaged`, or pass --triaged PATH)\n";
        return 2;
    }
    TempDir tmp(options.tmp_root, options.keep);
    const auto data_dir = tmp.path() / "data";
    const auto port_file = tmp.path() / "port";
    const auto log_file = tmp.path() / "triaged.log";
    fs::create_directories(data_dir);
    const std::string token = random_token();

    std::cout << fmt::format("Triage API benchmark\n  server     {} --log-level {}\n  scratch    {}{}{}\n",
                             options.triaged.string(), options.log_level, tmp.path().string(),
                             options.keep ? " (kept: --keep)" : "", filesystem_note(tmp.path()));
    // Other work on the machine skews every figure; the load average says how much there was.
    std::cout << fmt::format("  machine    {} CPUs, load average {}; client: 1 thread\n",
                             std::thread::hardware_concurrency(), load_average());
    const auto disk = measure_disk_sync(tmp.path());
    if (disk)
        std::cout << fmt::format("  disk       fdatasync of 128 KiB: p50 {:.2f} ms, p90 {:.2f} ms (one per group commit: "
                                 "{} connections in lockstep cap creates near {:.0f}/s)\n",
                                 disk->p50_ms, disk->p90_ms, options.connections,
                                 options.connections / (disk->p50_ms / 1e3));
    std::cout << "\n";

    // ---- start-up
    ServerProcess server(options.triaged,
                         {"--http", "127.0.0.1:0", "--data-dir", data_dir.string(), "--port-file", port_file.string(),
                          "--log-level", options.log_level},
                         "TRIAGE_ADMIN_TOKEN=" + token, log_file);
    std::uint16_t port = 0;
    const auto start_deadline = SteadyClock::now() + kStartTimeout;
    while (port == 0) {
        if (auto status = server.poll()) {
            std::cout << "triaged " << describe_wait_status(*status) << " during start-up\n";
            print_log_tail(log_file);
            return 1;
        }
        if (SteadyClock::now() > start_deadline) {
            std::cout << fmt::format("triaged wrote no port file within {} s\n", kStartTimeout.count());
            print_log_tail(log_file);
            return 1;
        }
        std::error_code ec;
        if (fs::exists(port_file, ec)) {
            std::istringstream(read_file(port_file)) >> port;
            if (port == 0) {
                std::cout << "triaged wrote an unreadable port file: '" << read_file(port_file) << "'\n";
                return 1;
            }
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    const double startup_seconds = seconds_between(server.started(), SteadyClock::now());
    std::this_thread::sleep_for(200ms);  // let start-up allocations settle before measuring
    const auto rss_start = proc_status_mb(server.pid(), "VmRSS");

    const std::string host = fmt::format("127.0.0.1:{}", port);
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
    asio::io_context ioc(1);
    {
        auto probe = open_connections(ioc, endpoint, 1);
        std::string error;
        run_on_all(ioc, probe, 10s, [&](HttpConnection& c) { return health_check(c, host, error); });
        close_all(probe);
        if (!error.empty()) {
            std::cout << "health check failed: " << error << "\n";
            print_log_tail(log_file);
            return 1;
        }
    }
    std::cout << fmt::format("Start-up\n  triaged (pid {}) listening on {} after {:.2f} s; health 200\n\n",
                             server.pid(), host, startup_seconds);

    // ---- 1. creates
    const auto corpus = make_corpus(options.customers);
    const auto creates = serialise_creates(corpus, host, token);
    std::size_t min_body = SIZE_MAX, max_body = 0;
    for (const auto& t : corpus.tickets) {
        min_body = std::min(min_body, t.body.size());
        max_body = std::max(max_body, t.body.size());
    }
    CreateRun create;
    create.requests = &creates;
    create.corpus = &corpus;
    create.limit = options.count;
    create.customers_used.assign(corpus.customers.size(), false);
    create.result.latency_ns.reserve(options.count ? options.count
                                                   : static_cast<std::size_t>(options.seconds * 60'000));
    create.ids.reserve(create.result.latency_ns.capacity());

    std::cout << fmt::format("1. Create tickets: POST /api/v1/tickets over {} keep-alive connections, {}\n",
                             options.connections,
                             options.count ? fmt::format("{} tickets", thousands(options.count))
                                           : fmt::format("{:g} s", options.seconds));
    std::cout << fmt::format("   ({} request bodies of {}-{} bytes in fi/et/lv/en, {} distinct requesters)\n",
                             thousands(creates.size()), min_body, max_body, thousands(corpus.customers.size()));
    auto connections = open_connections(ioc, endpoint, options.connections);
    const auto threads_before = proc_thread_cpu(server.pid());
    const CpuMeter create_meter(server.pid());
    create.result.start = SteadyClock::now();
    const auto planned =
        std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(options.seconds));
    create.deadline = create.result.start + planned;
    const SteadyClock::duration create_limit = options.count ? kPhaseGrace * 4 : planned + kPhaseGrace;
    run_on_all(ioc, connections, create_limit, [&](HttpConnection& c) { return create_loop(c, create); });
    create.result.end = SteadyClock::now();
    const auto create_cpu = create_meter.cores();
    const auto threads_after = proc_thread_cpu(server.pid());
    close_all(connections);

    const auto post = summarise(create.result.latency_ns);
    const double create_rate = create.result.rate();
    const auto distinct_customers =
        static_cast<std::uint64_t>(std::count(create.customers_used.begin(), create.customers_used.end(), true));
    std::cout << fmt::format("   created         {} tickets (201) in {:.2f} s; errors {}\n",
                             thousands(create.result.ok), create.result.seconds(), create.result.errors);
    std::cout << fmt::format("   throughput      {} tickets/s{:>24}target >= {} /s  {}\n",
                             thousands(static_cast<std::uint64_t>(create_rate)), "",
                             thousands(static_cast<std::uint64_t>(kTargetCreatesPerSecond)),
                             verdict(create_rate >= kTargetCreatesPerSecond));
    std::cout << fmt::format("   POST latency    p50 {}   p99 {}   max {}\n", ms(post.p50_ms), ms(post.p99_ms),
                             ms(post.max_ms));
    std::string per_second;  // whole seconds only: the last partial one would read as a stall
    for (std::size_t i = 0; i < create.per_second.size() && i + 1 <= create.result.seconds(); ++i)
        per_second += fmt::format(" {:.1f}k", static_cast<double>(create.per_second[i]) / 1000.0);
    if (!per_second.empty()) std::cout << "   per second     " << per_second << "\n";
    std::cout << fmt::format("   CPU             triaged {:.2f} cores, client {:.2f}, other processes {:.2f} (of {})\n",
                             create_cpu.server, create_cpu.client, create_cpu.other,
                             std::thread::hardware_concurrency());
    std::cout << "   triaged threads " << thread_cpu_breakdown(threads_before, threads_after, create.result.seconds())
              << " (cores)\n";
    std::cout << fmt::format("   requesters      {} distinct customers in {} tickets\n", thousands(distinct_customers),
                             thousands(create.result.ok));
    if (create.result.errors) std::cout << "   FIRST ERROR     " << create.result.first_error << "\n";
    for (const auto& note : create.result.notes) std::cout << "   note            " << note << "\n";
    std::cout << "\n";

    // ---- 2. reads
    LatencySummary get_seq, get_conc;
    GetRun warmup, sequential, concurrent;
    CpuMeter::Cores sequential_cpu, concurrent_cpu;
    const std::string get_tail = fmt::format(" HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n", host, token);
    std::cout << fmt::format(
        "2. Read tickets: GET /api/v1/tickets/{{id}} of random created tickets, server otherwise idle\n");
    if (create.ids.empty()) {
        std::cout << "   skipped: no tickets were created\n\n";
    } else {
        std::this_thread::sleep_for(500ms);  // let the create load drain (group commits, checkpoint)
        auto one = open_connections(ioc, endpoint, 1);
        warmup.ids = &create.ids;
        warmup.tail = get_tail;
        warmup.limit = kGetWarmup;
        warmup.record = false;
        run_on_all(ioc, one, 30s, [&](HttpConnection& c) { return get_loop(c, warmup); });

        sequential.ids = &create.ids;
        sequential.tail = get_tail;
        sequential.limit = options.gets;
        sequential.result.latency_ns.reserve(options.gets);
        const CpuMeter sequential_meter(server.pid());
        sequential.result.start = SteadyClock::now();
        run_on_all(ioc, one, 60s + kPhaseGrace, [&](HttpConnection& c) { return get_loop(c, sequential); });
        sequential.result.end = SteadyClock::now();
        sequential_cpu = sequential_meter.cores();
        close_all(one);
        get_seq = summarise(sequential.result.latency_ns);

        auto many = open_connections(ioc, endpoint, options.connections);
        concurrent.ids = &create.ids;
        concurrent.tail = get_tail;
        concurrent.limit = options.gets;
        concurrent.rng = 4;
        concurrent.result.latency_ns.reserve(options.gets);
        const CpuMeter concurrent_meter(server.pid());
        concurrent.result.start = SteadyClock::now();
        run_on_all(ioc, many, 60s + kPhaseGrace, [&](HttpConnection& c) { return get_loop(c, concurrent); });
        concurrent.result.end = SteadyClock::now();
        concurrent_cpu = concurrent_meter.cores();
        close_all(many);
        get_conc = summarise(concurrent.result.latency_ns);

        std::cout << fmt::format(
            "   sequential, 1 connection     p50 {}   p99 {}   max {}   ({} GET/s)   target p99 < {} ms  {}\n",
            ms(get_seq.p50_ms), ms(get_seq.p99_ms), ms(get_seq.max_ms),
            thousands(static_cast<std::uint64_t>(sequential.result.rate())), kTargetGetP99Ms,
            verdict(get_seq.p99_ms < kTargetGetP99Ms && sequential.result.errors == 0));
        std::cout << fmt::format("   concurrent, {} connections  p50 {}   p99 {}   max {}   ({} GET/s)\n",
                                 options.connections, ms(get_conc.p50_ms), ms(get_conc.p99_ms), ms(get_conc.max_ms),
                                 thousands(static_cast<std::uint64_t>(concurrent.result.rate())));
        std::cout << fmt::format("   CPU             triaged {:.2f} / {:.2f} cores, other processes {:.2f} / {:.2f}\n",
                                 sequential_cpu.server, concurrent_cpu.server, sequential_cpu.other,
                                 concurrent_cpu.other);
        std::cout << fmt::format("   {} GETs per run after {} unrecorded warm-up GETs; 200s {} + {}, errors {} + {}\n",
                                 thousands(options.gets), kGetWarmup, thousands(sequential.result.ok),
                                 thousands(concurrent.result.ok), warmup.result.errors + sequential.result.errors,
                                 concurrent.result.errors);
        for (const auto* r : {&warmup.result, &sequential.result, &concurrent.result})
            if (r->errors) std::cout << "   FIRST ERROR     " << r->first_error << "\n";
        std::cout << "\n";
    }
    const std::uint64_t get_errors = warmup.result.errors + sequential.result.errors + concurrent.result.errors;

    // ---- 3. memory
    std::this_thread::sleep_for(kIdleBeforeRss);
    const auto rss_idle = proc_status_mb(server.pid(), "VmRSS");
    const auto rss_peak = proc_status_mb(server.pid(), "VmHWM");
    const auto threads = proc_threads(server.pid());
    const auto rss_anon = proc_status_mb(server.pid(), "RssAnon");
    const auto rss_file = proc_status_mb(server.pid(), "RssFile");
    const bool rss_start_pass = rss_start && *rss_start < kTargetIdleRssMb;
    const bool rss_idle_pass = rss_idle && *rss_idle < kTargetIdleRssMb;
    std::cout << "3. Memory: VmRSS of triaged\n";
    std::cout << fmt::format("   idle after start-up   {:>9}   target < {:g} MB  {}\n", mb(rss_start), kTargetIdleRssMb,
                             verdict(rss_start_pass));
    std::cout << fmt::format("   idle after the load   {:>9}   target < {:g} MB  {}   (peak VmHWM {}, {} threads)\n",
                             mb(rss_idle), kTargetIdleRssMb, verdict(rss_idle_pass), mb(rss_peak),
                             threads ? std::to_string(*threads) : "?");
    std::cout << fmt::format("   of which              anonymous {}, file-backed {} (shared libraries, mapped database pages)\n",
                             mb(rss_anon), mb(rss_file));
    // The report facts are a cache that the first report loads and reports.facts_idle_minutes
    // without one drops: what holding them costs, for the record (no target).
    std::optional<double> rss_facts;
    int report_status = 0;
    std::string report_error;
    double report_seconds = 0;
    {
        auto one = open_connections(ioc, endpoint, 1);
        const std::string request = fmt::format(
            "GET /api/v1/reports/frequency?group_by=queue HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\r\n", host,
            token);
        const auto asked = SteadyClock::now();
        for (int attempt = 0; attempt < 240 && !one.empty(); ++attempt) {  // 503 while the facts load
            run_on_all(ioc, one, 30s, [&](HttpConnection& c) { return exchange_once(c, request, report_status, report_error); });
            if (!report_error.empty() || report_status != 503) break;
            std::this_thread::sleep_for(250ms);
        }
        report_seconds = seconds_between(asked, SteadyClock::now());
        close_all(one);
        std::this_thread::sleep_for(kIdleBeforeRss);
        if (report_status == 200) rss_facts = proc_status_mb(server.pid(), "VmRSS");
    }
    if (rss_facts)
        std::cout << fmt::format("   with report facts     {:>9}   no target: a report loaded the facts of {} tickets in {:.2f} s;\n"
                                 "                                     they stay until reports.facts_idle_minutes (10) without a report\n\n",
                                 mb(rss_facts), thousands(create.result.ok), report_seconds);
    else
        std::cout << fmt::format("   with report facts     not measured: the report answered {} {}\n\n", report_status,
                                 report_error);

    // ---- 4. baseline
    const std::uint64_t baseline_tickets = std::max<std::uint64_t>(create.result.ok, options.sqlite_min);
    std::cout << fmt::format("4. Baseline: raw SQLite, the same rows, {} tickets per transaction\n",
                             thousands(kSqliteBatch));
    std::cout << "   (production schema and pragmas: WAL, synchronous=FULL, foreign_keys; full-text rows too)\n";
    BaselineResult baseline, small_batch;
    std::optional<double> ratio, small_ratio;
    if (baseline_tickets == 0) {
        std::cout << "   skipped (--sqlite-min 0 and nothing created)\n\n";
    } else {
        const CpuMeter baseline_meter(server.pid());
        baseline = run_sqlite_baseline(tmp.path() / "baseline.sqlite3", baseline_tickets, kSqliteBatch, corpus);
        const auto baseline_cpu = baseline_meter.cores();
        if (baseline.tickets_per_second() > 0) ratio = create_rate / baseline.tickets_per_second();
        std::cout << fmt::format(
            "   inserted        {} tickets ({} table rows, plus their full-text rows) in {:.2f} s\n",
            thousands(baseline.tickets), thousands(baseline.rows), baseline.seconds);
        std::cout << fmt::format("   throughput      {} tickets/s ({} rows/s); other processes {:.2f} cores\n",
                                 thousands(static_cast<std::uint64_t>(baseline.tickets_per_second())),
                                 thousands(static_cast<std::uint64_t>(baseline.rows_per_second())), baseline_cpu.other);
        std::cout << fmt::format("   API / raw       {:.2f} (API {} tickets/s vs raw SQLite {} tickets/s)\n",
                                 ratio.value_or(0), thousands(static_cast<std::uint64_t>(create_rate)),
                                 thousands(static_cast<std::uint64_t>(baseline.tickets_per_second())));
        // N connections leave at most N tickets for one group commit: the same rows at that
        // batch size are the ceiling the API run could reach.
        if (options.connections < kSqliteBatch) {
            small_batch = run_sqlite_baseline(tmp.path() / "baseline-small-batches.sqlite3", baseline_tickets,
                                              options.connections, corpus);
            if (small_batch.tickets_per_second() > 0) small_ratio = create_rate / small_batch.tickets_per_second();
            std::cout << fmt::format(
                "   at {} per tx    {} tickets/s, the most a group commit can hold with {} connections; "
                "API / raw {:.2f}\n",
                options.connections, thousands(static_cast<std::uint64_t>(small_batch.tickets_per_second())),
                options.connections, small_ratio.value_or(0));
        }
        std::cout << "\n";
    }

    // ---- 5. shutdown
    const auto stop_started = SteadyClock::now();
    const auto status = server.stop(kStopTimeout);
    const double stop_seconds = seconds_between(stop_started, SteadyClock::now());
    std::optional<int> exit_code;
    if (status && WIFEXITED(*status)) exit_code = WEXITSTATUS(*status);
    const bool clean_exit = exit_code == 0;
    std::cout << "5. Shutdown: SIGTERM\n";
    if (status)
        std::cout << fmt::format("   triaged {} after {:.2f} s  {}\n", describe_wait_status(*status), stop_seconds,
                                 clean_exit ? "OK" : "FAILED");
    else
        std::cout << fmt::format("   triaged did not exit within {} s and was killed  FAILED\n", kStopTimeout.count());
    const auto log = summarise_log(log_file);
    std::cout << fmt::format("   server log      {} lines, {} warnings, {} errors ({})\n", thousands(log.lines),
                             log.warnings, log.errors, log_file.string());
    if (log.warnings) std::cout << "   first warning   " << log.first_warning << "\n";
    if (log.errors) std::cout << "   first error     " << log.first_error << "\n";
    if (!clean_exit) print_log_tail(log_file);

    // ---- summary
    const bool create_pass = create_rate >= kTargetCreatesPerSecond;
    const bool get_pass = get_errors == 0 && !sequential.result.latency_ns.empty() && get_seq.p99_ms < kTargetGetP99Ms;
    const bool failed = create.result.errors > 0 || get_errors > 0 || !clean_exit || create.result.ok == 0;
    std::cout << fmt::format(
        "\nSummary: create {}/s {} | GET p99 {} {} | idle RSS {} {} | API/raw SQLite {:.2f} | {}\n",
        thousands(static_cast<std::uint64_t>(create_rate)), verdict(create_pass), ms(get_seq.p99_ms), verdict(get_pass),
        mb(rss_idle), verdict(rss_idle_pass), ratio.value_or(0), failed ? "ERRORS" : "no errors");

    std::vector<std::pair<std::string_view, std::string>> fields{
        {"connections", std::to_string(options.connections)},
        {"log_level", json::serialize(json::string(options.log_level))},
        {"create_seconds", json_number(create.result.seconds())},
        {"created", std::to_string(create.result.ok)},
        {"create_errors", std::to_string(create.result.errors)},
        {"tickets_per_s", json_number(create_rate, 1)},
        {"post_p50_ms", json_number(post.p50_ms)},
        {"post_p99_ms", json_number(post.p99_ms)},
        {"get_seq_p50_ms", json_number(get_seq.p50_ms)},
        {"get_seq_p99_ms", json_number(get_seq.p99_ms)},
        {"get_conc_p50_ms", json_number(get_conc.p50_ms)},
        {"get_conc_p99_ms", json_number(get_conc.p99_ms)},
        {"get_errors", std::to_string(get_errors)},
        {"rss_start_mb", json_number(rss_start, 2)},
        {"rss_idle_mb", json_number(rss_idle, 2)},
        {"rss_peak_mb", json_number(rss_peak, 2)},
        {"rss_with_report_facts_mb", json_number(rss_facts, 2)},
        {"sqlite_tickets", std::to_string(baseline.tickets)},
        {"sqlite_tickets_per_s", json_number(baseline.tickets_per_second(), 1)},
        {"sqlite_connection_batch_tickets_per_s", json_number(small_batch.tickets_per_second(), 1)},
        {"api_vs_sqlite", json_number(ratio, 4)},
        {"server_cpu_cores", json_number(create_cpu.server, 2)},
        {"client_cpu_cores", json_number(create_cpu.client, 2)},
        {"other_cpu_cores", json_number(create_cpu.other, 2)},
        {"other_cpu_cores_get_seq", json_number(sequential_cpu.other, 2)},
        {"server_exit_code", exit_code ? std::to_string(*exit_code) : "null"},
        {"server_log_errors", std::to_string(log.errors)},
        {"pass_create_rate", create_pass ? "true" : "false"},
        {"pass_get_p99", get_pass ? "true" : "false"},
        {"pass_idle_rss", rss_idle_pass ? "true" : "false"},
        {"load_average_1m", json::serialize(json::string(load_average()))},
        {"disk_fdatasync_p50_ms", disk ? json_number(disk->p50_ms) : "null"},
        {"ok", failed ? "false" : "true"},
    };
    std::string line = "RESULT {";
    for (std::size_t i = 0; i < fields.size(); ++i)
        line += fmt::format("{}\"{}\":{}", i ? "," : "", fields[i].first, fields[i].second);
    line += "}";
    std::cout << line << std::endl;
    return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parse_args(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "api_bench: " << e.what() << "\n" << kUsage;
        return 2;
    }
    // A server closing a connection must not kill the client while it writes.
    signal(SIGPIPE, SIG_IGN);
    try {
        return run(options);
    } catch (const std::exception& e) {
        std::cout << std::flush;
        std::cerr << "api_bench: " << e.what() << "\n";
        return 1;
    }
}
