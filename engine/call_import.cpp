#include "engine/call_import.hpp"

#include "engine/lifecycle.hpp"

#include <algorithm>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <fmt/format.h>
#include <string_view>
#include <unordered_map>

namespace triage {
namespace {

// accept_call looks at the caller's newest tickets only, as one page of `tickets` gives them.
constexpr int kRecentTickets = 50;
constexpr char kOpened = 3;  // CallImportCache::State::dirty: opened by this chunk, not yet written

bool missed(CallDisposition d) { return d != CallDisposition::answered; }

}  // namespace

// What the chunks know, kept current as they file: every ticket read or opened, each
// caller's tickets newest first (an entry for each requester whose tickets are loaded), and
// each phone identity looked up (nullopt: no customer has it).
struct CallImportCache::State {
    std::vector<Ticket> tickets;
    std::vector<char> dirty;  // per ticket, this chunk: 1 updated_at only, 2 other fields too, kOpened
    std::unordered_map<CustomerId, std::vector<std::size_t>> by_requester;  // newest first
    std::unordered_map<std::string, std::optional<CustomerId>> customer_of;  // phone identity value -> customer

    std::optional<CustomerId> customer(const std::string& number) const {
        auto it = customer_of.find(number);
        if (it == customer_of.end()) return std::nullopt;
        return it->second;
    }
};

struct CallImportCache::Scratch {
    std::vector<Message> messages;
    std::vector<TicketEvent> events;
    std::vector<std::string> ids;
    std::vector<Ticket> touched;
    void clear() {
        messages.clear();
        events.clear();
        ids.clear();
        touched.clear();
    }
};

CallImportCache::CallImportCache(std::size_t max_tickets)
    : scratch_(std::make_unique<Scratch>()), max_tickets_(max_tickets) {}
CallImportCache::~CallImportCache() = default;

std::vector<FiledCall> file_calls(StoreTx& tx, std::span<const PhoneCall> calls, const CallImportSettings& settings,
                                  CallImportCache* cache, std::span<const Enquiry> enquiries) {
    if (!enquiries.empty() && enquiries.size() != calls.size())
        throw std::invalid_argument{"file_calls: one enquiry for each call, or none"};
    const Timestamp now = settings.now;
    std::vector<FiledCall> out(calls.size());
    CallImportCache own;
    CallImportCache& kept = cache ? *cache : own;
    const std::uint64_t serial = tx.unit_serial();
    if (!kept.state_ || !kept.serial_ || *kept.serial_ + 1 != serial) kept.state_ = std::make_unique<CallImportCache::State>();
    kept.serial_.reset();  // until this chunk has filed everything
    CallImportCache::State& state = *kept.state_;
    std::unordered_map<std::string_view, TicketId> filed_ids;  // unique ids filed by this chunk
    CallImportCache::Scratch& scratch = *kept.scratch_;
    scratch.clear();  // an earlier chunk that threw may have left some
    std::vector<Message>& messages = scratch.messages;          // the chunk's, written at its end
    std::vector<TicketEvent>& chunk_events = scratch.events;  // likewise
    TicketId next_ticket = tx.next_ticket_id();
    filed_ids.reserve(calls.size());
    messages.reserve(calls.size());
    chunk_events.reserve(calls.size() + calls.size() / 2);

    // One query each: the unique ids already taken in, the new callers' customers, their tickets.
    std::vector<std::string>& ids = scratch.ids;
    ids.reserve(calls.size());
    for (const auto& c : calls) ids.push_back(c.external_id);
    const auto known = tx.messages_by_external_ids(Channel::phone, ids);

    {
        std::vector<Identity> numbers;
        std::unordered_map<std::string_view, bool> seen;
        auto want = [&](const std::string& value) {
            if (!value.empty() && !state.customer_of.contains(value) && seen.emplace(value, true).second)
                numbers.push_back({IdentityKind::phone, value});
        };
        std::vector<std::string> normalised;
        std::vector<std::string> chunk_numbers;  // every number of the chunk, as given and normalised
        for (const auto& c : calls) {
            if (c.number.empty()) continue;
            want(c.number);  // accept_call threads by the number as given
            chunk_numbers.push_back(c.number);
        }
        for (const auto& c : calls) {
            if (c.number.empty()) continue;
            auto id = normalise_identity(IdentityKind::phone, c.number);  // Intake resolves by the normalised one
            if (id.value != c.number) normalised.push_back(std::move(id.value));
        }
        for (const auto& v : normalised) want(v);
        const auto customers = tx.customers_by_identities(numbers);
        for (std::size_t i = 0; i < numbers.size(); ++i) state.customer_of.emplace(numbers[i].value, customers[i]);
        std::vector<CustomerId> requesters;
        for (const auto* list : {&chunk_numbers, &normalised})
            for (const auto& number : *list)
                if (auto customer = state.customer(number); customer && !state.by_requester.contains(*customer))
                    requesters.push_back(*customer);
        std::sort(requesters.begin(), requesters.end());
        requesters.erase(std::unique(requesters.begin(), requesters.end()), requesters.end());
        auto loaded = tx.recent_tickets_of(requesters, kRecentTickets);
        std::sort(loaded.begin(), loaded.end(), [](const Ticket& a, const Ticket& b) {
            return a.requester_id != b.requester_id ? a.requester_id < b.requester_id : a.id > b.id;
        });
        for (CustomerId r : requesters) state.by_requester.try_emplace(r);
        state.tickets.reserve(state.tickets.size() + loaded.size());
        for (auto& t : loaded) {
            state.by_requester[t.requester_id].push_back(state.tickets.size());
            state.tickets.push_back(std::move(t));
        }
        state.dirty.assign(state.tickets.size(), 0);
    }
    const std::size_t first_opened = state.tickets.size();  // the tickets this chunk opens come after

    for (std::size_t i = 0; i < calls.size(); ++i) {
        const PhoneCall& call = calls[i];
        FiledCall& filed = out[i];
        if (call.direction == CallDirection::internal) {
            filed.note = "internal call";
            continue;
        }
        const bool call_back = call.direction == CallDirection::inbound && missed(call.disposition) && call.to_support_line;
        filed.call_back = call_back;
        if (!call.external_id.empty()) {
            std::optional<TicketId> seen;
            if (known[i]) seen = known[i]->ticket_id;
            else if (auto it = filed_ids.find(call.external_id); it != filed_ids.end()) seen = it->second;
            if (seen) {
                filed.result = FiledCall::Result::duplicate;
                filed.ticket_id = *seen;
                filed.note = "duplicate";
                continue;
            }
        }

        // The ticket it goes onto, as accept_call picks it.
        std::optional<std::size_t> onto;
        if (call.number.empty()) {
            if (missed(call.disposition)) {
                filed.note = "missed call from a withheld number: nothing to call back";
                continue;
            }
        } else if (auto customer = state.customer(call.number)) {
            const auto& list = state.by_requester[*customer];
            const std::size_t n = std::min<std::size_t>(list.size(), kRecentTickets);
            for (std::size_t k = 0; k < n; ++k) {
                const Ticket& t = state.tickets[list[k]];
                // Only what existed when the call was made: a re-import decides the same way.
                if (!call_goes_onto(t, call, call_back)) continue;
                onto = list[k];
                break;
            }
        }
        if (!onto && !call_back && missed(call.disposition)) {
            filed.note = "missed call with no open ticket";
            continue;
        }

        // Intake's work for the phone enquiry: the customer, the message, the ticket change.
        std::optional<Enquiry> made;
        const Enquiry& e = enquiries.empty() ? made.emplace(enquiry_of(call)) : enquiries[i];
        const Timestamp received = e.received_at == Timestamp{} ? now : e.received_at;
        CustomerId customer_id = 0;
        {
            std::vector<Identity> identities;
            for (const auto& raw : e.sender)
                if (auto id = normalise_identity(raw.kind, raw.value); !id.value.empty()) identities.push_back(std::move(id));
            if (!identities.empty())
                if (auto c = state.customer(identities.front().value)) customer_id = *c;
            if (customer_id == 0) {
                Customer c;
                c.name = e.sender_name;
                c.organisation = e.organisation;
                c.identities = identities;
                c.preferred_language = e.language == "und" ? "" : e.language;
                c.created_at = now;
                customer_id = tx.insert_customer(c);
                for (const auto& id : identities) state.customer_of.insert_or_assign(id.value, customer_id);
            }
        }
        const std::string actor = call.created_by.empty() ? fmt::format("customer:{}", customer_id) : call.created_by;

        Message message = inbound_message(e, customer_id, received);

        std::vector<TicketEvent> events;
        if (onto) {
            Ticket& t = state.tickets[*onto];
            const auto before = t.status;
            const bool moved = t.updated_at != now;  // a ticket this chunk opened already has `now`
            if (t.status == TicketStatus::pending || t.status == TicketStatus::on_hold || t.status == TicketStatus::solved) {
                if (auto r = apply_transition(t, TicketStatus::open, now); !r) {
                    filed.note = r.error().message;  // cannot happen from these statuses
                    continue;
                }
            }
            t.updated_at = now;
            message.ticket_id = t.id;
            messages.push_back(std::move(message));
            if (state.dirty[*onto] == kOpened) {
                // written at the end, as the chunk leaves it
            } else if (before != t.status) state.dirty[*onto] = 2;
            else if (moved) state.dirty[*onto] = std::max<char>(state.dirty[*onto], 1);
            filed.note = fmt::format("ticket key {}", ticket_key(t.id));
            events.push_back(ticket_event(t, now, actor, "message_added", {}, filed.note));
            if (before != t.status)
                events.push_back(ticket_event(t, now, actor, before == TicketStatus::solved ? "reopened" : "status_changed",
                                       {{"status", std::string(to_string(before)), std::string(to_string(t.status))}},
                                       "customer replied"));
            filed.ticket_id = t.id;
        } else {
            Ticket t;
            open_ticket(t, e, customer_id, settings.default_queue, received, now);
            t.id = next_ticket++;
            message.ticket_id = t.id;
            messages.push_back(std::move(message));
            filed.note = "new";
            filed.created = true;
            filed.ticket_id = t.id;
            events.push_back(ticket_event(t, now, actor, "created", created_fields(t), filed.note));
            auto& list = state.by_requester[customer_id];
            list.insert(list.begin(), state.tickets.size());
            state.tickets.push_back(std::move(t));
            state.dirty.push_back(kOpened);
        }
        std::move(events.begin(), events.end(), std::back_inserter(chunk_events));
        filed.result = FiledCall::Result::filed;
        if (!call.external_id.empty()) filed_ids.emplace(call.external_id, filed.ticket_id);
    }

    // The chunk's rows, many to a statement: the tickets it opened as its last call left
    // them, then the messages and events; each ticket that took calls is written once.
    // The chunk's tickets were pushed after every ticket it read: they are the last ones.
    tx.insert_tickets(std::span<const Ticket>(state.tickets).subspan(first_opened));
    tx.insert_messages(messages);
    tx.append_events(chunk_events);
    std::vector<Ticket>& touched = scratch.touched;
    for (std::size_t k = 0; k < state.tickets.size(); ++k) {
        if (state.dirty[k] == 2) tx.update_ticket(state.tickets[k]);
        else if (state.dirty[k] == 1) touched.push_back(state.tickets[k]);
    }
    if (!touched.empty()) tx.touch_tickets(touched);
    if (state.tickets.size() <= kept.max_tickets_) kept.serial_ = serial;
    else kept.state_.reset();
    scratch.clear();
    return out;
}

}  // namespace triage
