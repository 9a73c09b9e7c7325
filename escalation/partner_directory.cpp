#include "escalation/partner_directory.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

namespace triage {
namespace {

bool has(const std::vector<std::string>& list, std::string_view v) {
    return std::find(list.begin(), list.end(), v) != list.end();
}

}  // namespace

std::string_view region_of_language(std::string_view language) noexcept {
    if (language == "fi") return "FI";
    if (language == "et") return "EE";
    if (language == "lv") return "LV";
    return "";
}

Result<std::vector<Partner>> load_partners(const YAML::Node& node, std::string_view file) {
    std::vector<std::string> errors;
    auto error = [&](const YAML::Node& at, const std::string& message) {
        auto mark = at.Mark();
        errors.push_back(mark.is_null() ? fmt::format("{}: {}", file, message)
                                        : fmt::format("{}:{}:{}: {}", file, mark.line + 1, mark.column + 1, message));
    };
    std::vector<Partner> out;
    if (!node || node.IsNull()) return out;
    if (!node.IsSequence()) {
        error(node, "partners must be a list");
        return problem(errc::invalid_field, errors.front(), "partners");
    }
    auto strings = [&](const YAML::Node& n, const char* what) {
        std::vector<std::string> v;
        if (!n) return v;
        if (n.IsScalar()) v.push_back(n.Scalar());
        else if (n.IsSequence())
            for (const auto& s : n) {
                if (s.IsScalar()) v.push_back(s.Scalar());
                else error(s, fmt::format("{} entries must be text", what));
            }
        else error(n, fmt::format("{} must be a list", what));
        return v;
    };
    for (const auto& p : node) {
        if (!p.IsMap()) {
            error(p, "a partner must be a map with id, name, email, specialties, ...");
            continue;
        }
        Partner partner;
        for (const auto& kv : p) {
            static const std::vector<std::string> kKeys{"id",       "name",     "email",     "specialties", "regions",
                                                        "languages", "capacity", "agreement", "active"};
            if (!has(kKeys, kv.first.Scalar()))
                error(kv.first, fmt::format("unknown key '{}'; expected {}", kv.first.Scalar(), fmt::join(kKeys, ", ")));
        }
        auto text = [&](const char* key) -> std::string {
            auto v = p[key];
            if (!v || !v.IsScalar() || v.Scalar().empty()) {
                error(v ? v : YAML::Node(p), fmt::format("a partner needs {}", key));
                return {};
            }
            return v.Scalar();
        };
        partner.id = text("id");
        partner.name = text("name");
        partner.email = text("email");
        if (!partner.email.empty() && partner.email.find('@') == std::string::npos)
            error(p["email"], fmt::format("'{}' is not an email address", partner.email));
        partner.specialties = strings(p["specialties"], "specialties");
        if (partner.specialties.empty()) error(p, fmt::format("partner '{}' needs at least one specialty", partner.id));
        partner.regions = strings(p["regions"], "regions");
        partner.languages = strings(p["languages"], "languages");
        if (auto c = p["capacity"]) {
            int v = -1;
            if (!c.IsScalar() || !YAML::convert<int>::decode(c, v) || v < 0) error(c, "capacity must be a whole number >= 0");
            else partner.capacity = v;
        }
        if (auto a = p["active"]) {
            bool v = true;
            if (!a.IsScalar() || !YAML::convert<bool>::decode(a, v)) error(a, "active must be true or false");
            else partner.active = v;
        }
        if (auto a = p["agreement"]) {
            if (!a.IsMap()) error(a, "agreement must be {hourly_fee: N} and/or {commission_percent: N}");
            else {
                for (const auto& kv : a) {
                    double v = -1;
                    const auto& key = kv.first.Scalar();
                    if (key != "hourly_fee" && key != "commission_percent") {
                        error(kv.first, fmt::format("unknown agreement term '{}'; expected hourly_fee or commission_percent", key));
                        continue;
                    }
                    if (!kv.second.IsScalar() || !YAML::convert<double>::decode(kv.second, v) || v < 0) {
                        error(kv.second, fmt::format("{} must be a number >= 0", key));
                        continue;
                    }
                    (key == "hourly_fee" ? partner.hourly_fee : partner.commission_percent) = v;
                }
                if (!partner.hourly_fee && !partner.commission_percent)
                    error(a, "an agreement needs hourly_fee, commission_percent or both");
            }
        } else error(p, fmt::format("partner '{}' needs an agreement (hourly_fee and/or commission_percent)", partner.id));
        for (const auto& other : out)
            if (!partner.id.empty() && other.id == partner.id) error(p["id"], fmt::format("partner '{}' is listed twice", partner.id));
        out.push_back(std::move(partner));
    }
    if (!errors.empty()) return problem(errc::invalid_field, fmt::format("{}", fmt::join(errors, "\n")), "partners");
    return out;
}

Result<std::vector<Partner>> load_partners(const std::filesystem::path& file) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
        return problem(errc::not_found, fmt::format("{}: cannot read the partners file", file.string()), "partners");
    } catch (const YAML::ParserException& e) {
        return problem(errc::malformed,
                       fmt::format("{}:{}:{}: {}", file.string(), e.mark.line + 1, e.mark.column + 1, e.msg), "partners");
    }
    if (!root.IsMap() || !root["partners"])
        return problem(errc::invalid_field, fmt::format("{}: expected a top-level 'partners:' list", file.string()), "partners");
    return load_partners(root["partners"], file.string());
}

const Partner* choose_partner(std::span<const Partner> partners, const PartnerRequest& r) {
    const Partner* best = nullptr;
    std::tuple<int, int, int> best_score{};
    for (const auto& p : partners) {
        if (!p.active || !has(p.specialties, r.specialty)) continue;
        if (std::find(r.excluded.begin(), r.excluded.end(), p.id) != r.excluded.end()) continue;
        int load = 0;
        if (r.load)
            if (auto it = r.load->find(p.id); it != r.load->end()) load = it->second;
        if (p.capacity > 0 && load >= p.capacity) continue;
        const bool language = r.language.empty() || r.language == "und" || has(p.languages, r.language);
        const bool region = r.region.empty() || has(p.regions, r.region);
        std::tuple<int, int, int> score{language ? 1 : 0, region ? 1 : 0, -load};
        if (!best || score > best_score) best = &p, best_score = score;  // strictly: the first listed keeps a tie
    }
    return best;
}

}  // namespace triage
