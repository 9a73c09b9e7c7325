// Partner directory: the external organisations and people a ticket can be referred to
// (specialties, regions, languages, contact, capacity, agreement), read from YAML, and the
// pure choice of the best active partner for a referral. Plain values; thread-safe to read.
//
//   partners:
//     - id: lakitoimisto-koskinen
//       name: Lakitoimisto Koskinen Oy
//       email: referrals@koskinen.example
//       specialties: [legal, consumer-law]
//       regions: [FI]
//       languages: [fi, sv, en]
//       capacity: 5                 # referrals open at once
//       agreement: {hourly_fee: 120, commission_percent: 10}   # either or both
//       active: true
#pragma once

#include "engine/error.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace triage {

struct Partner {
    std::string id;
    std::string name;
    std::string email;
    std::vector<std::string> specialties;
    std::vector<std::string> regions;    // ISO 3166 codes, e.g. FI, EE, LV
    std::vector<std::string> languages;  // BCP 47 primary tags
    int capacity = 0;                    // open referrals at once; 0: no limit
    std::optional<double> hourly_fee;          // EUR an hour
    std::optional<double> commission_percent;  // of the case value, per referral
    bool active = true;
};

// Problems read "partners.yaml:4:7: ..." with every problem on its own line.
Result<std::vector<Partner>> load_partners(const std::filesystem::path& file);
Result<std::vector<Partner>> load_partners(const YAML::Node& partners, std::string_view file_name);

struct PartnerRequest {
    std::string_view specialty;
    std::string_view language;  // the ticket's; "und" or "": any
    std::string_view region;    // "": any
    const std::map<std::string, int, std::less<>>* load = nullptr;  // open referrals per partner id
    std::span<const std::string> excluded;  // partners that declined this ticket already
};

// The best active partner with the specialty and room for one more: speaking the ticket's
// language first, then serving its region, then the least loaded, then the order listed.
const Partner* choose_partner(std::span<const Partner> partners, const PartnerRequest& request);

// The region a ticket's language suggests: fi -> FI, et -> EE, lv -> LV; "" otherwise.
std::string_view region_of_language(std::string_view language) noexcept;

}  // namespace triage
