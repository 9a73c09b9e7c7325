#include "server/phone_intake.hpp"

#include "engine/call_import.hpp"

#include <algorithm>
#include <deque>
#include <exception>
#include <fmt/format.h>
#include <future>
#include <iterator>
#include <memory>

namespace triage::server {
namespace {

// Calls filed in one unit of work (engine/call_import.hpp: a few statements per chunk plus
// the rows written), so a whole file commits in a few large transactions (one fsync each).
constexpr std::size_t kCallsPerUnit = 4096;
// Units queued to the writer ahead of the one being settled: it group-commits what is queued.
constexpr std::size_t kUnitsInFlight = 4;
// Lines read between looks at what can be posted.
constexpr std::size_t kLinesPerRead = 1024;
// A call that started at most this long before its import is live work (phone_intake.hpp).
constexpr std::chrono::hours kLiveCall{24};

}  // namespace

CdrImportReport import_cdr(App& app, std::string bytes, channels::CdrFormat format, const channels::PbxTimeZone& zone) {
    channels::CdrOptions options;
    options.format = format;
    options.time_zone = zone;
    options.region = app.config().phone.default_region;
    options.support_lines = app.config().phone.support_lines;
    // The raw bytes are kept before anything is filed: on a thread of its own (hashing and
    // writing the file) while the reader's first pass runs.
    auto kept = std::async(std::launch::async, [&app, &bytes] { return app.blobs().put(bytes); });
    channels::CdrReader reader(bytes, options);
    const std::string sha = kept.get();

    // The calls are read in steps and filed as they are complete, kUnitsInFlight units ahead
    // of the one being settled, so the writer files one unit while the next is read.
    channels::CdrBatch batch;
    std::vector<FiledCall> filed;
    const std::string default_queue = app.config().default_queue;
    const Clock& clock = app.clock();
    CallImportCache cache;  // used by the writer thread only, one unit after another
    // A unit's calls, enquiries and results belong to this thread, which also frees them once
    // the unit is settled: the writer thread only files them.
    struct Unit {
        std::size_t first = 0;
        std::unique_ptr<std::vector<PhoneCall>> calls;
        std::unique_ptr<std::vector<Enquiry>> enquiries;
        std::unique_ptr<std::vector<FiledCall>> filed;
        std::future<void> committed;
    };
    std::deque<Unit> pending;
    auto settle_front = [&] {
        Unit& u = pending.front();
        u.committed.get();  // rethrows a failed commit
        std::move(u.filed->begin(), u.filed->end(), filed.begin() + static_cast<std::ptrdiff_t>(u.first));
        pending.pop_front();
    };
    std::size_t posted = 0;  // calls of `batch` posted so far
    // Posts calls [posted, last) as one unit; its future is ready once it is durable.
    auto post_unit = [&](std::size_t last) {
        if (pending.size() >= kUnitsInFlight) settle_front();
        Unit u;
        u.first = posted;
        u.calls = std::make_unique<std::vector<PhoneCall>>(
            std::make_move_iterator(batch.calls.begin() + static_cast<std::ptrdiff_t>(posted)),
            std::make_move_iterator(batch.calls.begin() + static_cast<std::ptrdiff_t>(last)));
        u.enquiries = std::make_unique<std::vector<Enquiry>>();  // made here, off the writer
        u.enquiries->reserve(u.calls->size());
        for (auto& call : *u.calls) {
            call.raw_sha256 = sha;
            u.enquiries->push_back(enquiry_of(call));
        }
        // What the report needs of a call once it is filed: its unique id.
        for (std::size_t i = posted; i < last; ++i) batch.calls[i].external_id = (*u.calls)[i - posted].external_id;
        u.filed = std::make_unique<std::vector<FiledCall>>();
        auto committed = std::make_shared<std::promise<void>>();
        u.committed = committed->get_future();
        app.store().post_write(
            [&, calls = u.calls.get(), enquiries = u.enquiries.get(), out = u.filed.get()](StoreTx& tx) {
                CallImportSettings settings{default_queue, clock.system_now()};
                *out = file_calls(tx, *calls, settings, &cache, *enquiries);
                // A ticket a live call opened (a call-back, most often) goes through rules,
                // routing and SLA clocks as every channel's new ticket does. Calls older than
                // kLiveCall are history, filed as `import-tickets` files history: no clocks
                // that would have run out long ago, no routing of work done since.
                for (std::size_t k = 0; k < out->size(); ++k) {
                    const FiledCall& f = (*out)[k];
                    if (f.result != FiledCall::Result::filed || !f.created) continue;
                    if ((*calls)[k].started_at < settings.now - kLiveCall) continue;
                    auto ticket = tx.ticket(f.ticket_id);
                    if (!ticket) continue;
                    IntakeOutcome opened;
                    opened.ticket = std::move(*ticket);
                    opened.message.body = (*enquiries)[k].text;
                    opened.customer_id = opened.ticket.requester_id;
                    opened.created = true;
                    app.escalation().after_intake(tx, opened);
                }
                return true;
            },
            [committed](std::exception_ptr e) {
                if (e) committed->set_exception(e);
                else committed->set_value();
            });
        filed.resize(last);
        posted = last;
        pending.push_back(std::move(u));
    };
    try {
        for (bool more = true; more;) {
            more = reader.read(kLinesPerRead);
            reader.take(batch);
            while (batch.calls.size() - posted >= kCallsPerUnit) post_unit(posted + kCallsPerUnit);
        }
        if (batch.calls.size() > posted) post_unit(batch.calls.size());
        while (!pending.empty()) settle_front();
    } catch (...) {
        // The units still queued use this frame (the cache, the settings): they end first.
        for (auto& u : pending) u.committed.wait();
        throw;
    }

    CdrImportReport report;
    report.rows = batch.rows;
    report.calls = batch.calls.size();
    report.skipped = batch.skipped_rows;
    report.errors = std::move(batch.errors);

    // One note a call and one a skipped row, in file order.
    std::vector<std::pair<std::size_t, std::string>> notes;
    notes.reserve(filed.size() + batch.skipped.size());
    for (const auto& s : batch.skipped) notes.emplace_back(s.line, fmt::format("line {}: skipped: {}", s.line, s.message));
    for (std::size_t i = 0; i < filed.size(); ++i) {
        const auto& call = batch.calls[i];
        const auto& f = filed[i];
        const auto line = batch.first_line[i];
        switch (f.result) {
            case FiledCall::Result::skipped:
                ++report.skipped;
                notes.emplace_back(line, fmt::format("line {}: {} skipped: {}", line, call.external_id, f.note));
                continue;
            case FiledCall::Result::duplicate: ++report.duplicates; break;
            case FiledCall::Result::filed:
                ++report.filed;
                if (f.call_back) ++report.call_backs;
                break;
        }
        notes.emplace_back(line, fmt::format("line {}: {} -> {} ({})", line, call.external_id, ticket_key(f.ticket_id), f.note));
    }
    std::stable_sort(notes.begin(), notes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    report.notes.reserve(notes.size());
    for (auto& n : notes) report.notes.push_back(std::move(n.second));
    std::sort(report.errors.begin(), report.errors.end(),
              [](const auto& a, const auto& b) { return a.line < b.line; });
    return report;
}

}  // namespace triage::server
