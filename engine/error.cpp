#include "engine/error.hpp"

#include <stdexcept>

namespace triage {
namespace {

class EngineCategory final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "triage.engine"; }
    std::string message(int ev) const override { return errc_name(static_cast<errc>(ev)); }
};

}  // namespace

const boost::system::error_category& engine_category() noexcept {
    static const EngineCategory category;
    return category;
}

const char* errc_name(errc e) noexcept {
    switch (e) {
        case errc::ok: return "ok";
        case errc::malformed: return "malformed";
        case errc::invalid_field: return "invalid_field";
        case errc::not_found: return "not_found";
        case errc::invalid_transition: return "invalid_transition";
        case errc::conflict: return "conflict";
        case errc::unauthorized: return "unauthorized";
        case errc::forbidden: return "forbidden";
        case errc::too_large: return "too_large";
        case errc::unavailable: return "unavailable";
    }
    return "unknown";
}

void throw_exception_from_error(const Problem& p, const boost::source_location&) {
    throw std::runtime_error(std::string(errc_name(p.code)) + ": " + p.message);
}

}  // namespace triage
