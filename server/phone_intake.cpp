#include "server/phone_intake.hpp"

#include <deque>
#include <exception>
#include <fmt/format.h>
#include <future>
#include <memory>

namespace triage::server {
namespace {

// Calls filed in one unit of work: a whole file commits in a few large transactions (one
// fsync each) instead of one unit per call. A unit in which any call is refused is rolled
// back and its calls filed again one unit each, so one bad call never takes others along.
constexpr std::size_t kCallsPerUnit = 1024;
// Units queued to the writer ahead of the one being settled: it group-commits what is queued.
constexpr std::size_t kUnitsInFlight = 4;

struct Slot {
    std::optional<Result<CallOutcome>> outcome;
};

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

    std::vector<Slot> slots(batch.calls.size());
    const Intake& intake = app.intake();
    // Posts calls [first, last) as one unit; the future says once it is durable (or rolled
    // back: false).
    auto post_unit = [&](std::size_t first, std::size_t last) {
        auto committed = std::make_shared<std::promise<bool>>();
        auto kept = std::make_shared<bool>(false);
        auto future = committed->get_future();
        app.store().post_write(
            [&intake, &slots, &batch, first, last, kept](StoreTx& tx) {
                for (std::size_t i = first; i < last; ++i) slots[i].outcome.reset();  // a unit may run again
                for (std::size_t i = first; i < last; ++i) {
                    slots[i].outcome.emplace(accept_call(intake, tx, batch.calls[i]));
                    if (!slots[i].outcome->has_value()) return *kept = false;
                }
                return *kept = true;
            },
            [committed, kept](std::exception_ptr e) {
                if (e) committed->set_exception(e);
                else committed->set_value(*kept);
            });
        return future;
    };
    struct Pending {
        std::size_t first, last;
        std::future<bool> committed;
    };
    std::deque<Pending> pending;
    auto settle = [&](Pending& p) {
        if (p.committed.get()) return;  // rethrows a failed commit
        // Rolled back: each call of the unit on its own, so the others are filed.
        std::vector<std::future<bool>> singles;
        for (std::size_t i = p.first; i < p.last; ++i) singles.push_back(post_unit(i, i + 1));
        for (auto& f : singles) f.get();
    };
    for (std::size_t first = 0; first < batch.calls.size(); first += kCallsPerUnit) {
        if (pending.size() >= kUnitsInFlight) {
            settle(pending.front());
            pending.pop_front();
        }
        const auto last = std::min(first + kCallsPerUnit, batch.calls.size());
        pending.push_back({first, last, post_unit(first, last)});
    }
    while (!pending.empty()) {
        settle(pending.front());
        pending.pop_front();
    }

    for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto& call = batch.calls[i];
        const auto& r = *slots[i].outcome;
        const auto line = batch.first_line[i];
        if (!r) {
            report.errors.push_back({line, r.error().message});
            continue;
        }
        if (!r->intake) {
            ++report.skipped;
            report.notes.push_back(fmt::format("line {}: {} skipped: {}", line, call.external_id, r->skipped));
            continue;
        }
        const auto& in = *r->intake;
        if (in.duplicate) ++report.duplicates;
        else {
            ++report.filed;
            if (r->call_back) ++report.call_backs;
        }
        report.notes.push_back(fmt::format("line {}: {} -> {} ({})", line, call.external_id, ticket_key(in.ticket.id),
                                           in.threaded_by));
    }
    std::sort(report.errors.begin(), report.errors.end(),
              [](const auto& a, const auto& b) { return a.line < b.line; });
    return report;
}

}  // namespace triage::server
