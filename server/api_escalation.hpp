// The escalation part of the REST API: a ticket's SLA timeline, the supervisors' list of
// breached and at-risk tickets, referrals to partners, the notification outbox of a ticket,
// and the admin reload of the rules. Called by Api::route for paths it does not know;
// stateless, safe from any thread.
#pragma once

#include "server/api.hpp"

#include <optional>
#include <string>
#include <vector>

namespace triage::server {

// The answer when `seg` (the path segments) is an escalation route, or none.
boost::asio::awaitable<std::optional<Response>> route_escalation(App& app, const Request& req,
                                                                 const std::vector<std::string>& seg,
                                                                 const ApiToken& token, const Actor& actor,
                                                                 std::string& pattern);

}  // namespace triage::server
