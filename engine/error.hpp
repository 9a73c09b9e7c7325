// Errors a user or a peer can cause, as values: an `errc` registered as an error
// category (like Beast's http::error) plus a human message and the offending field.
// Each code maps to an HTTP, SMTP or CLI answer in one place at the edge.
#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <system_error>

namespace triage {

enum class errc {
    ok = 0,
    malformed = 1,           // input that cannot be parsed at all
    invalid_field,           // a field with a bad value
    not_found,
    invalid_transition,      // a status change the lifecycle forbids
    conflict,                // state conflict other than a transition
    unauthorized,
    forbidden,
    too_large,
    unavailable,             // storage or another dependency failed
};

const boost::system::error_category& engine_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), engine_category()};
}

// A failure with enough words for a person: code, message, and the field at fault.
struct Problem {
    errc code = errc::ok;
    std::string message;
    std::string field;  // empty when not about one field
};

inline Problem problem(errc code, std::string message, std::string field = {}) {
    return Problem{code, std::move(message), std::move(field)};
}

// Stable machine-readable name of a code, e.g. "invalid_transition".
const char* errc_name(errc e) noexcept;

// "invalid_transition: cannot change status from closed to open (status)", for logs and tests.
template <class Ostream>
Ostream& operator<<(Ostream& os, const Problem& p) {
    os << errc_name(p.code) << ": " << p.message;
    if (!p.field.empty()) os << " (" << p.field << ")";
    return os;
}

[[noreturn]] void throw_exception_from_error(const Problem& p, const boost::source_location& loc);

template <class T>
using Result = boost::system::result<T, Problem>;

}  // namespace triage

// Assigns the value of a Result expression to `lhs`, or returns its Problem from the
// enclosing function: TRIAGE_TRY(ticket.subject, read_subject(json));
#define TRIAGE_TRY_CAT2(a, b) a##b
#define TRIAGE_TRY_CAT(a, b) TRIAGE_TRY_CAT2(a, b)
#define TRIAGE_TRY(lhs, expr)                                                   \
    auto&& TRIAGE_TRY_CAT(triage_try_, __LINE__) = (expr);                      \
    if (!TRIAGE_TRY_CAT(triage_try_, __LINE__))                                 \
        return std::move(TRIAGE_TRY_CAT(triage_try_, __LINE__)).error();         \
    lhs = std::move(*TRIAGE_TRY_CAT(triage_try_, __LINE__))

namespace boost::system {
template <>
struct is_error_code_enum<triage::errc> : std::true_type {};
}  // namespace boost::system
