// CdrSpool: a watched spool directory (phone.cdr_spool.dir) for PBX call logs. Every
// `*.csv` file that appears is imported like `triage import-cdr` and then moved to `done/`
// (with `NAME.errors` beside it listing bad rows by line; a name already in `done/` gets a
// number: Master.1.csv). A file is taken only once settled: unchanged between two looks and
// for a second, so one still being written is left for later. Its own thread looks every two
// seconds; the imports block that thread, never an I/O thread. Owned by main(); start/stop
// from one thread.
#pragma once

#include "channels/cdr_csv.hpp"
#include "server/app.hpp"

#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

namespace triage::server {

class CdrSpool {
public:
    CdrSpool(App& app, std::filesystem::path dir, channels::CdrFormat format, channels::PbxTimeZone zone = {});
    ~CdrSpool();
    void start();
    void stop();
    // Imports the settled files in the directory now (the thread's one step); returns how many.
    std::size_t scan_once();

private:
    App& app_;
    std::filesystem::path dir_;
    channels::CdrFormat format_;
    channels::PbxTimeZone zone_;  // the PBX's wall-clock zone
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_

    struct Seen {
        std::uintmax_t size = 0;
        std::filesystem::file_time_type modified{};
        friend bool operator==(const Seen&, const Seen&) = default;
    };
    static constexpr std::chrono::seconds kSettled{1};
    std::map<std::filesystem::path, Seen> seen_;  // files not yet taken, at the last look; the scanning thread's
};

}  // namespace triage::server
