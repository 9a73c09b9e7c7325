// Test support: starts the real `triaged` binary on a free port with a temporary data
// directory, talks HTTP to it as a client would, and stops it with SIGTERM.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace triage::test {

// A fresh, uniquely named directory under the system temp dir, removed on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

struct HttpResult {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
};

class TriagedProcess {
public:
    static constexpr const char* kToken = "test-admin-token-0123456789";

    // Starts triaged on 127.0.0.1:0 over `data_dir` with extra flags; waits until it listens.
    explicit TriagedProcess(const std::filesystem::path& data_dir, std::vector<std::string> extra_args = {});
    ~TriagedProcess();

    int port() const { return port_; }
    int pid() const { return pid_; }
    // Sends SIGTERM and waits; returns the exit status (or -1 on a signal death).
    int stop();
    // Waits for the process to end by itself (e.g. a crash test hook); returns the signal that
    // killed it, or 0 when it exited.
    int wait_for_exit();

    // One request on a new connection. `token` empty = no Authorization header.
    HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                       const std::string& token = kToken, const std::string& content_type = "application/json") const;

    std::string log() const;  // what the server printed

private:
    int pid_ = -1;
    int port_ = 0;
    std::filesystem::path log_path_;
};

// Runs a command, returns exit code and captured stdout+stderr.
std::pair<int, std::string> run_command(const std::vector<std::string>& argv);

// Sends `bytes` as they are on a new connection to 127.0.0.1:`port`, ends the sending side,
// and returns everything the server wrote until it closed (or `timeout_s` passed). For
// requests an HTTP client library would not send.
std::string raw_exchange(int port, const std::string& bytes, int timeout_s = 10);

}  // namespace triage::test
