#include "server/cdr_spool.hpp"

#include "server/phone_intake.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <spdlog/spdlog.h>

namespace triage::server {

namespace {

// `name` in `dir`, or NAME.1.csv, NAME.2.csv, ... when a file of that name is there already:
// a PBX that rotates its log hands over "Master.csv" every time, and none may be written over.
std::filesystem::path unused_name(const std::filesystem::path& dir, const std::filesystem::path& name) {
    auto path = dir / name;
    for (int n = 1; std::filesystem::exists(path) || std::filesystem::exists(path.string() + ".errors"); ++n)
        path = dir / fmt::format("{}.{}{}", name.stem().string(), n, name.extension().string());
    return path;
}

}  // namespace

CdrSpool::CdrSpool(App& app, std::filesystem::path dir, channels::CdrFormat format, channels::PbxTimeZone zone)
    : app_(app), dir_(std::move(dir)), format_(format), zone_(std::move(zone)) {
    std::filesystem::create_directories(dir_ / "done");
}

CdrSpool::~CdrSpool() { stop(); }

void CdrSpool::start() {
    thread_ = std::thread([this] {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            lock.unlock();
            try {
                scan_once();
            } catch (const std::exception& e) {
                spdlog::error("cdr spool {}: {}", dir_.string(), e.what());
            }
            lock.lock();
            wake_.wait_for(lock, std::chrono::seconds(2), [this] { return stopping_; });
        }
    });
}

void CdrSpool::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::size_t CdrSpool::scan_once() {
    // A file is taken once it has settled: the same size and modification time as at the
    // last look, and untouched for a second. A PBX (or a copy) still writing it in place
    // would otherwise be read half-written, its last row cut off and its later rows lost.
    std::vector<std::filesystem::path> files;
    std::map<std::filesystem::path, Seen> seen;
    const auto now = std::filesystem::file_time_type::clock::now();
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".csv") continue;
        std::error_code ec;
        const Seen look{entry.file_size(ec), entry.last_write_time(ec)};
        if (ec) continue;
        auto before = seen_.find(entry.path());
        if (before != seen_.end() && before->second == look && now - look.modified >= kSettled)
            files.push_back(entry.path());
        else
            seen.emplace(entry.path(), look);
    }
    seen_ = std::move(seen);
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto report = import_cdr(app_, std::move(bytes), format_, zone_);  // committed when it returns
        const auto done = unused_name(dir_ / "done", file.filename());
        if (!report.errors.empty()) {
            std::ofstream errors(done.string() + ".errors");
            for (const auto& e : report.errors) errors << fmt::format("{}:{}: {}\n", file.filename().string(), e.line, e.message);
        }
        std::filesystem::rename(file, done);
        spdlog::info("cdr spool: {}: {} rows, {} filed, {} already imported, {} skipped, {} bad rows", file.filename().string(),
                     report.rows, report.filed, report.duplicates, report.skipped, report.errors.size());
    }
    return files.size();
}

}  // namespace triage::server
