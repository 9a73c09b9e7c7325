// History import from JSON Lines: one historical ticket per line (the fields are listed in
// README.md, "History import"), parsed and validated into HistoricalTicket values and written
// in large units of work through the store's group-commit writer. Used by
// `triage import-tickets` and POST /api/v1/import/tickets. Stateless; safe from any thread.
#pragma once

#include "engine/error.hpp"
#include "engine/store.hpp"
#include "engine/ticket_import.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <istream>
#include <string_view>
#include <vector>

namespace triage::server {

// One line's JSON object; the problem names the field at fault. A requester phone written
// nationally ("040 555 6666") becomes E.164 in `phone_region` (ISO 3166, e.g. "FI"), as the
// channels do, so a later call from +358405556666 finds the same customer.
Result<HistoricalTicket> parse_historical_ticket(std::string_view line, std::string_view phone_region = {});

struct LineProblem {
    std::size_t line = 0;  // 1-based
    Problem problem;
};

struct ImportSummary {
    std::size_t imported = 0;
    std::size_t duplicates = 0;  // external ids imported before (or twice in the input)
    std::vector<LineProblem> problems;  // bad lines, skipped
};

struct NumberedTicket {
    std::size_t line = 0;
    HistoricalTicket ticket;
};

// Writes `tickets` in one unit of work (tx is the writer's). Lines the engine refuses are
// added to `summary.problems` and skipped.
void import_tickets(StoreTx& tx, const std::vector<NumberedTicket>& tickets, ImportSummary& summary);

// Reads JSON Lines from `in` (blank lines and lines starting with '#' are skipped) and
// imports them in units of `batch` tickets, keeping a few units queued so parsing overlaps
// the writer. Blocks until everything is durably committed. Calls `on_problem` for each bad
// line as soon as it is known (parse problems at once, engine problems after their unit).
// `on_idle`, when given, runs every `idle_every` units with nothing queued for the writer
// (tests look at the database mid-import there; the store keeps the WAL short by itself).
// `bulk_from` > 0: once that many tickets are read (or `expected`, a hint of how many lines the
// input holds, says so from the start), and the database held at most four times as many
// before, the import becomes a bulk load (storage/sqlite_bulk_load.hpp): the list indexes are
// dropped and built again, sorted, before this returns.
// Tickets a unit of `triage import-tickets` carries. Large units mean few commits: each commit
// writes every page the unit dirtied to the WAL, and the identities' unique index takes its new
// keys at random places, so a unit of 4096 tickets rewrote most of that index's leaves for a
// few thousand keys; 16384 halves the writer's commit time. Four units in flight hold ~60 MiB.
inline constexpr std::size_t kImportBatch = 16384;

ImportSummary import_jsonl(Store& store, std::istream& in, std::size_t batch = kImportBatch,
                           const std::function<void(const LineProblem&)>& on_problem = {},
                           const std::function<void()>& on_idle = {}, std::size_t idle_every = 16,
                           std::size_t bulk_from = 0, std::size_t expected = 0,
                           std::string_view phone_region = {});

// A guess at the lines of a JSON Lines file from its size (a loadgen ticket is ~600 bytes).
std::size_t expected_lines(const std::filesystem::path& file);

// The bulk_from `triage import-tickets` and reports_bench use.
inline constexpr std::size_t kBulkImportFrom = 50'000;

}  // namespace triage::server
