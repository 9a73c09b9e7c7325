#include "escalation/rule_set.hpp"

#include "engine/text.hpp"
#include "escalation/business_calendar.hpp"
#include "escalation/rule_template.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <boost/container/static_vector.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace triage {

namespace {

constexpr std::array<std::pair<RuleTrigger, std::string_view>, 7> kTriggers{{
    {RuleTrigger::created, "created"},
    {RuleTrigger::customer_replied, "customer_replied"},
    {RuleTrigger::agent_replied, "agent_replied"},
    {RuleTrigger::status_changed, "status_changed"},
    {RuleTrigger::sla_warning, "sla_warning"},
    {RuleTrigger::sla_breached, "sla_breached"},
    {RuleTrigger::time, "time"},
}};

enum class Field : std::uint8_t {
    channel,
    priority,
    status,
    tier,  // the enum fields: a bit mask
    queue,
    category,
    language,
    customer_tier,
    organisation,
    sender_domain,  // the symbol fields: interned ids
    subject,
    body,  // text only
    tags,
    has_attachment,
    hours_since_created,
    hours_since_updated,
    reopen_count,
};

struct FieldName {
    Field field;
    std::string_view name;
};
constexpr std::array<FieldName, 17> kFields{{
    {Field::channel, "channel"},
    {Field::priority, "priority"},
    {Field::status, "status"},
    {Field::tier, "tier"},
    {Field::queue, "queue"},
    {Field::category, "category"},
    {Field::language, "language"},
    {Field::customer_tier, "customer.tier"},
    {Field::organisation, "customer.organisation"},
    {Field::sender_domain, "sender.domain"},
    {Field::subject, "subject"},
    {Field::body, "body"},
    {Field::tags, "tags"},
    {Field::has_attachment, "has_attachment"},
    {Field::hours_since_created, "hours_since_created"},
    {Field::hours_since_updated, "hours_since_updated"},
    {Field::reopen_count, "reopen_count"},
}};

bool is_enum(Field f) { return f <= Field::tier; }
bool is_symbol(Field f) { return f >= Field::queue && f <= Field::sender_domain; }
bool is_text(Field f) { return f <= Field::body; }  // contains / regex work on any of these
bool is_number(Field f) { return f >= Field::hours_since_created; }
constexpr std::size_t kSymbolFields = 6;  // queue .. sender_domain

enum class Op : std::uint8_t { all, any, not_, in_mask, in_ids, text, has_any, has_all, cmp, is_true };
enum class Cmp : std::uint8_t { eq, gt, gte, lt, lte };

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using SymbolTable = std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

constexpr std::size_t kMaxTags = 64;

// One event's facts, looked up once before the rules run; rules' `set` actions update them.
struct Facts {
    std::uint32_t channel = 0, priority = 0, status = 0, tier = 0;  // 1 << enum value
    std::array<std::uint32_t, kSymbolFields> ids{};                   // 0: a value no rule names
    std::array<std::string_view, kSymbolFields + 2> text{};           // symbol fields, subject, body
    boost::container::static_vector<std::uint32_t, kMaxTags> tags;    // known tag ids
    bool has_attachment = false;
    int reopen_count = 0;
    Timestamp created{}, updated{}, now{};
    const BusinessCalendar* calendar = nullptr;
    // Business hours are a calendar walk: computed on first use, at most once per event.
    mutable std::array<double, 2> business_hours{-1, -1};
    // Subject and body tests by regex index: 0 not run yet, 1 no match, 2 match. Rules share
    // patterns, and subject and body never change during a run, so each runs once an event.
    std::int8_t* text_results = nullptr;
    // Subject (0) and body (1) with ASCII lower-cased and the set of ASCII bytes they hold,
    // made on first use: most text tests are decided from them without PCRE2.
    struct Folded {
        std::array<std::uint64_t, 2> ascii{};  // bit b: byte b (< 128) occurs, lower-cased
        std::string_view lower;
        bool ready = false;
    };
    mutable std::array<Folded, 2> folded{};
    const Folded& fold(int slot, std::string_view text) const;
};

// One buffer per thread and slot, grown to the longest text seen: folding allocates nothing
// after the first events.
const Facts::Folded& Facts::fold(int slot, std::string_view text) const {
    Folded& out = folded[static_cast<std::size_t>(slot)];
    if (out.ready) return out;
    thread_local std::array<std::string, 2> buffers;
    std::string& buffer = buffers[static_cast<std::size_t>(slot)];
    if (buffer.size() < text.size()) buffer.resize(text.size());
    std::array<std::uint64_t, 2> ascii{};
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
        buffer[i] = static_cast<char>(c);
        if (c < 128) ascii[c >> 6] |= std::uint64_t{1} << (c & 63);
    }
    out.ascii = ascii;
    out.lower = std::string_view(buffer.data(), text.size());
    out.ready = true;
    return out;
}

std::uint32_t text_slot(Field f) {
    if (is_symbol(f)) return static_cast<std::uint32_t>(f) - static_cast<std::uint32_t>(Field::queue);
    return f == Field::subject ? kSymbolFields : kSymbolFields + 1;
}

}  // namespace

struct RuleSet::Regex {
    pcre2_code* code = nullptr;
    // A cheap pre-filter for `contains` (literal) patterns. Under PCRE2's caseless UTF
    // matching an ASCII character matches only its ASCII cases, except k and s (KELVIN SIGN,
    // LONG S): the text must hold every other ASCII byte of the pattern, lower-cased.
    std::array<std::uint64_t, 2> required{};
    // An ASCII literal without k or s: decided exactly by a search in the lower-cased text.
    bool ascii_exact = false;
    std::string needle;  // lower-cased pattern, when ascii_exact
    ~Regex() {
        if (code) pcre2_code_free(code);
    }
    Regex() = default;
    Regex(const Regex&) = delete;
    Regex& operator=(const Regex&) = delete;
};

struct RuleSet::Node {
    Op op = Op::all;
    Field field = Field::channel;
    Cmp cmp = Cmp::eq;
    bool business = false;
    std::uint32_t a = 0, b = 0;  // children / ids range [a, a+b), or mask, child, regex index
    double number = 0;  // the words live in Impl::descriptions: nodes stay small and close together
};

struct RuleSet::Rule {
    std::string name;
    std::uint32_t triggers = 0;  // 1 << RuleTrigger
    std::optional<std::uint32_t> root;  // none: always
    std::vector<RuleAction> actions;
    std::vector<std::vector<std::uint32_t>> action_ids;  // per action: interned queue/category/tags
    // The conjuncts that decide whether the rule fires, cheapest first, without the queue
    // test the by-queue index already settled (Impl::index_by_queue). Empty: always fires.
    std::vector<std::uint32_t> decide;
};

namespace {

// A rule's decision, packed for the evaluation loop: its top-level channel, priority,
// status and tier tests folded into four masks, then the rest of its conjuncts as a range of
// Impl::decide_pool. All rules' decisions sit together, so a run touches little memory.
struct Decision {
    std::array<std::uint32_t, 4> masks{~0u, ~0u, ~0u, ~0u};  // channel, priority, status, tier
    std::uint32_t begin = 0, end = 0;
};

}  // namespace

struct RuleSet::Impl {
    std::string source;
    std::vector<Rule> rules;
    std::vector<Node> nodes;
    std::vector<std::string> descriptions;  // by node
    std::vector<std::uint32_t> pool;  // children and id lists
    std::vector<std::unique_ptr<Regex>> regexes;
    SymbolTable symbols;
    std::array<std::vector<std::uint32_t>, kTriggers.size()> by_trigger;
    // The same lists narrowed by queue: a rule whose conditions require `queue: Q` (at the top,
    // or in its top-level `all`) is only listed under Q; rules without one under every queue.
    std::array<std::unordered_map<std::uint32_t, std::vector<std::uint32_t>>, kTriggers.size()> by_queue;
    std::array<std::vector<std::uint32_t>, kTriggers.size()> any_queue;
    std::vector<Decision> decisions;       // by rule
    std::vector<std::uint32_t> decide_pool;  // Decision ranges

    const std::vector<std::uint32_t>& candidates(std::size_t trigger, std::uint32_t queue) const {
        if (auto it = by_queue[trigger].find(queue); it != by_queue[trigger].end()) return it->second;
        return any_queue[trigger];
    }
    // The queue ids a rule requires, or none when it may fire in any queue.
    std::vector<std::uint32_t> required_queues(const Rule& rule) const {
        if (!rule.root) return {};
        auto queue_ids = [&](const Node& n) -> std::vector<std::uint32_t> {
            if (n.op != Op::in_ids || n.field != Field::queue) return {};
            return {pool.begin() + n.a, pool.begin() + n.a + n.b};
        };
        const Node& root = nodes[*rule.root];
        if (root.op != Op::all) return queue_ids(root);
        for (std::uint32_t i = 0; i < root.b; ++i)
            if (auto ids = queue_ids(nodes[pool[root.a + i]]); !ids.empty()) return ids;
        return {};
    }
    // The relative cost of evaluating node n (for ordering a rule's conjuncts).
    int cost(std::uint32_t n) const {
        const Node& node = nodes[n];
        switch (node.op) {
            case Op::in_mask:
            case Op::is_true: return 0;
            case Op::in_ids: return 1;
            case Op::has_any:
            case Op::has_all: return 2;
            case Op::cmp: return node.business ? 5 : 3;
            case Op::text: return regexes[node.a]->ascii_exact ? 4 : 6;
            case Op::not_: return cost(node.a);
            case Op::all:
            case Op::any: {
                int c = 0;
                for (std::uint32_t i = 0; i < node.b; ++i) c = std::max(c, cost(pool[node.a + i]));
                return c;
            }
        }
        return 6;
    }
    void plan_decisions() {
        for (auto& rule : rules) {
            if (!rule.root) continue;
            const Node& root = nodes[*rule.root];
            if (root.op == Op::all)
                for (std::uint32_t i = 0; i < root.b; ++i) rule.decide.push_back(pool[root.a + i]);
            else rule.decide.push_back(*rule.root);
            // The first top-level queue test is the one required_queues indexes by.
            auto queue_test = std::find_if(rule.decide.begin(), rule.decide.end(), [&](std::uint32_t n) {
                return nodes[n].op == Op::in_ids && nodes[n].field == Field::queue;
            });
            if (queue_test != rule.decide.end()) rule.decide.erase(queue_test);
            std::stable_sort(rule.decide.begin(), rule.decide.end(),
                             [&](std::uint32_t a, std::uint32_t b) { return cost(a) < cost(b); });
        }
        decisions.assign(rules.size(), Decision{});
        for (std::size_t r = 0; r < rules.size(); ++r) {
            Decision& d = decisions[r];
            d.begin = static_cast<std::uint32_t>(decide_pool.size());
            for (auto n : rules[r].decide) {
                const Node& node = nodes[n];
                if (node.op == Op::in_mask) d.masks[static_cast<std::size_t>(node.field)] &= node.a;
                else decide_pool.push_back(n);
            }
            d.end = static_cast<std::uint32_t>(decide_pool.size());
        }
    }
    void index_by_queue() {
        plan_decisions();
        for (std::size_t t = 0; t < kTriggers.size(); ++t) {
            std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> constrained;
            for (auto r : by_trigger[t]) {
                auto ids = required_queues(rules[r]);
                if (ids.empty()) any_queue[t].push_back(r);
                for (auto id : ids) constrained[id].push_back(r);
            }
            for (auto& [id, list] : constrained) {
                auto& merged = by_queue[t][id];
                std::merge(list.begin(), list.end(), any_queue[t].begin(), any_queue[t].end(), std::back_inserter(merged));
                merged.erase(std::unique(merged.begin(), merged.end()), merged.end());
            }
        }
    }

    std::uint32_t intern(std::string_view s) {
        if (auto it = symbols.find(s); it != symbols.end()) return it->second;
        auto id = static_cast<std::uint32_t>(symbols.size() + 1);
        symbols.emplace(std::string(s), id);
        return id;
    }
    std::uint32_t lookup(std::string_view s) const noexcept {
        auto it = symbols.find(s);
        return it == symbols.end() ? 0 : it->second;
    }

    bool eval(std::uint32_t n, const Facts& f, RuleOutcome& out, bool record) const;
    double hours_since(const Facts& f, Timestamp from, bool business, int slot) const;
};

namespace {

// PCRE2 match data, one per thread, made on first use: a match never allocates.
pcre2_match_data* thread_match_data() {
    struct Holder {
        pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
        ~Holder() { pcre2_match_data_free(data); }
    };
    thread_local Holder holder;
    return holder.data;
}

}  // namespace

double RuleSet::Impl::hours_since(const Facts& f, Timestamp from, bool business, int slot) const {
    if (business && f.calendar) {
        if (f.business_hours[slot] < 0)
            f.business_hours[slot] =
                std::chrono::duration<double, std::ratio<3600>>(f.calendar->business_time_between(from, f.now)).count();
        return f.business_hours[slot];
    }
    return std::chrono::duration<double, std::ratio<3600>>(f.now - from).count();
}

bool RuleSet::Impl::eval(std::uint32_t n, const Facts& f, RuleOutcome& out, bool record) const {
    const Node& node = nodes[n];
    bool result = false;
    switch (node.op) {
        case Op::all:
            result = true;
            for (std::uint32_t i = 0; i < node.b && result; ++i) result = eval(pool[node.a + i], f, out, record);
            return result;  // composite nodes are not listed themselves
        case Op::any:
            for (std::uint32_t i = 0; i < node.b && !result; ++i) result = eval(pool[node.a + i], f, out, record);
            return result;
        case Op::not_:
            result = !eval(node.a, f, out, false);
            break;
        case Op::in_mask: {
            std::uint32_t bit = node.field == Field::channel    ? f.channel
                                : node.field == Field::priority ? f.priority
                                : node.field == Field::status   ? f.status
                                                                : f.tier;
            result = (bit & node.a) != 0;
            break;
        }
        case Op::in_ids: {
            const auto id = f.ids[text_slot(node.field)];
            for (std::uint32_t i = 0; i < node.b && !result; ++i) result = id != 0 && pool[node.a + i] == id;
            break;
        }
        case Op::text: {
            const bool cacheable = node.field == Field::subject || node.field == Field::body;
            if (cacheable && f.text_results[node.a] != 0) {
                result = f.text_results[node.a] == 2;
                break;
            }
            const auto text = f.text[text_slot(node.field)];
            const Regex& regex = *regexes[node.a];
            if (cacheable) {
                const auto& folded = f.fold(node.field == Field::subject ? 0 : 1, text);
                if ((regex.required[0] & ~folded.ascii[0]) != 0 || (regex.required[1] & ~folded.ascii[1]) != 0) {
                    f.text_results[node.a] = 1;
                    break;  // a byte the pattern needs is missing: no match
                }
                if (regex.ascii_exact) {
                    result = folded.lower.find(regex.needle) != std::string_view::npos;
                    f.text_results[node.a] = result ? 2 : 1;
                    break;
                }
            }
            int rc = pcre2_match(regex.code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0,
                                 thread_match_data(), nullptr);
            result = rc >= 0;
            if (cacheable) f.text_results[node.a] = result ? 2 : 1;
            break;
        }
        case Op::has_any:
        case Op::has_all: {
            const bool all = node.op == Op::has_all;
            result = all;
            for (std::uint32_t i = 0; i < node.b; ++i) {
                const bool has = std::find(f.tags.begin(), f.tags.end(), pool[node.a + i]) != f.tags.end();
                if (all && !has) { result = false; break; }
                if (!all && has) { result = true; break; }
            }
            break;
        }
        case Op::cmp: {
            double value = 0;
            if (node.field == Field::reopen_count) value = f.reopen_count;
            else if (node.field == Field::hours_since_created) value = hours_since(f, f.created, node.business, 0);
            else value = hours_since(f, f.updated, node.business, 1);
            switch (node.cmp) {
                case Cmp::eq: result = value == node.number; break;
                case Cmp::gt: result = value > node.number; break;
                case Cmp::gte: result = value >= node.number; break;
                case Cmp::lt: result = value < node.number; break;
                case Cmp::lte: result = value <= node.number; break;
            }
            break;
        }
        case Op::is_true:
            result = f.has_attachment == (node.a != 0);
            break;
    }
    if (result && record) out.matched.push_back(n);
    return result;
}

// ---------------------------------------------------------------------------------------
// Compilation

namespace {

std::string kind_of(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: return "a map";
        case YAML::NodeType::Sequence: return "a list";
        case YAML::NodeType::Scalar: return fmt::format("'{}'", node.Scalar());
        default: return "nothing";
    }
}

template <class E, std::size_t N>
std::optional<E> find_name(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view s) {
    for (const auto& [v, name] : table)
        if (name == s) return v;
    return std::nullopt;
}

}  // namespace

class RuleCompiler {
public:
    RuleCompiler(RuleSet::Impl& impl, std::string_view file) : impl_(impl), file_(file) {}

    void error(const YAML::Node& node, const std::string& message) { error(node.Mark(), message); }
    void error(const YAML::Mark& mark, const std::string& message) {
        if (mark.is_null()) errors_.push_back(fmt::format("{}: {}", file_, message));
        else errors_.push_back(fmt::format("{}:{}:{}: {}", file_, mark.line + 1, mark.column + 1, message));
    }
    const std::vector<std::string>& errors() const { return errors_; }

    void compile(const YAML::Node& root) {
        if (!root.IsMap() || !root["rules"]) {
            error(root, "expected a top-level 'rules:' list");
            return;
        }
        for (const auto& entry : root) {
            if (entry.first.Scalar() != "rules") error(entry.first, fmt::format("unknown key '{}'; expected rules", entry.first.Scalar()));
        }
        const YAML::Node rules = root["rules"];
        if (rules.IsNull()) return;
        if (!rules.IsSequence()) {
            error(rules, fmt::format("rules must be a list, not {}", kind_of(rules)));
            return;
        }
        std::vector<std::string> names;
        for (const auto& item : rules) {
            RuleSet::Rule rule;
            compile_rule(item, rule);
            if (!rule.name.empty()) {
                if (std::find(names.begin(), names.end(), rule.name) != names.end())
                    error(item["name"], fmt::format("rule '{}' is defined twice", rule.name));
                names.push_back(rule.name);
            }
            impl_.rules.push_back(std::move(rule));
        }
        for (std::uint32_t r = 0; r < impl_.rules.size(); ++r)
            for (std::size_t t = 0; t < kTriggers.size(); ++t)
                if (impl_.rules[r].triggers & (1u << t)) impl_.by_trigger[t].push_back(r);
        if (errors_.empty()) impl_.index_by_queue();
    }

private:
    void compile_rule(const YAML::Node& node, RuleSet::Rule& rule) {
        if (!node.IsMap()) {
            error(node, fmt::format("a rule must be a map with name, on, if and then, not {}", kind_of(node)));
            return;
        }
        for (const auto& entry : node) {
            const auto& key = entry.first.Scalar();
            if (key != "name" && key != "on" && key != "if" && key != "then")
                error(entry.first, fmt::format("unknown key '{}' in a rule; expected name, on, if, then", key));
        }
        const auto name = node["name"];
        if (!name || !name.IsScalar() || is_blank(name.Scalar())) error(name ? name : node, "a rule needs a name");
        else rule.name = name.Scalar();

        const auto on = node["on"];
        if (!on) error(node, fmt::format("rule '{}' needs 'on': the events it listens to", rule.name));
        else if (on.IsScalar()) add_trigger(on, rule);
        else if (on.IsSequence() && on.size() > 0)
            for (const auto& t : on) add_trigger(t, rule);
        else error(on, fmt::format("'on' must be an event or a list of events, not {}", kind_of(on)));

        if (const auto cond = node["if"]) rule.root = compile_condition(cond);

        const auto then = node["then"];
        if (!then) error(node, fmt::format("rule '{}' needs 'then': what it does", rule.name));
        else if (!then.IsSequence() || then.size() == 0) error(then, "'then' must be a list of actions");
        else
            for (const auto& a : then) compile_action(a, rule);
    }

    void add_trigger(const YAML::Node& node, RuleSet::Rule& rule) {
        auto t = node.IsScalar() ? parse_rule_trigger(node.Scalar()) : std::nullopt;
        if (!t) {
            error(node, fmt::format("unknown event {}; expected created, customer_replied, agent_replied, "
                                    "status_changed, sla_warning, sla_breached or time",
                                    kind_of(node)));
            return;
        }
        rule.triggers |= 1u << static_cast<unsigned>(*t);
    }

    std::uint32_t add_node(RuleSet::Node node) {
        impl_.nodes.push_back(node);
        impl_.descriptions.push_back(std::move(description_));
        description_.clear();
        return static_cast<std::uint32_t>(impl_.nodes.size() - 1);
    }

    std::uint32_t composite(Op op, const std::vector<std::uint32_t>& children, std::string description) {
        RuleSet::Node n;
        n.op = op;
        n.a = static_cast<std::uint32_t>(impl_.pool.size());
        n.b = static_cast<std::uint32_t>(children.size());
        impl_.pool.insert(impl_.pool.end(), children.begin(), children.end());
        description_ = std::move(description);
        return add_node(std::move(n));
    }

    // A condition is a map of one key: all, any, not, or a field.
    std::uint32_t compile_condition(const YAML::Node& node) {
        if (!node.IsMap() || node.size() == 0) {
            error(node, fmt::format("a condition must be a map like {{priority: high}} or {{all: [...]}}, not {}",
                                    kind_of(node)));
            return composite(Op::all, {}, "?");
        }
        if (node.size() > 1) {  // several fields in one map: all of them
            std::vector<std::uint32_t> children;
            for (const auto& entry : node) children.push_back(compile_entry(entry.first, entry.second));
            return composite(Op::all, children, "all");
        }
        auto entry = *node.begin();
        return compile_entry(entry.first, entry.second);
    }

    std::uint32_t compile_entry(const YAML::Node& key_node, const YAML::Node& value) {
        const auto key = key_node.Scalar();
        if (key == "all" || key == "any") {
            std::vector<std::uint32_t> children;
            if (!value.IsSequence() || value.size() == 0) error(value, fmt::format("'{}' needs a list of conditions", key));
            else
                for (const auto& c : value) children.push_back(compile_condition(c));
            return composite(key == "all" ? Op::all : Op::any, children, key);
        }
        if (key == "not") {
            auto child = compile_condition(value);
            RuleSet::Node n;
            n.op = Op::not_;
            n.a = child;
            description_ = "not (" + describe_tree(child) + ")";
            return add_node(std::move(n));
        }
        const FieldName* field = nullptr;
        for (const auto& f : kFields)
            if (f.name == key) field = &f;
        if (!field) {
            std::vector<std::string_view> names;
            for (const auto& f : kFields) names.push_back(f.name);
            error(key_node, fmt::format("unknown field '{}'; expected all, any, not or one of {}", key, fmt::join(names, ", ")));
            return composite(Op::all, {}, "?");
        }
        return compile_field(*field, value);
    }

    std::string describe_tree(std::uint32_t n) const {
        const auto& node = impl_.nodes[n];
        if (node.op == Op::all || node.op == Op::any) {
            std::vector<std::string> parts;
            for (std::uint32_t i = 0; i < node.b; ++i) parts.push_back(describe_tree(impl_.pool[node.a + i]));
            return fmt::format("{}", fmt::join(parts, node.op == Op::all ? " and " : " or "));
        }
        return impl_.descriptions[n];
    }

    std::vector<std::string> scalars(const YAML::Node& node, std::string_view what) {
        std::vector<std::string> out;
        if (node.IsScalar()) out.push_back(node.Scalar());
        else if (node.IsSequence() && node.size() > 0)
            for (const auto& v : node) {
                if (v.IsScalar()) out.push_back(v.Scalar());
                else error(v, fmt::format("{} must be a value, not {}", what, kind_of(v)));
            }
        else error(node, fmt::format("{} must be a value or a list of values, not {}", what, kind_of(node)));
        return out;
    }

    std::uint32_t compile_field(const FieldName& field, const YAML::Node& value) {
        const auto name = std::string(field.name);
        if (field.field == Field::has_attachment) {
            bool expected = true;
            if (!value.IsScalar() || (value.Scalar() != "true" && value.Scalar() != "false"))
                error(value, "has_attachment must be true or false");
            else expected = value.Scalar() == "true";
            RuleSet::Node n;
            n.op = Op::is_true;
            n.field = field.field;
            n.a = expected;
            description_ = fmt::format("has_attachment is {}", expected);
            return add_node(std::move(n));
        }
        if (is_number(field.field)) return compile_number(field, value);
        if (value.IsMap()) {
            std::vector<std::uint32_t> children;
            for (const auto& entry : value) {
                const auto op = entry.first.Scalar();
                if (op == "contains" || op == "regex") {
                    if (!is_text(field.field)) error(entry.first, fmt::format("{} takes no '{}'", name, op));
                    children.push_back(compile_text(field, op == "contains", entry.second));
                } else if ((op == "in" || op == "equals") && field.field != Field::tags &&
                           field.field != Field::subject && field.field != Field::body) {
                    children.push_back(compile_in(field, entry.second));
                } else if (field.field == Field::tags && (op == "has" || op == "has_any" || op == "has_all")) {
                    children.push_back(compile_tags(op == "has_all", entry.second));
                } else {
                    error(entry.first,
                          fmt::format("unknown test '{}' for {}; expected {}", op, name,
                                      field.field == Field::tags        ? "has, has_any or has_all"
                                      : field.field == Field::subject || field.field == Field::body ? "contains or regex"
                                                                                      : "in, equals, contains or regex"));
                }
            }
            if (children.size() == 1) return children.front();
            return composite(Op::all, children, name);
        }
        if (field.field == Field::subject || field.field == Field::body) {
            error(value, fmt::format("{} needs {{contains: TEXT}} or {{regex: PATTERN}}, not {}", name, kind_of(value)));
            return composite(Op::all, {}, "?");
        }
        if (field.field == Field::tags) return compile_tags(false, value);
        return compile_in(field, value);
    }

    std::uint32_t compile_in(const FieldName& field, const YAML::Node& value) {
        const auto values = scalars(value, std::string(field.name));
        RuleSet::Node n;
        n.field = field.field;
        description_ = values.size() == 1 ? fmt::format("{} is {}", field.name, values.front())
                                           : fmt::format("{} in [{}]", field.name, fmt::join(values, ", "));
        if (is_enum(field.field)) {
            n.op = Op::in_mask;
            for (const auto& v : values) {
                std::optional<int> bit;
                if (field.field == Field::channel) { if (auto c = parse_channel(v)) bit = static_cast<int>(*c); }
                else if (field.field == Field::priority) { if (auto p = parse_priority(v)) bit = static_cast<int>(*p); }
                else if (field.field == Field::status) { if (auto s = parse_status(v)) bit = static_cast<int>(*s); }
                else if (auto t = parse_tier(v)) bit = static_cast<int>(*t);
                if (!bit) {
                    error(value, fmt::format("'{}' is not a {}; expected {}", v, field.name,
                                             field.field == Field::channel    ? "email, fax, web, phone or api"
                                             : field.field == Field::priority ? "low, normal, high or urgent"
                                             : field.field == Field::status   ? "new, open, pending, on_hold, solved or closed"
                                                                              : "L1, L2, supervisor or external"));
                    continue;
                }
                n.a |= 1u << *bit;
            }
        } else {
            n.op = Op::in_ids;
            n.a = static_cast<std::uint32_t>(impl_.pool.size());
            for (const auto& v : values)
                impl_.pool.push_back(impl_.intern(field.field == Field::sender_domain || field.field == Field::language
                                                      ? ascii_lower(v)
                                                      : v));
            n.b = static_cast<std::uint32_t>(values.size());
        }
        return add_node(std::move(n));
    }

    std::uint32_t compile_tags(bool all, const YAML::Node& value) {
        const auto values = scalars(value, "tags");
        RuleSet::Node n;
        n.op = all ? Op::has_all : Op::has_any;
        n.field = Field::tags;
        n.a = static_cast<std::uint32_t>(impl_.pool.size());
        for (const auto& v : values) impl_.pool.push_back(impl_.intern(ascii_lower(trim_space(v))));
        n.b = static_cast<std::uint32_t>(values.size());
        description_ = values.size() == 1 ? fmt::format("tags have {}", values.front())
                                           : fmt::format("tags have {} of [{}]", all ? "all" : "any", fmt::join(values, ", "));
        return add_node(std::move(n));
    }

    std::uint32_t compile_text(const FieldName& field, bool literal, const YAML::Node& value) {
        RuleSet::Node n;
        n.op = Op::text;
        n.field = field.field;
        if (!value.IsScalar() || value.Scalar().empty()) {
            error(value, fmt::format("{} needs a non-empty text", literal ? "contains" : "regex"));
            return add_node(std::move(n));
        }
        const auto& pattern = value.Scalar();
        const auto key = fmt::format("{}\x1f{}\x1f{}", static_cast<int>(field.field), literal, pattern);
        if (auto known = compiled_.find(key); known != compiled_.end()) {
            n.a = known->second;
            description_ = fmt::format("{} {} '{}'", field.name, literal ? "contains" : "matches", pattern);
            return add_node(std::move(n));
        }
        std::uint32_t options = PCRE2_UTF | PCRE2_CASELESS | PCRE2_MATCH_INVALID_UTF;
        options |= literal ? PCRE2_LITERAL : PCRE2_UCP;
        int code = 0;
        PCRE2_SIZE offset = 0;
        auto regex = std::make_unique<RuleSet::Regex>();
        regex->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &code,
                                    &offset, nullptr);
        if (!regex->code) {
            std::array<PCRE2_UCHAR, 256> buffer{};
            pcre2_get_error_message(code, buffer.data(), buffer.size());
            auto mark = value.Mark();
            error(mark, fmt::format("bad regex '{}' at character {}: {}", pattern, offset,
                                    reinterpret_cast<const char*>(buffer.data())));
            return add_node(std::move(n));
        }
        pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter when JIT is unavailable
        if (literal) {
            bool ascii = true;
            for (char ch : pattern) {
                auto c = static_cast<unsigned char>(ch);
                if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
                if (c >= 128) ascii = false;
                else if (c == 'k' || c == 's') ascii = false;  // also KELVIN SIGN, LONG S: not required
                else regex->required[c >> 6] |= std::uint64_t{1} << (c & 63);
                if (c < 128) regex->needle += static_cast<char>(c);
            }
            regex->ascii_exact = ascii;
            if (!ascii) regex->needle.clear();
        }
        n.a = static_cast<std::uint32_t>(impl_.regexes.size());
        compiled_.emplace(key, n.a);
        impl_.regexes.push_back(std::move(regex));
        description_ = fmt::format("{} {} '{}'", field.name, literal ? "contains" : "matches", pattern);
        return add_node(std::move(n));
    }

    std::uint32_t compile_number(const FieldName& field, const YAML::Node& value) {
        bool business = false;
        std::vector<std::pair<Cmp, double>> tests;
        auto number = [&](const YAML::Node& v) -> double {
            double d = 0;
            if (!v.IsScalar() || !YAML::convert<double>::decode(v, d) || d < 0) {
                error(v, fmt::format("{} needs a number >= 0, not {}", field.name, kind_of(v)));
                return 0;
            }
            return d;
        };
        if (value.IsScalar()) tests.push_back({Cmp::eq, number(value)});
        else if (value.IsMap()) {
            for (const auto& entry : value) {
                const auto op = entry.first.Scalar();
                if (op == "clock" && field.field != Field::reopen_count) {
                    if (!entry.second.IsScalar() || (entry.second.Scalar() != "business" && entry.second.Scalar() != "wall"))
                        error(entry.second, "clock must be business or wall");
                    else business = entry.second.Scalar() == "business";
                } else if (op == "eq") tests.push_back({Cmp::eq, number(entry.second)});
                else if (op == "gt") tests.push_back({Cmp::gt, number(entry.second)});
                else if (op == "gte") tests.push_back({Cmp::gte, number(entry.second)});
                else if (op == "lt") tests.push_back({Cmp::lt, number(entry.second)});
                else if (op == "lte") tests.push_back({Cmp::lte, number(entry.second)});
                else
                    error(entry.first, fmt::format("unknown test '{}' for {}; expected eq, gt, gte, lt, lte{}", op,
                                                   field.name, field.field == Field::reopen_count ? "" : " or clock"));
            }
        } else error(value, fmt::format("{} needs a number or {{gte: N}}, not {}", field.name, kind_of(value)));
        if (tests.empty()) {
            if (value.IsMap()) error(value, fmt::format("{} needs a comparison such as gte: 4", field.name));
            return composite(Op::all, {}, "?");
        }
        std::vector<std::uint32_t> children;
        static constexpr std::array<std::string_view, 5> kCmpNames{"=", ">", ">=", "<", "<="};
        for (auto [cmp, d] : tests) {
            RuleSet::Node n;
            n.op = Op::cmp;
            n.field = field.field;
            n.cmp = cmp;
            n.business = business;
            n.number = d;
            description_ = fmt::format("{} {} {}{}", field.name, kCmpNames[static_cast<int>(cmp)], d,
                                        field.field == Field::reopen_count ? "" : business ? " (business)" : " (wall)");
            children.push_back(add_node(std::move(n)));
        }
        if (children.size() == 1) return children.front();
        return composite(Op::all, children, std::string(field.name));
    }

    void check_template(const YAML::Node& node, const std::string& text) {
        if (auto bad = check_rule_template(text)) error(node, *bad);
    }

    std::string scalar_of(const YAML::Node& map, const char* key, bool required, const std::string& what) {
        const auto v = map[key];
        if (!v) {
            if (required) error(map, fmt::format("{} needs '{}'", what, key));
            return {};
        }
        if (!v.IsScalar()) {
            error(v, fmt::format("'{}' must be text, not {}", key, kind_of(v)));
            return {};
        }
        return v.Scalar();
    }

    void compile_action(const YAML::Node& node, RuleSet::Rule& rule) {
        auto push = [&](RuleAction a, std::vector<std::uint32_t> ids = {}) {
            rule.actions.push_back(std::move(a));
            rule.action_ids.push_back(std::move(ids));
        };
        if (node.IsScalar() && node.Scalar() == "stop") return push(RuleAction{});
        if (!node.IsMap() || node.size() != 1) {
            error(node, fmt::format("an action must be 'stop' or a map of one key (set, assign, escalate, refer, "
                                    "notify, reply), not {}",
                                    kind_of(node)));
            return;
        }
        const auto entry = *node.begin();
        const auto key = entry.first.Scalar();
        const YAML::Node value = entry.second;
        if (key == "set") {
            if (!value.IsMap() || value.size() == 0) {
                error(value, "set needs a map of queue, category, priority or tags");
                return;
            }
            for (const auto& kv : value) {
                const auto field = kv.first.Scalar();
                RuleAction a;
                if (field == "queue" || field == "category") {
                    if (!kv.second.IsScalar() || (field == "queue" && is_blank(kv.second.Scalar()))) {
                        error(kv.second, fmt::format("set {} needs a name", field));
                        continue;
                    }
                    a.kind = field == "queue" ? RuleActionKind::set_queue : RuleActionKind::set_category;
                    a.text = kv.second.Scalar();
                    push(a, {impl_.intern(a.text)});
                } else if (field == "priority") {
                    auto p = kv.second.IsScalar() ? parse_priority(kv.second.Scalar()) : std::nullopt;
                    if (!p) {
                        error(kv.second, "priority must be low, normal, high or urgent");
                        continue;
                    }
                    a.kind = RuleActionKind::set_priority;
                    a.priority = *p;
                    push(a);
                } else if (field == "tags") {
                    auto tag_action = [&](RuleActionKind kind, const YAML::Node& list) {
                        RuleAction t;
                        t.kind = kind;
                        for (auto& s : scalars(list, "tags")) t.list.push_back(ascii_lower(trim_space(s)));
                        std::vector<std::uint32_t> ids;
                        for (const auto& s : t.list) ids.push_back(impl_.intern(s));
                        push(std::move(t), std::move(ids));
                    };
                    if (kv.second.IsMap()) {
                        for (const auto& op : kv.second) {
                            if (op.first.Scalar() == "add") tag_action(RuleActionKind::add_tags, op.second);
                            else if (op.first.Scalar() == "remove") tag_action(RuleActionKind::remove_tags, op.second);
                            else error(op.first, fmt::format("tags takes add or remove, not '{}'", op.first.Scalar()));
                        }
                    } else tag_action(RuleActionKind::set_tags, kv.second);
                } else {
                    error(kv.first, fmt::format("set cannot change '{}'; expected queue, category, priority or tags", field));
                }
            }
            return;
        }
        RuleAction a;
        if (key == "assign") {
            if (value.IsMap() && value["agent"]) {
                a.kind = RuleActionKind::assign_agent;
                a.text = ascii_lower(scalar_of(value, "agent", true, "assign"));
            } else if (value.IsMap() && value["skill"]) {
                a.kind = RuleActionKind::assign_skill;
                a.text = scalar_of(value, "skill", true, "assign");
            } else {
                error(value, "assign needs {agent: EMAIL} or {skill: NAME}");
                return;
            }
        } else if (key == "escalate") {
            auto t = value.IsScalar() ? parse_tier(value.Scalar()) : std::nullopt;
            if (!t) {
                error(value, "escalate needs a tier: L1, L2, supervisor or external");
                return;
            }
            a.kind = RuleActionKind::escalate;
            a.tier = *t;
        } else if (key == "refer") {
            a.kind = RuleActionKind::refer;
            if (value.IsScalar()) a.text = value.Scalar();
            else if (value.IsMap()) a.text = scalar_of(value, "specialty", true, "refer");
            if (a.text.empty()) {
                error(value, "refer needs a partner specialty, e.g. {specialty: legal}");
                return;
            }
        } else if (key == "notify") {
            if (!value.IsMap()) {
                error(value, "notify needs {email: ADDRESS, ...} or {webhook: URL, ...}");
                return;
            }
            if (value["email"]) {
                a.kind = RuleActionKind::notify_email;
                a.text = scalar_of(value, "email", true, "notify");
                if (a.text.find('@') == std::string::npos) error(value["email"], fmt::format("'{}' is not an email address", a.text));
                a.subject = scalar_of(value, "subject", false, "notify");
                a.body = scalar_of(value, "body", false, "notify");
                if (a.subject.empty()) a.subject = "[{{ticket.key}}] {{ticket.subject}}";
                if (a.body.empty()) a.body = "Rule '{{rule.name}}' fired for {{ticket.key}}.";
                check_template(value, a.subject);
                check_template(value, a.body);
            } else if (value["webhook"]) {
                a.kind = RuleActionKind::notify_webhook;
                a.text = scalar_of(value, "webhook", true, "notify");
                if (!a.text.starts_with("http://") && !a.text.starts_with("https://"))
                    error(value["webhook"], fmt::format("webhook '{}' must be an http:// or https:// URL", a.text));
                a.secret = scalar_of(value, "secret_env", false, "notify");
            } else {
                error(value, "notify needs email or webhook");
                return;
            }
            for (const auto& kv : value) {
                const auto k = kv.first.Scalar();
                if (k != "email" && k != "subject" && k != "body" && k != "webhook" && k != "secret_env")
                    error(kv.first, fmt::format("unknown key '{}' in notify", k));
            }
        } else if (key == "reply") {
            a.kind = RuleActionKind::reply;
            if (value.IsScalar()) a.body = value.Scalar();
            else if (value.IsMap()) a.body = scalar_of(value, "body", true, "reply");
            if (is_blank(a.body)) {
                error(value, "reply needs a body template");
                return;
            }
            check_template(value, a.body);
        } else {
            error(entry.first, fmt::format("unknown action '{}'; expected set, assign, escalate, refer, notify, reply or stop", key));
            return;
        }
        push(std::move(a));
    }

    RuleSet::Impl& impl_;
    std::string file_;
    std::vector<std::string> errors_;
    std::unordered_map<std::string, std::uint32_t> compiled_;  // field, literal, pattern -> regex
    std::string description_;  // of the node add_node adds next
};

std::string_view to_string(RuleTrigger t) noexcept {
    for (const auto& [v, name] : kTriggers)
        if (v == t) return name;
    return "unknown";
}

std::optional<RuleTrigger> parse_rule_trigger(std::string_view s) noexcept { return find_name(kTriggers, s); }

std::string_view to_string(RuleActionKind k) noexcept {
    switch (k) {
        case RuleActionKind::set_queue: return "set queue";
        case RuleActionKind::set_category: return "set category";
        case RuleActionKind::set_priority: return "set priority";
        case RuleActionKind::set_tags: return "set tags";
        case RuleActionKind::add_tags: return "add tags";
        case RuleActionKind::remove_tags: return "remove tags";
        case RuleActionKind::assign_agent: return "assign agent";
        case RuleActionKind::assign_skill: return "assign skill";
        case RuleActionKind::escalate: return "escalate";
        case RuleActionKind::refer: return "refer";
        case RuleActionKind::notify_email: return "notify email";
        case RuleActionKind::notify_webhook: return "notify webhook";
        case RuleActionKind::reply: return "reply";
        case RuleActionKind::stop: return "stop";
    }
    return "unknown";
}

RuleSet::RuleSet() : impl_(std::make_unique<Impl>()) {}
RuleSet::~RuleSet() = default;
RuleSet::RuleSet(RuleSet&&) noexcept = default;
RuleSet& RuleSet::operator=(RuleSet&&) noexcept = default;

Result<RuleSet> RuleSet::compile(const YAML::Node& root, std::string_view file_name) {
    RuleSet set;
    set.impl_->source = std::string(file_name);
    RuleCompiler compiler(*set.impl_, file_name);
    compiler.compile(root);
    if (!compiler.errors().empty())
        return problem(errc::invalid_field, fmt::format("{}", fmt::join(compiler.errors(), "\n")), "rules");
    return set;
}

Result<RuleSet> RuleSet::compile_text(std::string_view yaml, std::string_view file_name) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::ParserException& e) {
        return problem(errc::malformed, fmt::format("{}:{}:{}: {}", file_name, e.mark.line + 1, e.mark.column + 1, e.msg),
                       "rules");
    }
    return compile(root, file_name);
}

Result<RuleSet> RuleSet::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return problem(errc::not_found, fmt::format("{}: cannot read the rules file", file.string()), "rules");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return compile_text(buffer.str(), file.string());
}

std::size_t RuleSet::size() const noexcept { return impl_->rules.size(); }
bool RuleSet::listens_to(RuleTrigger t) const noexcept {
    return !impl_->by_trigger[static_cast<std::size_t>(t)].empty();
}
const std::string& RuleSet::name(std::uint32_t rule) const noexcept { return impl_->rules[rule].name; }
const std::vector<RuleAction>& RuleSet::actions(std::uint32_t rule) const noexcept { return impl_->rules[rule].actions; }
const std::string& RuleSet::describe(std::uint32_t node) const noexcept { return impl_->descriptions[node]; }
std::string RuleSet::source() const { return impl_->source; }

void RuleSet::evaluate(const RuleContext& ctx, RuleOutcome& out) const {
    out.clear();
    const Impl& im = *impl_;
    const auto& candidates = im.by_trigger[static_cast<std::size_t>(ctx.trigger)];
    if (candidates.empty() || !ctx.ticket) return;
    const Ticket& t = *ctx.ticket;

    Facts f;
    f.channel = 1u << static_cast<unsigned>(t.channel);
    f.priority = 1u << static_cast<unsigned>(t.priority);
    f.status = 1u << static_cast<unsigned>(t.status);
    f.tier = 1u << static_cast<unsigned>(t.tier);
    std::array<char, 256> domain{};  // lower-cased without allocating
    std::string_view domain_view;
    if (ctx.sender_domain.size() <= domain.size()) {
        for (std::size_t i = 0; i < ctx.sender_domain.size(); ++i) {
            char c = ctx.sender_domain[i];
            domain[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        }
        domain_view = std::string_view(domain.data(), ctx.sender_domain.size());
    }
    const std::array<std::string_view, kSymbolFields> symbols{t.queue,         t.category,       t.language,
                                                             ctx.customer_tier, ctx.organisation, domain_view};
    for (std::size_t i = 0; i < kSymbolFields; ++i) {
        f.ids[i] = im.lookup(symbols[i]);
        f.text[i] = symbols[i];
    }
    f.text[kSymbolFields] = t.subject;
    f.text[kSymbolFields + 1] = ctx.body;
    for (const auto& tag : t.tags) {
        if (auto id = im.lookup(tag); id && f.tags.size() < f.tags.capacity()) f.tags.push_back(id);
    }
    f.has_attachment = ctx.has_attachment;
    f.reopen_count = t.reopen_count;
    f.created = t.created_at;
    f.updated = t.updated_at;
    f.now = ctx.now;
    f.calendar = ctx.calendar;
    // One buffer per thread, grown to the largest rule set it has run: no allocation per event.
    thread_local std::vector<std::int8_t> text_results;
    if (text_results.size() < im.regexes.size()) text_results.resize(im.regexes.size());
    std::fill_n(text_results.begin(), im.regexes.size(), std::int8_t{0});
    f.text_results = text_results.data();

    const auto trigger = static_cast<std::size_t>(ctx.trigger);
    const std::vector<std::uint32_t>* list = &im.candidates(trigger, f.ids[0]);
    for (std::size_t pos = 0; pos < list->size();) {
        const auto r = (*list)[pos++];
        const auto begin = static_cast<std::uint32_t>(out.matched.size());
        // Most rules fail: decide first (cheapest conjuncts first), and list the matched
        // conditions only for a firing.
        const Decision& d = im.decisions[r];
        if (!(f.channel & d.masks[0]) || !(f.priority & d.masks[1]) || !(f.status & d.masks[2]) ||
            !(f.tier & d.masks[3]))
            continue;
        bool fires = true;
        for (auto i = d.begin; i < d.end && fires; ++i) fires = im.eval(im.decide_pool[i], f, out, false);
        if (!fires) continue;
        const Rule& rule = im.rules[r];
        if (rule.root) im.eval(*rule.root, f, out, true);
        out.firings.push_back({r, begin, static_cast<std::uint32_t>(out.matched.size())});
        bool stop = false;
        for (std::size_t i = 0; i < rule.actions.size(); ++i) {
            const auto& a = rule.actions[i];
            const auto& ids = rule.action_ids[i];
            switch (a.kind) {
                case RuleActionKind::set_queue:
                    f.ids[0] = ids[0], f.text[0] = a.text;
                    // The rules after this one as listed for the new queue.
                    list = &im.candidates(trigger, f.ids[0]);
                    pos = static_cast<std::size_t>(std::upper_bound(list->begin(), list->end(), r) - list->begin());
                    break;
                case RuleActionKind::set_category:
                    f.ids[1] = ids[0], f.text[1] = a.text;
                    break;
                case RuleActionKind::set_priority: f.priority = 1u << static_cast<unsigned>(a.priority); break;
                case RuleActionKind::escalate: f.tier = 1u << static_cast<unsigned>(a.tier); break;
                case RuleActionKind::set_tags: f.tags.clear(); [[fallthrough]];
                case RuleActionKind::add_tags:
                    for (auto id : ids)
                        if (std::find(f.tags.begin(), f.tags.end(), id) == f.tags.end() && f.tags.size() < f.tags.capacity())
                            f.tags.push_back(id);
                    break;
                case RuleActionKind::remove_tags:
                    for (auto id : ids) f.tags.erase(std::remove(f.tags.begin(), f.tags.end(), id), f.tags.end());
                    break;
                case RuleActionKind::stop: stop = true; break;
                default: break;
            }
        }
        if (stop) break;
    }
}

}  // namespace triage
