// Access: who is asking (a Principal, from a bearer token or a login session) and the ONE
// place that decides what they may do, for the JSON API and the web pages alike. Agents
// see and change the tickets of their queues; supervisors also reassign and handle
// escalations; managers read tickets and reports; admins do everything. Pure functions over
// values; thread-safe.
#pragma once

#include "engine/error.hpp"
#include "engine/store.hpp"
#include "engine/ticket.hpp"
#include "engine/ticket_desk.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace triage::server {

enum class Role { agent, supervisor, manager, admin };

std::optional<Role> parse_role(std::string_view s) noexcept;
std::string_view to_string(Role r) noexcept;

struct Principal {
    std::string name;                 // user or token name, for the audit log
    Role role = Role::agent;
    std::vector<std::string> queues;  // an agent's queues (other roles see every queue)
    std::optional<std::int64_t> user_id;
    std::optional<AgentId> agent_id;  // the agent this user is, for "assigned to me"
    std::string language = "en";
    bool via_session = false;  // a cookie-borne login (needs CSRF on writes), not a bearer token
    std::string csrf_token;    // the session's, when via_session
    std::string session_hash;
};

// What a request wants to do, as the router names it.
enum class Action {
    read_tickets,      // lists, ticket views, threads, customers, agents
    write_tickets,     // create a ticket, change one, reply, note
    reassign,          // change a ticket's assignee
    handle_escalations,  // the escalation board and its API
    read_reports,      // the manager dashboard and /api/v1/reports
    admin,             // users, tokens, config, partners
};

// Whether `who` may do `action` at all (403 otherwise).
bool may(const Principal& who, Action action) noexcept;

// Whether `who` may see (and, with write_tickets, change) this ticket.
bool may_see(const Principal& who, const Ticket& ticket) noexcept;
bool may_see_queue(const Principal& who, std::string_view queue) noexcept;

// The checks for one ticket change: the ticket (must be visible), the fields of the patch.
// Problem forbidden (403) or not_found (404: a ticket an agent may not see stays unseen).
std::optional<Problem> check_change(const Principal& who, const Ticket& ticket, const TicketPatch& patch);

// Narrows a list query to the queues `who` may see; forbidden when asking for another queue.
// Returns false when `who` may see no ticket at all (an agent without queues).
Result<bool> restrict_query(const Principal& who, TicketQuery& query);

// The page of the web UI each role starts on.
std::string_view home_page(Role role) noexcept;

}  // namespace triage::server
