#include "agents/pattern.h"

#include "agents/token_classes.h"
#include "agents/token_table.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace ns {

Expected<void> checkPattern(const ModePattern& p, const PatternBudget& b) {
    if (!p.tokenClass.isEmpty() && !p.literals.empty())
        return makeError(QStringLiteral("a mode names either literal tokens or one class, not both"));
    if (!p.tokenClass.isEmpty() && tokenClass(p.tokenClass).id.isEmpty())
        return makeError(QStringLiteral("unknown token class \"%1\"").arg(p.tokenClass));
    if (static_cast<int>(p.literals.size()) > b.literals)
        return makeError(QStringLiteral("a mode may list at most %1 tokens (this one lists %2)").arg(b.literals).arg(p.literals.size()));
    if (static_cast<int>(p.conditions.size()) > b.conditions)
        return makeError(QStringLiteral("a mode may have at most %1 context conditions").arg(b.conditions));
    for (const ContextCondition& c : p.conditions) {
        if (c.span < 1 || c.span > b.span) return makeError(QStringLiteral("a condition looks back 1 to %1 tokens").arg(b.span));
        if (c.tokenClass.isEmpty() == c.literals.empty())
            return makeError(QStringLiteral("a condition names either tokens or one class"));
        if (!c.tokenClass.isEmpty() && tokenClass(c.tokenClass).id.isEmpty())
            return makeError(QStringLiteral("unknown token class \"%1\"").arg(c.tokenClass));
        if (static_cast<int>(c.literals.size()) > b.conditionLiterals)
            return makeError(QStringLiteral("a condition may list at most %1 tokens").arg(b.conditionLiterals));
    }
    for (const PatternLiteral& l : p.literals)
        if (!std::isfinite(l.weight)) return makeError(QStringLiteral("the weight of '%1' is not a number").arg(l.key));
    if (!std::isfinite(p.classWeight)) return makeError(QStringLiteral("the class weight is not a number"));
    return {};
}

nlohmann::json patternToJson(const ModePattern& p) {
    nlohmann::json j;
    j["literals"] = nlohmann::json::array();
    for (const PatternLiteral& l : p.literals) j["literals"].push_back({{"token", l.key.toStdString()}, {"weight", l.weight}});
    if (!p.tokenClass.isEmpty()) {
        j["class"] = p.tokenClass.toStdString();
        j["class_weight"] = p.classWeight;
    }
    j["conditions"] = nlohmann::json::array();
    for (const ContextCondition& c : p.conditions) {
        nlohmann::json cj{{"span", c.span}};
        if (!c.tokenClass.isEmpty()) cj["class"] = c.tokenClass.toStdString();
        cj["tokens"] = nlohmann::json::array();
        for (const QString& k : c.literals) cj["tokens"].push_back(k.toStdString());
        j["conditions"].push_back(cj);
    }
    return j;
}

Expected<ModePattern> patternFromJson(const nlohmann::json& j) {
    if (!j.is_object()) return makeError(QStringLiteral("a pattern must be a JSON object"));
    ModePattern p;
    auto str = [](const nlohmann::json& v) { return QString::fromStdString(v.get<std::string>()); };
    try {
        for (const auto& l : j.value("literals", nlohmann::json::array()))
            p.literals.push_back({str(l.at("token")), l.value("weight", 1.0)});
        if (j.contains("class")) {
            p.tokenClass = str(j.at("class"));
            p.classWeight = j.value("class_weight", 1.0);
        }
        for (const auto& c : j.value("conditions", nlohmann::json::array())) {
            ContextCondition cond;
            cond.span = c.value("span", 1);
            if (c.contains("class")) cond.tokenClass = str(c.at("class"));
            for (const auto& k : c.value("tokens", nlohmann::json::array())) cond.literals.push_back(str(k));
            p.conditions.push_back(cond);
        }
    } catch (const nlohmann::json::exception& e) {
        return makeError(QStringLiteral("malformed pattern: %1").arg(QString::fromUtf8(e.what())));
    }
    if (auto ok = checkPattern(p); !ok) return Error{ok.error()};
    return p;
}

CompiledPattern::CompiledPattern(const ModePattern& p, const TokenTable& table) : m_table(&table) {
    for (const PatternLiteral& l : p.literals) {
        const int key = table.findKey(TokenTable::keyFor(l.key));
        if (key >= 0) m_weights[key] = std::max(m_weights[key], static_cast<float>(l.weight));
    }
    if (!p.tokenClass.isEmpty()) {
        m_class = &table.members(p.tokenClass);
        m_classWeight = static_cast<float>(p.classWeight);
    }
    for (const ContextCondition& c : p.conditions) {
        Condition cc;
        cc.span = std::max(1, c.span);
        for (const QString& k : c.literals) {
            const int key = table.findKey(TokenTable::keyFor(k));
            if (key >= 0) cc.keys.insert(key);
        }
        if (!c.tokenClass.isEmpty()) cc.members = &table.members(c.tokenClass);
        m_conditions.push_back(std::move(cc));
    }
}

float CompiledPattern::triggerWeight(int id) const {
    if (id < 0 || id >= m_table->vocabSize()) return 0;
    if (m_class) return (*m_class)[static_cast<size_t>(id)] ? m_classWeight : 0.f;
    const auto it = m_weights.find(m_table->keyOf(id));
    return it == m_weights.end() ? 0.f : it->second;
}

bool CompiledPattern::holds(const Condition& c, const std::vector<int>& ids, size_t i) const {
    for (size_t back = 1; back <= static_cast<size_t>(c.span) && back <= i; ++back) {
        const int id = ids[i - back];
        if (id < 0 || id >= m_table->vocabSize()) continue;
        if (c.members ? (*c.members)[static_cast<size_t>(id)] != 0 : c.keys.count(m_table->keyOf(id)) > 0) return true;
    }
    return false;
}

float CompiledPattern::at(const std::vector<int>& ids, size_t i) const {
    const float w = triggerWeight(ids[i]);
    if (w == 0) return 0;
    for (const Condition& c : m_conditions)
        if (!holds(c, ids, i)) return 0;
    return w;
}

std::vector<float> CompiledPattern::run(const std::vector<int>& ids) const {
    std::vector<float> out(ids.size(), 0.f);
    for (size_t i = 0; i < ids.size(); ++i) out[i] = at(ids, i);
    return out;
}

Simulation simulateModes(const std::vector<CompiledPattern>& modes, const std::vector<Sample>& samples) {
    Simulation sim;
    sim.reserve(samples.size());
    for (const Sample& s : samples) {
        std::vector<float> v(s.ids.size(), 0.f);
        for (const CompiledPattern& m : modes)
            for (size_t i = 0; i < v.size(); ++i) v[i] = std::max(v[i], m.at(s.ids, i));
        sim.push_back(std::move(v));
    }
    return sim;
}

}  // namespace ns
