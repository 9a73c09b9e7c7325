#include "channels/mime_charset.hpp"
#include "engine/error.hpp"
#include "server/api_response.hpp"

#include <boost/json/parse.hpp>
#include <doctest/doctest.h>

#include <string>

using namespace triage;

TEST_CASE("an error body that quotes bytes the client sent is still valid UTF-8 JSON") {
    // A path like /api/v1/tickets/%FF%FE is quoted in the 404's message.
    const auto res = server::problem_response(11, problem(errc::not_found, "'\xff\xfe' is not a ticket id or key"));
    CHECK(res.result_int() == 404);
    CHECK(channels::is_valid_utf8(res.body()));
    const auto body = boost::json::parse(res.body());
    const std::string message{body.at("error").at("message").as_string()};
    CHECK(message == "'\xef\xbf\xbd\xef\xbf\xbd' is not a ticket id or key");
}

TEST_CASE("a JSON response that is valid UTF-8 is sent byte for byte") {
    const auto res = server::problem_response(11, problem(errc::invalid_field, "päivämäärä ei kelpaa", "due"));
    CHECK(res.body().find("päivämäärä ei kelpaa") != std::string::npos);
}
