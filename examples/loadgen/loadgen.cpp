// loadgen: writes a realistic, multilingual help-desk history as JSON Lines for
// `triage import-tickets` — Finnish, Estonian, Latvian and English subjects and bodies,
// seasonality by hour of day, weekday and month, outage bursts, categories, channels, queues,
// priorities, organisations, escalations, referrals and solve times. Deterministic for a seed
// (with the same standard library).
//
//   loadgen --count 1000000 --seed 42 --start 2024-01-01 --days 730 > history.jsonl
#include "engine/json_text.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

using triage::json_escaped;

namespace {

struct Category {
    const char* name;
    const char* queue;
    double weight;
    double urgent_share;     // share of high/urgent priority
    double resolve_hours;    // median wall hours to solve
    std::array<std::array<const char*, 3>, 4> subjects;  // by language fi, et, lv, en
    std::array<const char*, 4> bodies;
};

constexpr std::array<const char*, 4> kLanguages{"fi", "et", "lv", "en"};
constexpr std::array<double, 4> kLanguageWeights{0.40, 0.20, 0.20, 0.20};

const std::array<Category, 8> kCategories{{
    {"invoice", "billing", 0.22, 0.05, 20,
     {{{"Lasku puuttuu", "Virhe laskussa", "Laskun eräpäivä"},
       {"Arve puudub", "Viga arvel", "Arve maksetähtaeg"},
       {"Trūkst rēķina", "Kļūda rēķinā", "Rēķina apmaksas termiņš"},
       {"Missing invoice", "Wrong amount on invoice", "Invoice due date"}}},
     {"Hei, en ole saanut laskua tältä kuulta. Voisitteko lähettää sen uudelleen?",
      "Tere, ma ei ole selle kuu arvet saanud. Palun saatke see uuesti.",
      "Labdien, šomēnes neesmu saņēmis rēķinu. Lūdzu, nosūtiet to vēlreiz.",
      "Hello, I have not received this month's invoice. Could you send it again?"}},
    {"outage", "technical", 0.14, 0.45, 10,
     {{{"Internet ei toimi", "Yhteys katkeilee", "Laajakaista katkos"},
       {"Internet ei tööta", "Ühendus katkeb", "Interneti katkestus"},
       {"Nedarbojas internets", "Savienojums pārtrūkst", "Interneta traucējumi"},
       {"Internet down", "Connection keeps dropping", "Broadband outage"}}},
     {"Yhteys on ollut poikki eilisestä asti, reititin vilkkuu punaisena.",
      "Ühendus on eilsest saadik maas, ruuter vilgub punaselt.",
      "Kopš vakardienas nedarbojas savienojums, maršrutētājs mirgo sarkanā krāsā.",
      "The connection has been down since yesterday and the router light is blinking red."}},
    {"password", "support", 0.16, 0.10, 3,
     {{{"Salasana unohtunut", "En pääse kirjautumaan", "Tunnus lukittu"},
       {"Parool ununenud", "Ei saa sisse logida", "Konto lukustatud"},
       {"Aizmirsu paroli", "Nevaru pieteikties", "Konts bloķēts"},
       {"Forgot my password", "Cannot log in", "Account locked"}}},
     {"Unohdin salasanani enkä pääse kirjautumaan palveluun.",
      "Unustasin parooli ja ei saa teenusesse sisse logida.",
      "Aizmirsu paroli un nevaru pieteikties pakalpojumā.",
      "I forgot my password and cannot log in to the service."}},
    {"damaged-delivery", "returns", 0.10, 0.15, 48,
     {{{"Paketti vaurioitunut", "Tuote rikki perillä", "Toimitus myöhässä"},
       {"Pakk on kahjustatud", "Toode saabus katki", "Tarne hilineb"},
       {"Bojāta paka", "Prece saņemta salauzta", "Piegāde kavējas"},
       {"Damaged parcel", "Item arrived broken", "Late delivery"}}},
     {"Paketti oli märkä ja tuote rikki. Voinko palauttaa sen?",
      "Pakk oli märg ja toode katki. Kas saan selle tagastada?",
      "Paka bija slapja un prece salauzta. Vai varu to atgriezt?",
      "The parcel was wet and the item broken. Can I return it?"}},
    {"refund", "returns", 0.09, 0.05, 72,
     {{{"Hyvitys palautuksesta", "Rahat takaisin", "Palautuksen tila"},
       {"Tagasimakse", "Raha tagastamine", "Tagastuse olek"},
       {"Naudas atmaksa", "Atmaksa par atgriešanu", "Atgriešanas statuss"},
       {"Refund for my return", "Money back please", "Return status"}}},
     {"Palautin tuotteen kaksi viikkoa sitten, mutta hyvitystä ei ole näkynyt.",
      "Tagastasin toote kaks nädalat tagasi, aga raha pole tagasi tulnud.",
      "Atgriezu preci pirms divām nedēļām, bet nauda nav atmaksāta.",
      "I returned the item two weeks ago but have not seen the refund."}},
    {"contract", "billing", 0.10, 0.05, 30,
     {{{"Sopimuksen irtisanominen", "Sopimuksen muutos", "Hinnanmuutos"},
       {"Lepingu lõpetamine", "Lepingu muutmine", "Hinnamuutus"},
       {"Līguma laušana", "Līguma izmaiņas", "Cenas izmaiņas"},
       {"Cancel my contract", "Change of contract", "Price change"}}},
     {"Haluaisin muuttaa sopimustani edullisempaan liittymään.",
      "Sooviksin muuta oma lepingut soodsama paketi vastu.",
      "Vēlos mainīt savu līgumu uz lētāku pakalpojumu.",
      "I would like to change my contract to a cheaper plan."}},
    {"hardware", "technical", 0.11, 0.25, 40,
     {{{"Reititin ei käynnisty", "Modeemi rikki", "Laitteen vaihto"},
       {"Ruuter ei käivitu", "Modem on katki", "Seadme vahetus"},
       {"Maršrutētājs neieslēdzas", "Modems salūzis", "Iekārtas nomaiņa"},
       {"Router will not start", "Modem broken", "Device replacement"}}},
     {"Reititin ei käynnisty lainkaan sähkökatkon jälkeen.",
      "Ruuter ei käivitu pärast elektrikatkestust.",
      "Maršrutētājs neieslēdzas pēc elektrības pārtraukuma.",
      "The router does not start at all after a power cut."}},
    {"address-change", "support", 0.08, 0.02, 6,
     {{{"Osoitteenmuutos", "Muutan uuteen osoitteeseen", "Yhteystietojen päivitys"},
       {"Aadressi muutus", "Kolin uuele aadressile", "Kontaktandmete uuendamine"},
       {"Adreses maiņa", "Pārceļos uz jaunu adresi", "Kontaktinformācijas atjaunošana"},
       {"Change of address", "Moving to a new address", "Update my contact details"}}},
     {"Muutan ensi kuussa, päivittäkää osoitteeni.",
      "Kolin järgmisel kuul, palun uuendage minu aadressi.",
      "Nākammēnes pārceļos, lūdzu, atjauniniet manu adresi.",
      "I am moving next month, please update my address."}},
}};

constexpr std::array<const char*, 5> kChannels{"email", "web", "phone", "fax", "api"};
constexpr std::array<double, 5> kChannelWeights{0.45, 0.25, 0.20, 0.03, 0.07};

const std::array<std::array<const char*, 8>, 4> kFirstNames{{
    {"Matti", "Liisa", "Juha", "Aino", "Mikko", "Sanna", "Pekka", "Eeva"},
    {"Tõnu", "Kadri", "Mart", "Liis", "Jaan", "Piret", "Andres", "Mari"},
    {"Jānis", "Līga", "Andris", "Ilze", "Mārtiņš", "Inese", "Kārlis", "Dace"},
    {"John", "Sarah", "David", "Emma", "James", "Laura", "Peter", "Anna"},
}};
const std::array<std::array<const char*, 8>, 4> kLastNames{{
    {"Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen"},
    {"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves"},
    {"Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Liepiņš", "Krūmiņš", "Balodis", "Zariņš"},
    {"Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts"},
}};
constexpr std::array<const char*, 4> kOrgSuffix{"Oy", "OÜ", "SIA", "Ltd"};
constexpr std::array<const char*, 4> kOrgStems{"Pohjola", "Läänemere", "Daugava", "Northwind"};
constexpr std::array<const char*, 4> kCountryCodes{"+358", "+372", "+371", "+44"};
constexpr std::array<const char*, 4> kDomains{"example.fi", "example.ee", "example.lv", "example.com"};

const std::array<std::array<const char*, 3>, 4> kAgents{{
    {"aino.virtanen@triage.example", "mikko.korhonen@triage.example", "sanna.laine@triage.example"},
    {"kadri.tamm@triage.example", "jaan.kask@triage.example", "piret.sepp@triage.example"},
    {"liga.berzina@triage.example", "andris.kalnins@triage.example", "ilze.jansone@triage.example"},
    {"sarah.mitchell@triage.example", "david.evans@triage.example", "aino.virtanen@triage.example"},
}};
constexpr std::array<const char*, 4> kPartners{"Verkkoasennus Oy", "IT Abi OÜ", "Tīkls SIA", "FieldFix Ltd"};
constexpr std::array<const char*, 4> kReasons{"sla_breach", "complexity", "customer_request", "vip"};

// Local hour profile (Europe/Helsinki-like) and weekday profile (Mon = 0).
constexpr std::array<double, 24> kHour{0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.6, 3.2, 3.0, 2.7,
                                       2.2, 2.8, 2.9, 2.5, 2.0, 1.5, 1.1, 0.9, 0.8, 0.7, 0.5, 0.3};
constexpr std::array<double, 7> kWeekday{1.35, 1.15, 1.05, 1.0, 0.95, 0.35, 0.25};


std::string rfc3339(std::int64_t s) {
    using namespace std::chrono;
    sys_seconds t{seconds{s}};
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss hms{t - day};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buf;
}

template <std::size_t N>
std::size_t pick(std::mt19937_64& rng, const std::array<double, N>& weights) {
    std::discrete_distribution<std::size_t> d(weights.begin(), weights.end());
    return d(rng);
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "loadgen: %s\nusage: loadgen [--count N] [--seed S] [--start YYYY-MM-DD] [--days D] [--prefix P]\n"
                 "  writes N historical tickets (default 10000) spread over D days (default 365) from START\n"
                 "  (default 2025-01-01) to stdout, as JSON Lines for `triage import-tickets`\n",
                 why);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t count = 10000, days = 365;
    std::uint64_t seed = 42;
    std::string start = "2025-01-01", prefix = "hist";
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> const char* {
            if (i + 1 >= argc) usage("an option needs a value");
            return argv[++i];
        };
        if (a == "--count") count = std::atoll(value());
        else if (a == "--seed") seed = std::strtoull(value(), nullptr, 10);
        else if (a == "--start") start = value();
        else if (a == "--days") days = std::atoll(value());
        else if (a == "--prefix") prefix = value();
        else usage("unknown option");
    }
    if (count < 0 || days < 1) usage("--count must be >= 0 and --days >= 1");
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(start.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) usage("--start must be YYYY-MM-DD");
    using namespace std::chrono;
    const std::int64_t start_s = sys_seconds{sys_days{year{y} / month{m} / day{d}}}.time_since_epoch().count();
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> unit(0.0, 1.0);

    // Outage bursts: about one a month, 1-2 days long, five times the usual outage volume.
    const std::int64_t hours = days * 24;
    std::vector<double> outage_boost(static_cast<std::size_t>(hours), 1.0);
    for (std::int64_t b = 0; b < days / 30 + 1; ++b) {
        auto at = static_cast<std::int64_t>(unit(rng) * static_cast<double>(hours));
        auto len = 24 + static_cast<std::int64_t>(unit(rng) * 24);
        for (auto h = at; h < std::min(hours, at + len); ++h) outage_boost[static_cast<std::size_t>(h)] = 5.0;
    }
    // Weight of each hour: local hour (UTC+2), weekday, month (December and January busier).
    std::vector<double> cumulative(static_cast<std::size_t>(hours) + 1, 0.0);
    for (std::int64_t h = 0; h < hours; ++h) {
        const std::int64_t local = start_s / 3600 + h + 2;
        const std::int64_t day_no = local / 24;
        const auto weekday = static_cast<std::size_t>((day_no + 3) % 7);
        const year_month_day ymd{sys_days{std::chrono::days{day_no}}};
        const auto month_no = static_cast<unsigned>(ymd.month());
        const double month_w = (month_no == 12 || month_no == 1) ? 1.25 : (month_no == 7 ? 0.75 : 1.0);
        const double w = kHour[static_cast<std::size_t>(local % 24)] * kWeekday[weekday] * month_w *
                         (1.0 + 0.12 * (outage_boost[static_cast<std::size_t>(h)] - 1.0));
        cumulative[static_cast<std::size_t>(h) + 1] = cumulative[static_cast<std::size_t>(h)] + w;
    }
    const double total_w = cumulative.back();
    const std::int64_t end_s = start_s + hours * 3600;
    const std::int64_t customers = std::max<std::int64_t>(count / 4, 10);

    std::array<double, kCategories.size()> cat_weights{};
    std::string line;
    line.reserve(1024);
    std::int64_t serial = 0;
    std::vector<std::int64_t> seconds_in_hour;
    for (std::int64_t h = 0; h < hours; ++h) {
        const auto lo = static_cast<std::int64_t>(std::llround(static_cast<double>(count) * cumulative[static_cast<std::size_t>(h)] / total_w));
        const auto hi = static_cast<std::int64_t>(std::llround(static_cast<double>(count) * cumulative[static_cast<std::size_t>(h) + 1] / total_w));
        seconds_in_hour.clear();
        for (auto k = lo; k < hi; ++k) seconds_in_hour.push_back(static_cast<std::int64_t>(unit(rng) * 3600));
        std::sort(seconds_in_hour.begin(), seconds_in_hour.end());
        const double boost = outage_boost[static_cast<std::size_t>(h)];
        for (std::size_t c = 0; c < kCategories.size(); ++c)
            cat_weights[c] = kCategories[c].weight * (std::string_view(kCategories[c].name) == "outage" ? boost : 1.0);
        for (auto sec : seconds_in_hour) {
            ++serial;
            const std::int64_t created = start_s + h * 3600 + sec;
            const auto lang = pick(rng, kLanguageWeights);
            const auto& cat = kCategories[pick(rng, cat_weights)];
            const auto channel = kChannels[pick(rng, kChannelWeights)];
            const auto customer = static_cast<std::int64_t>(std::pow(unit(rng), 1.6) * static_cast<double>(customers));
            const auto& first = kFirstNames[lang][static_cast<std::size_t>(customer % 8)];
            const auto& last = kLastNames[lang][static_cast<std::size_t>((customer / 8) % 8)];
            const bool has_org = customer % 10 < 6;
            const std::int64_t org_no = customer % 400;
            const bool premium = has_org && org_no % 9 == 0;
            const double r = unit(rng);
            const char* priority = r < cat.urgent_share * 0.3 ? "urgent" : r < cat.urgent_share ? "high" : r > 0.85 ? "low" : "normal";
            const double prio_speed = priority[0] == 'u' ? 0.25 : priority[0] == 'h' ? 0.5 : priority[0] == 'l' ? 1.6 : 1.0;
            std::lognormal_distribution<double> fr_dist(std::log(45.0 * prio_speed), 1.0);      // minutes
            std::lognormal_distribution<double> res_dist(std::log(cat.resolve_hours * prio_speed), 0.9);  // hours
            const auto first_response = created + static_cast<std::int64_t>(fr_dist(rng) * 60);
            const auto solved = first_response + static_cast<std::int64_t>(res_dist(rng) * 3600);
            const std::int64_t now = end_s;
            const char* status;
            bool responded = first_response < now, is_solved = solved < now && unit(rng) > 0.01;
            bool closed = is_solved && solved + 7 * 86400 < now;
            if (closed) status = "closed";
            else if (is_solved) status = "solved";
            else if (responded) status = unit(rng) < 0.4 ? "pending" : (unit(rng) < 0.2 ? "on_hold" : "open");
            else status = "new";
            const auto& subject = cat.subjects[lang][static_cast<std::size_t>(unit(rng) * 3) % 3];
            const char* agent = kAgents[lang][static_cast<std::size_t>(unit(rng) * 3) % 3];
            const int replies = responded ? 1 + static_cast<int>(std::floor(-std::log(1 - unit(rng)) * 0.8)) : 0;

            line.clear();
            line += "{\"external_id\":\"" + prefix + "-" + std::to_string(serial) + "\",\"channel\":\"" + channel + "\"";
            line += ",\"subject\":\"" + json_escaped(subject) + "\",\"body\":\"" + json_escaped(cat.bodies[lang]) + "\"";
            line += ",\"requester\":{\"name\":\"" + json_escaped(std::string(first) + " " + last) + "\"";
            if (std::string_view(channel) == "phone" || std::string_view(channel) == "fax")
                line += ",\"phone\":\"" + std::string(kCountryCodes[lang]) + "40" + std::to_string(1000000 + customer) + "\"";
            else
                line += ",\"email\":\"customer" + std::to_string(customer) + "@" + kDomains[lang] + "\"";
            if (has_org)
                line += ",\"organisation\":\"" + json_escaped(std::string(kOrgStems[lang]) + " " + std::to_string(org_no) + " " + kOrgSuffix[lang]) + "\"";
            if (premium) line += ",\"tier\":\"premium\"";
            line += "},\"queue\":\"" + std::string(cat.queue) + "\",\"category\":\"" + cat.name + "\",\"priority\":\"" + priority + "\"";
            line += ",\"language\":\"" + std::string(kLanguages[lang]) + "\",\"created_at\":\"" + rfc3339(created) + "\"";
            if (responded) line += ",\"first_response_at\":\"" + rfc3339(first_response) + "\"";
            if (is_solved) line += ",\"solved_at\":\"" + rfc3339(solved) + "\"";
            if (closed) line += ",\"closed_at\":\"" + rfc3339(solved + 7 * 86400) + "\"";
            line += ",\"status\":\"" + std::string(status) + "\"";
            if (responded) line += ",\"assignee\":\"" + std::string(agent) + "\",\"replies\":" + std::to_string(replies);
            // Escalations: about 8 % to L2, a fifth of those to a supervisor, some referred out.
            const double e = unit(rng);
            if (responded && e < 0.08) {
                const auto reason = kReasons[static_cast<std::size_t>(unit(rng) * 4) % 4];
                const auto l2_at = first_response + 600 + static_cast<std::int64_t>(unit(rng) * 7200);
                std::string tier = "l2";
                line += ",\"escalations\":[{\"at\":\"" + rfc3339(l2_at) + "\",\"tier\":\"l2\",\"reason\":\"" + reason + "\"}";
                if (e < 0.016) {
                    line += ",{\"at\":\"" + rfc3339(l2_at + 3600) + "\",\"tier\":\"supervisor\",\"reason\":\"" + reason + "\"}";
                    tier = "supervisor";
                }
                if (e < 0.008) {
                    line += ",{\"at\":\"" + rfc3339(l2_at + 7200) + "\",\"tier\":\"external\",\"reason\":\"" + reason + "\"}";
                    tier = "external";
                }
                line += "],\"tier\":\"" + tier + "\"";
                if (tier == "external") {
                    static constexpr const char* kOutcomes[] = {"completed", "accepted", "declined"};
                    line += ",\"referral\":{\"partner\":\"" + json_escaped(kPartners[lang]) + "\",\"outcome\":\"" +
                            kOutcomes[static_cast<std::size_t>(unit(rng) * 3) % 3] + "\"}";
                }
            }
            if (unit(rng) < 0.2) line += std::string(",\"tags\":[\"") + (cat.queue[0] == 'b' ? "billing" : "followup") + "\"]";
            line += "}\n";
            std::fwrite(line.data(), 1, line.size(), stdout);
        }
    }
    return 0;
}
