// ChannelRoutes: the HTTP routes of the phone, web-form and customer-identity features —
// POST /api/v1/calls, POST /api/v1/customers/{id}/merge, and the public GET/POST /form,
// POST /api/v1/form and GET /api/v1/form/token (no API token; per-client rate limit, the
// signed form token of server/form_token.hpp, CORS for the configured origins) —
// kept apart from api.cpp. Raw
// request bytes are written (fsync) on its own blocking pool, never on an I/O thread.
// One instance per Api; thread-safe.
#pragma once

#include "server/access.hpp"

#include "channels/web_form.hpp"
#include "server/api.hpp"
#include "server/form_token.hpp"
#include "server/rate_limiter.hpp"

#include <boost/url/url_view.hpp>
#include <functional>

#include <boost/asio/thread_pool.hpp>
#include <optional>
#include <string>
#include <vector>

namespace triage::server {

class ChannelRoutes {
public:
    explicit ChannelRoutes(App& app);
    ~ChannelRoutes();

    // Called inside the unit that takes a web form in, when it opened a ticket: the
    // acknowledgement email's hook, so the mail is queued in the ticket's own transaction.
    // `lang` is the language the customer asked the form in ("" when none: the ticket's).
    // The default queues it in the email outbox (EmailOutbox::acknowledge: RFC 3834 rules,
    // per-address hourly limit, bouncing addresses). Set before serving.
    using FormAcknowledgement = std::function<void(StoreTx&, const Enquiry&, IntakeOutcome&, const std::string& lang)>;
    void on_form_accepted(FormAcknowledgement hook) { acknowledge_ = std::move(hook); }

    // Routes without a token (/form, /api/v1/form); nullopt when the path is not ours.
    boost::asio::awaitable<std::optional<Response>> route_public(const Request& req, boost::urls::url_view url,
                                                                 const std::vector<std::string>& seg,
                                                                 std::string& pattern);

    // Routes that need a token (after authentication); nullopt when the path is not ours.
    // `who` is checked as the ticket routes check it: an agent files calls only on tickets of
    // their queues (others are not found) and opens them only in their queues.
    boost::asio::awaitable<std::optional<Response>> route_authenticated(const Request& req,
                                                                        const std::vector<std::string>& seg,
                                                                        const Principal& who, const std::string& actor,
                                                                        std::string& pattern);

private:
    boost::asio::awaitable<Response> post_call(const Request& req, const Principal& who, const std::string& actor);
    boost::asio::awaitable<Response> merge_customers(const Request& req, const std::string& id, const std::string& actor);

    // `lang`: the page's language; `asked`: the one the client asked for ("" = none).
    boost::asio::awaitable<Response> post_form(const Request& req, const std::string& lang, const std::string& asked,
                                               bool json);
    Response form_options(const Request& req);
    // Whether a token from an earlier run was spent then by a post other than `raw_sha256`.
    bool spent_earlier(const FormTokens::Check& token, const std::string& raw_sha256);
    Response form_token(const Request& req);
    channels::FormPageExtras fresh_token_fields(std::string notice = {}) const;
    // Whether a post from this Origin / Sec-Fetch-Site may reach the form (CSRF defence).
    bool origin_allowed(const Request& req) const;
    channels::FormLimits form_limits() const;

    App& app_;
    RateLimiter form_rate_;
    FormTokens form_tokens_;
    FormAcknowledgement acknowledge_;
    boost::asio::thread_pool blocking_{8};  // blob fsyncs overlap (the journal groups them)
};

// The request as the client sent it (request line, header fields in order, body): what a
// channel keeps as its raw source.
std::string raw_request_bytes(const Request& req);

}  // namespace triage::server
