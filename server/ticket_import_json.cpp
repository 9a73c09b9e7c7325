#include "server/ticket_import_json.hpp"

#include "channels/api_enquiry.hpp"
#include "channels/mime_charset.hpp"
#include "channels/phone_number.hpp"
#include "engine/customer.hpp"
#include "engine/text.hpp"
#include "engine/time_format.hpp"
#include "storage/sqlite_bulk_load.hpp"

#include <boost/json.hpp>
#include <deque>
#include <fmt/format.h>
#include <future>
#include <memory>
#include <optional>
#include <string>

namespace triage::server {
namespace json = boost::json;
namespace {

using channels::kMaxBodyBytes;
using channels::kMaxShortBytes;
using channels::kMaxSubjectBytes;
constexpr std::size_t kMaxTags = 100;

struct Reader {
    const json::object& o;
    std::string prefix;  // "requester." for nested objects

    Problem bad(std::string_view key, std::string message) const {
        return problem(errc::invalid_field, std::move(message), prefix + std::string(key));
    }
    Result<std::string> string(std::string_view key, bool required = false) const {
        auto it = o.find(key);
        if (it == o.end() || it->value().is_null()) {
            if (required) return bad(key, fmt::format("{}{} is required", prefix, key));
            return std::string{};
        }
        if (!it->value().is_string()) return bad(key, fmt::format("{}{} must be a string", prefix, key));
        return std::string(it->value().get_string());
    }
    Result<std::optional<Timestamp>> time(std::string_view key, bool required = false) const {
        std::string text;
        TRIAGE_TRY(text, string(key, required));
        if (text.empty()) return std::optional<Timestamp>{};
        auto t = parse_rfc3339(text);
        if (!t) return bad(key, fmt::format("{}{} '{}' is not an RFC 3339 time", prefix, key, text));
        return std::optional<Timestamp>{*t};
    }
};

template <class T, class Parse>
Result<T> enum_field(const Reader& r, std::string_view key, Parse parse, T fallback, std::string_view allowed) {
    std::string text;
    TRIAGE_TRY(text, r.string(key));
    if (text.empty()) return fallback;
    auto v = parse(text);
    if (!v) return r.bad(key, fmt::format("{} must be one of {}, not '{}'", key, allowed, text));
    return *v;
}

// "L2" as the engine writes it, or "l2".
std::optional<Tier> parse_any_tier(std::string_view s) {
    if (auto t = parse_tier(s)) return t;
    if (s == "l1") return Tier::l1;
    if (s == "l2") return Tier::l2;
    return std::nullopt;
}

bool known_key(std::string_view key) {
    static constexpr std::string_view kKeys[] = {
        "external_id", "channel", "subject", "body", "requester", "organisation", "queue", "category", "priority",
        "language", "created_at", "first_response_at", "solved_at", "closed_at", "status", "tier", "assignee",
        "tags", "replies", "escalations", "referral"};
    for (auto k : kKeys)
        if (k == key) return true;
    return false;
}

}  // namespace

Result<HistoricalTicket> parse_historical_ticket(std::string_view line, std::string_view phone_region) {
    if (!channels::is_valid_utf8(line))
        return problem(errc::malformed, "the line is not valid UTF-8 (JSON Lines must be UTF-8; convert the file first, e.g. with iconv)");
    // One parser per thread, reused, and the value in a stack buffer: a line costs no heap
    // allocation for its JSON (a long line spills into the monotonic resource's heap blocks).
    thread_local json::parser parser = [] {
        json::parse_options options;
        options.max_depth = 8;
        return json::parser(json::storage_ptr(), options);
    }();
    alignas(16) unsigned char buffer[16384];
    json::monotonic_resource memory(buffer, sizeof buffer);
    parser.reset(&memory);
    boost::system::error_code ec;
    parser.write(line.data(), line.size(), ec);  // the whole text: trailing bytes are an error
    if (ec) {
        parser.reset();
        return problem(errc::malformed, fmt::format("malformed JSON: {}", ec.message()));
    }
    const json::value value = parser.release();
    if (!value.is_object()) return problem(errc::malformed, "a line must be one JSON object");
    const auto& o = value.get_object();
    for (const auto& kv : o)
        if (!known_key(kv.key()))
            return problem(errc::invalid_field, fmt::format("unknown field {}", std::string_view(kv.key())),
                           std::string(kv.key()));
    Reader r{o, ""};
    HistoricalTicket h;
    TRIAGE_TRY(h.external_id, r.string("external_id", true));
    if (h.external_id.empty()) return r.bad("external_id", "external_id must not be empty");
    TRIAGE_TRY(h.channel, enum_field(r, "channel", parse_channel, Channel::email, "email, fax, web, phone, api"));
    TRIAGE_TRY(h.subject, r.string("subject"));
    TRIAGE_TRY(h.body, r.string("body"));
    if (auto it = o.find("requester"); it != o.end()) {
        if (!it->value().is_object()) return r.bad("requester", "requester must be an object {name, email?, phone?}");
        Reader q{it->value().get_object(), "requester."};
        TRIAGE_TRY(h.requester_name, q.string("name"));
        TRIAGE_TRY(h.requester_email, q.string("email"));
        TRIAGE_TRY(h.requester_phone, q.string("phone"));
        if (!h.requester_phone.empty() && !phone_region.empty())
            if (auto e164 = channels::to_e164(h.requester_phone, phone_region)) h.requester_phone = *e164;
        TRIAGE_TRY(h.organisation, q.string("organisation"));
        TRIAGE_TRY(h.customer_tier, q.string("tier"));
        if (h.requester_name.empty() && h.requester_email.empty() && h.requester_phone.empty())
            return q.bad("name", "requester needs a name, an email or a phone");
        if (!h.requester_email.empty() && normalise_identity(IdentityKind::email, h.requester_email).value.empty())
            return q.bad("email", fmt::format("'{}' is not an email address", h.requester_email));
        if (!h.requester_phone.empty() && normalise_identity(IdentityKind::phone, h.requester_phone).value.empty())
            return q.bad("phone", fmt::format("'{}' is not a phone number", h.requester_phone));
        for (auto [field, value] : {std::pair{"name", &h.requester_name}, {"email", &h.requester_email},
                                    {"phone", &h.requester_phone}, {"organisation", &h.organisation}, {"tier", &h.customer_tier}})
            if (value->size() > kMaxShortBytes) return q.bad(field, fmt::format("{} is longer than {} bytes", field, kMaxShortBytes));
    } else {
        return r.bad("requester", "requester is required");
    }
    if (h.organisation.empty()) { TRIAGE_TRY(h.organisation, r.string("organisation")); }
    // The API's limits (channels/api_enquiry.hpp), so history cannot hold what no channel would.
    if (h.subject.size() > kMaxSubjectBytes) return r.bad("subject", fmt::format("subject is longer than {} bytes", kMaxSubjectBytes));
    if (h.body.size() > kMaxBodyBytes) return r.bad("body", fmt::format("body is longer than {} bytes", kMaxBodyBytes));
    if (h.organisation.size() > kMaxShortBytes) return r.bad("organisation", fmt::format("organisation is longer than {} bytes", kMaxShortBytes));
    TRIAGE_TRY(h.queue, r.string("queue", true));
    if (h.queue.size() > 64) return r.bad("queue", "queue is longer than 64 bytes");
    TRIAGE_TRY(h.category, r.string("category"));
    TRIAGE_TRY(h.priority, enum_field(r, "priority", parse_priority, Priority::normal, "low, normal, high, urgent"));
    TRIAGE_TRY(h.language, r.string("language"));
    if (h.language.empty()) h.language = "und";
    std::optional<Timestamp> created;
    TRIAGE_TRY(created, r.time("created_at", true));
    h.created_at = *created;
    TRIAGE_TRY(h.first_response_at, r.time("first_response_at"));
    TRIAGE_TRY(h.solved_at, r.time("solved_at"));
    TRIAGE_TRY(h.closed_at, r.time("closed_at"));
    {
        std::string status;
        TRIAGE_TRY(status, r.string("status", true));
        auto s = parse_status(status);
        if (!s) return r.bad("status", fmt::format("status must be one of new, open, pending, on_hold, solved, closed, not '{}'", status));
        h.status = *s;
    }
    TRIAGE_TRY(h.tier, enum_field(r, "tier", parse_any_tier, Tier::l1, "L1, L2, supervisor, external"));
    TRIAGE_TRY(h.assignee_email, r.string("assignee"));
    if (!h.assignee_email.empty() && h.assignee_email.find('@') == std::string::npos)
        return r.bad("assignee", "assignee must be the agent's email address");
    if (auto it = o.find("tags"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_array()) return r.bad("tags", "tags must be an array of strings");
        for (const auto& t : it->value().get_array()) {
            if (!t.is_string() || t.get_string().size() > 64) return r.bad("tags", "tags must be strings of at most 64 bytes");
            h.tags.emplace_back(t.get_string());
        }
        if (h.tags.size() > kMaxTags) return r.bad("tags", fmt::format("at most {} tags", kMaxTags));
    }
    if (auto it = o.find("replies"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_int64() || it->value().get_int64() < 0 || it->value().get_int64() > 100000)
            return r.bad("replies", "replies must be a whole number from 0");
        h.replies = static_cast<int>(it->value().get_int64());
    }
    if (auto it = o.find("escalations"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_array()) return r.bad("escalations", "escalations must be an array of {at, tier, reason?}");
        for (const auto& e : it->value().get_array()) {
            if (!e.is_object()) return r.bad("escalations", "escalations must be an array of {at, tier, reason?}");
            Reader er{e.get_object(), "escalations."};
            HistoricalEscalation x;
            std::optional<Timestamp> at;
            TRIAGE_TRY(at, er.time("at", true));
            x.at = *at;
            std::string tier;
            TRIAGE_TRY(tier, er.string("tier", true));
            auto parsed = parse_any_tier(tier);
            if (!parsed) return er.bad("tier", "tier must be one of L2, supervisor, external");
            x.tier = *parsed;
            TRIAGE_TRY(x.reason, er.string("reason"));
            h.escalations.push_back(std::move(x));
        }
    }
    if (auto it = o.find("referral"); it != o.end() && !it->value().is_null()) {
        if (!it->value().is_object()) return r.bad("referral", "referral must be an object {partner, outcome, at?}");
        Reader rr{it->value().get_object(), "referral."};
        HistoricalReferral x;
        TRIAGE_TRY(x.partner, rr.string("partner", true));
        TRIAGE_TRY(x.outcome, rr.string("outcome", true));
        TRIAGE_TRY(x.at, rr.time("at"));
        h.referral = std::move(x);
    }
    if (auto ok = validate(h); !ok) return ok.error();
    return h;
}

namespace {

// Writes one unit's drafts (the writer thread): numbered by the import's TicketImporter,
// written many rows to a statement.
void write_drafts(StoreTx& tx, std::vector<ImportDraft>& drafts, TicketImporter& importer, ImportSummary& summary) {
    ImportRows rows;
    try {
        const auto outcomes = importer.rows_of(tx, drafts, sqlite::next_import_ids(tx), rows);
        if (sqlite::insert_import_rows(tx, rows) > 0) importer.forget();  // another writer joined an identity meanwhile
        for (const auto& outcome : outcomes) ++(outcome.duplicate ? summary.duplicates : summary.imported);
    } catch (...) {
        importer.forget();  // its records may name rows this unit's rollback takes away
        throw;
    }
}

}  // namespace

void import_tickets(StoreTx& tx, const std::vector<NumberedTicket>& tickets, ImportSummary& summary) {
    std::vector<ImportDraft> drafts;
    drafts.reserve(tickets.size());
    for (const auto& n : tickets) {
        auto draft = draft_of(n.ticket);
        if (!draft) summary.problems.push_back({n.line, draft.error()});
        else drafts.push_back(std::move(*draft));
    }
    TicketImporter importer;
    write_drafts(tx, drafts, importer, summary);
}

std::size_t expected_lines(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    return ec ? 0 : static_cast<std::size_t>(size / 600);
}

ImportSummary import_jsonl(Store& store, std::istream& in, std::size_t batch,
                           const std::function<void(const LineProblem&)>& on_problem,
                           const std::function<void()>& on_idle, std::size_t idle_every, std::size_t bulk_from,
                           std::size_t expected, std::string_view phone_region) {
    constexpr std::size_t kInFlight = 3;  // units queued for the writer while the next is parsed
    struct Pending {
        std::shared_ptr<ImportSummary> summary;
        std::future<void> committed;
        // Also held here, so the unit's thousands of strings are (mostly) freed on this
        // thread once it is settled, not on the writer's.
        std::shared_ptr<std::vector<ImportDraft>> drafts;
    };
    ImportSummary total;
    std::deque<Pending> pending;
    auto report = [&](const LineProblem& p) {
        if (on_problem) on_problem(p);
        total.problems.push_back(p);
    };
    auto settle = [&](Pending& p) {
        p.committed.get();  // rethrows a failed commit
        total.imported += p.summary->imported;
        total.duplicates += p.summary->duplicates;
        for (const auto& lp : p.summary->problems) report(lp);
    };
    std::size_t submitted = 0;
    // One importer for the whole import, used only by its units on the writer thread: what it
    // learnt in one unit (customers by identity, external ids) serves the next.
    auto importer = std::make_shared<TicketImporter>();
    auto submit = [&](std::vector<ImportDraft> chunk) {
        if (on_idle && submitted > 0 && submitted % idle_every == 0) {
            while (!pending.empty()) {
                settle(pending.front());
                pending.pop_front();
            }
            on_idle();
        }
        ++submitted;
        if (pending.size() >= kInFlight) {
            settle(pending.front());
            pending.pop_front();
        }
        auto summary = std::make_shared<ImportSummary>();
        auto promise = std::make_shared<std::promise<void>>();
        auto drafts = std::make_shared<std::vector<ImportDraft>>(std::move(chunk));
        Pending p{summary, promise->get_future(), drafts};
        store.post_write(
            [summary, drafts, importer](StoreTx& tx) {
                *summary = {};  // a unit may run twice (store.hpp)
                write_drafts(tx, *drafts, *importer, *summary);
                return true;
            },
            [promise](std::exception_ptr e) { e ? promise->set_exception(e) : promise->set_value(); });
        pending.push_back(std::move(p));
    };

    // Bulk load: the list indexes go once the input proves large, and come back (built
    // sorted, in one unit) before the import returns, also when it fails.
    bool bulk = false;
    std::size_t read = 0;
    std::optional<std::int64_t> existing;
    auto maybe_go_bulk = [&] {
        const auto big = std::max(read, expected);
        if (bulk || bulk_from == 0 || big < bulk_from) return;
        if (!existing) {
            existing = 0;
            for (const auto& [status, n] : store.reader()->count_by_status()) *existing += n;
        }
        if (*existing > static_cast<std::int64_t>(big) * 4) return;
        store.post_write([](StoreTx& tx) { sqlite::drop_bulk_load_indexes(tx); return true; }, [](std::exception_ptr) {});
        bulk = true;
    };
    auto end_bulk = [&] {
        if (!bulk) return;
        bulk = false;
        write_sync(store, [](StoreTx& tx) { sqlite::restore_bulk_load_indexes(tx); });
    };
    try {
        std::vector<ImportDraft> chunk;
        chunk.reserve(batch);
        std::string line;
        std::size_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            auto first = line.find_first_not_of(" \t\r");
            if (first == std::string::npos || line[first] == '#') continue;
            // Parsed and made into rows here, while the writer writes the units before.
            auto parsed = parse_historical_ticket(line_no == 1 ? without_bom(line) : line, phone_region);
            if (!parsed) {
                report({line_no, parsed.error()});
                continue;
            }
            auto draft = draft_of(std::move(*parsed));
            if (!draft) {
                report({line_no, draft.error()});
                continue;
            }
            chunk.push_back(std::move(*draft));
            ++read;
            if (chunk.size() >= batch) {
                maybe_go_bulk();
                submit(std::move(chunk));
                chunk = {};
                chunk.reserve(batch);
            }
        }
        if (!chunk.empty()) submit(std::move(chunk));
        while (!pending.empty()) {
            settle(pending.front());
            pending.pop_front();
        }
        end_bulk();
    } catch (...) {
        for (auto& p : pending)
            if (p.committed.valid()) p.committed.wait();
        try {
            end_bulk();
        } catch (...) {  // the next SqliteStore::open restores them
        }
        throw;
    }
    std::sort(total.problems.begin(), total.problems.end(),
              [](const LineProblem& a, const LineProblem& b) { return a.line < b.line; });
    return total;
}

}  // namespace triage::server
