#include "server/phone_intake.hpp"

#include "engine/call_import.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <fmt/format.h>
#include <future>
#include <memory>

namespace triage::server {
namespace {

// Calls filed in one unit of work (engine/call_import.hpp: a few statements per chunk plus
// the rows written), so a whole file commits in a few large transactions (one fsync each).
constexpr std::size_t kCallsPerUnit = 4096;
// Units queued to the writer ahead of the one being settled: it group-commits what is queued.
constexpr std::size_t kUnitsInFlight = 4;

}  // namespace

CdrImportReport import_cdr(App& app, std::string bytes, channels::CdrFormat format, const channels::PbxTimeZone& zone) {
    channels::CdrOptions options;
    options.format = format;
    options.time_zone = zone;
    options.region = app.config().phone.default_region;
    options.support_lines = app.config().phone.support_lines;
    const std::string sha = app.blobs().put(bytes);  // raw bytes kept before anything is filed
    auto batch = channels::parse_cdr(bytes, options, sha);

    CdrImportReport report;
    report.rows = batch.rows;
    report.calls = batch.calls.size();
    report.skipped = batch.skipped_rows;
    report.errors = std::move(batch.errors);

    std::vector<FiledCall> filed(batch.calls.size());
    const std::string default_queue = app.config().default_queue;
    const Clock& clock = app.clock();
    // Posts calls [first, last) as one unit; the future is ready once it is durable.
    auto post_unit = [&](std::size_t first, std::size_t last) {
        auto committed = std::make_shared<std::promise<void>>();
        auto future = committed->get_future();
        app.store().post_write(
            [&, first, last](StoreTx& tx) {
                CallImportSettings settings{default_queue, clock.system_now()};
                auto out = file_calls(tx, std::span(batch.calls).subspan(first, last - first), settings);
                std::move(out.begin(), out.end(), filed.begin() + static_cast<std::ptrdiff_t>(first));
                return true;
            },
            [committed](std::exception_ptr e) {
                if (e) committed->set_exception(e);
                else committed->set_value();
            });
        return future;
    };
    std::deque<std::future<void>> pending;
    for (std::size_t first = 0; first < batch.calls.size(); first += kCallsPerUnit) {
        if (pending.size() >= kUnitsInFlight) {
            pending.front().get();  // rethrows a failed commit
            pending.pop_front();
        }
        pending.push_back(post_unit(first, std::min(first + kCallsPerUnit, batch.calls.size())));
    }
    while (!pending.empty()) {
        pending.front().get();
        pending.pop_front();
    }

    report.notes.reserve(filed.size());
    for (std::size_t i = 0; i < filed.size(); ++i) {
        const auto& call = batch.calls[i];
        const auto& f = filed[i];
        const auto line = batch.first_line[i];
        switch (f.result) {
            case FiledCall::Result::skipped:
                ++report.skipped;
                report.notes.push_back(fmt::format("line {}: {} skipped: {}", line, call.external_id, f.note));
                continue;
            case FiledCall::Result::duplicate: ++report.duplicates; break;
            case FiledCall::Result::filed:
                ++report.filed;
                if (f.call_back) ++report.call_backs;
                break;
        }
        report.notes.push_back(fmt::format("line {}: {} -> {} ({})", line, call.external_id, ticket_key(f.ticket_id), f.note));
    }
    std::sort(report.errors.begin(), report.errors.end(),
              [](const auto& a, const auto& b) { return a.line < b.line; });
    return report;
}

}  // namespace triage::server
