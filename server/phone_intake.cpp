#include "server/phone_intake.hpp"

#include <exception>
#include <fmt/format.h>
#include <latch>

namespace triage::server {

CdrImportReport import_cdr(App& app, std::string bytes, channels::CdrFormat format) {
    channels::CdrOptions options;
    options.format = format;
    options.region = app.config().phone.default_region;
    options.support_lines = app.config().phone.support_lines;
    const std::string sha = app.blobs().put(bytes);  // raw bytes kept before anything is filed
    auto batch = channels::parse_cdr(bytes, options, sha);

    CdrImportReport report;
    report.rows = batch.rows;
    report.calls = batch.calls.size();
    report.skipped = batch.skipped_rows;
    report.errors = std::move(batch.errors);

    struct Slot {
        std::optional<Result<CallOutcome>> outcome;
        std::exception_ptr failure;
    };
    std::vector<Slot> slots(batch.calls.size());
    std::latch done(static_cast<std::ptrdiff_t>(batch.calls.size()));
    const Intake& intake = app.intake();
    for (std::size_t i = 0; i < batch.calls.size(); ++i) {
        app.store().post_write(
            [&intake, &slots, &batch, i](StoreTx& tx) {
                slots[i].outcome.emplace(accept_call(intake, tx, batch.calls[i]));
                return slots[i].outcome->has_value();
            },
            [&slots, &done, i](std::exception_ptr e) {
                slots[i].failure = e;
                done.count_down();
            });
    }
    done.wait();
    for (std::size_t i = 0; i < slots.size(); ++i) {
        if (slots[i].failure) std::rethrow_exception(slots[i].failure);
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
