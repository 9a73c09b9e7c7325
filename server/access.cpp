#include "server/access.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace triage::server {

std::optional<Role> parse_role(std::string_view s) noexcept {
    if (s == "agent") return Role::agent;
    if (s == "supervisor") return Role::supervisor;
    if (s == "manager") return Role::manager;
    if (s == "admin") return Role::admin;
    return std::nullopt;
}

std::string_view to_string(Role r) noexcept {
    switch (r) {
        case Role::agent: return "agent";
        case Role::supervisor: return "supervisor";
        case Role::manager: return "manager";
        case Role::admin: return "admin";
    }
    return "agent";
}

bool may(const Principal& who, Action action) noexcept {
    const Role r = who.role;
    if (r == Role::admin) return true;
    switch (action) {
        case Action::read_tickets: return true;
        case Action::write_tickets: return r == Role::agent || r == Role::supervisor;
        case Action::reassign:
        case Action::handle_escalations: return r == Role::supervisor;
        case Action::read_reports: return r == Role::manager;
        case Action::admin: return false;
    }
    return false;
}

bool may_see_queue(const Principal& who, std::string_view queue) noexcept {
    if (who.role != Role::agent) return true;
    return std::find(who.queues.begin(), who.queues.end(), queue) != who.queues.end();
}

bool may_see(const Principal& who, const Ticket& ticket) noexcept { return may_see_queue(who, ticket.queue); }

std::optional<Problem> check_change(const Principal& who, const Ticket& ticket, const TicketPatch& patch) {
    if (!may_see(who, ticket)) return problem(errc::not_found, fmt::format("ticket {} does not exist", ticket_key(ticket.id)));
    if (!may(who, Action::write_tickets))
        return problem(errc::forbidden, fmt::format("a {} may not change tickets", to_string(who.role)));
    if (patch.assignee && !may(who, Action::reassign))
        return problem(errc::forbidden, "only a supervisor or an admin may reassign a ticket", "assignee");
    if (patch.tier && !may(who, Action::handle_escalations))
        return problem(errc::forbidden, "only a supervisor or an admin may change a ticket's tier", "tier");
    if (patch.queue && !may_see_queue(who, *patch.queue))
        return problem(errc::forbidden, fmt::format("you are not a member of the queue {}", *patch.queue), "queue");
    return std::nullopt;
}

Result<bool> restrict_query(const Principal& who, TicketQuery& query) {
    if (who.role != Role::agent) return true;
    if (!query.queue.empty()) {
        if (!may_see_queue(who, query.queue))
            return problem(errc::forbidden, fmt::format("you are not a member of the queue {}", query.queue), "queue");
        return true;
    }
    if (who.queues.empty()) return false;
    query.queues = who.queues;
    return true;
}

std::string_view home_page(Role role) noexcept {
    switch (role) {
        case Role::agent: return "/ui/queue";
        case Role::supervisor: return "/ui/board";
        case Role::manager: return "/ui/dashboard";
        case Role::admin: return "/ui/queue";
    }
    return "/ui/queue";
}

}  // namespace triage::server
