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
    if (p.tokenClass.isEmpty() && (!p.exceptions.empty() || p.piece != WordPiece::Any))
        return makeError(QStringLiteral("only a class has exceptions or a piece of its word"));
    if (p.piece != WordPiece::Any && tokenClass(p.tokenClass).kind == ClassKind::TokenText)
        return makeError(QStringLiteral("\"%1\" is judged on the token itself: only a class of words names a piece of the word").arg(p.tokenClass));
    if (static_cast<int>(p.exceptions.size()) > b.exceptions)
        return makeError(QStringLiteral("a class may have at most %1 exceptions").arg(b.exceptions));
    for (const QString& e : p.exceptions)
        if (e.isEmpty() || e != e.trimmed().toLower())
            return makeError(QStringLiteral("an exception is a whole word in lower case without spaces, not '%1'").arg(e));
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
        if (p.piece != WordPiece::Any) j["piece"] = p.piece == WordPiece::First ? "first" : "last";
        if (!p.exceptions.empty()) {
            j["exceptions"] = nlohmann::json::array();
            for (const QString& e : p.exceptions) j["exceptions"].push_back(e.toStdString());
        }
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
        if (j.contains("piece")) {
            const std::string piece = j.at("piece").get<std::string>();
            if (piece == "first") p.piece = WordPiece::First;
            else if (piece == "last") p.piece = WordPiece::Last;
            else if (piece != "any") return makeError(QStringLiteral("\"piece\" is \"any\", \"first\" or \"last\", not \"%1\"").arg(QString::fromStdString(piece)));
        }
        for (const auto& e : j.value("exceptions", nlohmann::json::array())) p.exceptions.push_back(str(e));
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

ClassRef resolveClass(const QString& id, const TokenTable& table) {
    ClassRef r;
    r.bit = ClassCatalogue::instance().indexOf(id);
    if (r.bit < 0 && !tokenClass(id).id.isEmpty()) r.members = &table.members(id);
    return r;
}

bool ClassRef::contains(const std::vector<int>& ids, const WordView& words, size_t i) const {
    if (bit >= 0) return i < words.bits.size() && words.bits[i].test(static_cast<size_t>(bit));
    if (!members) return false;
    const int id = ids[i];
    return id >= 0 && static_cast<size_t>(id) < members->size() && (*members)[static_cast<size_t>(id)];
}

CompiledPattern::CompiledPattern(const ModePattern& p, const TokenTable& table) : m_table(&table) {
    for (const PatternLiteral& l : p.literals) {
        const int key = table.findKey(TokenTable::keyFor(l.key));
        if (key >= 0) m_weights[key] = std::max(m_weights[key], static_cast<float>(l.weight));
    }
    if (!p.tokenClass.isEmpty()) {
        m_class = resolveClass(p.tokenClass, table);
        m_classWeight = static_cast<float>(p.classWeight);
        m_piece = p.piece;
        for (const QString& e : p.exceptions) m_exceptions.insert(e);
    }
    for (const ContextCondition& c : p.conditions) {
        Condition cc;
        cc.span = std::max(1, c.span);
        for (const QString& k : c.literals) {
            const int key = table.findKey(TokenTable::keyFor(k));
            if (key >= 0) cc.keys.insert(key);
        }
        if (!c.tokenClass.isEmpty()) cc.cls = resolveClass(c.tokenClass, table);
        m_usesWordConditions = m_usesWordConditions || cc.cls.valid();
        m_conditions.push_back(std::move(cc));
    }
}

float CompiledPattern::triggerWeight(int id) const {
    if (id < 0 || id >= m_table->vocabSize()) return 0;
    if (m_class.valid()) {
        const std::vector<int> one{id};
        return triggerAt(one, m_table->view(one), 0);
    }
    const auto it = m_weights.find(m_table->keyOf(id));
    return it == m_weights.end() ? 0.f : it->second;
}

float CompiledPattern::triggerAt(const std::vector<int>& ids, const WordView& words, size_t i) const {
    const int id = ids[i];
    if (id < 0 || id >= m_table->vocabSize()) return 0;
    if (m_class.valid()) {
        if (!m_class.contains(ids, words, i)) return 0;
        if (i < words.role.size() && !pieceMatches(m_piece, words.role[i])) return 0;
        if (!m_exceptions.isEmpty() && i < words.word.size() && m_exceptions.contains(words.word[i])) return 0;
        return m_classWeight;
    }
    const auto it = m_weights.find(m_table->keyOf(id));
    return it == m_weights.end() ? 0.f : it->second;
}

bool CompiledPattern::holds(const Condition& c, const std::vector<int>& ids, const WordView& words, size_t i) const {
    for (size_t back = 1; back <= static_cast<size_t>(c.span) && back <= i; ++back) {
        const size_t j = i - back;
        const int id = ids[j];
        if (id < 0 || id >= m_table->vocabSize()) continue;
        if (c.cls.valid() ? c.cls.contains(ids, words, j) : c.keys.count(m_table->keyOf(id)) > 0) return true;
    }
    return false;
}

std::vector<float> CompiledPattern::run(const std::vector<int>& ids, const WordView& words) const {
    std::vector<float> out(ids.size(), 0.f);
    for (size_t i = 0; i < ids.size(); ++i) {
        const float w = triggerAt(ids, words, i);
        if (w == 0) continue;
        bool all = true;
        for (const Condition& c : m_conditions) all = all && holds(c, ids, words, i);
        if (all) out[i] = w;
    }
    return out;
}

std::vector<float> CompiledPattern::run(const std::vector<int>& ids) const {
    return run(ids, needsWords() ? m_table->view(ids) : WordView{});
}

Simulation simulateModes(const std::vector<CompiledPattern>& modes, const std::vector<Sample>& samples) {
    bool words = false;
    for (const CompiledPattern& m : modes) words = words || m.needsWords();
    Simulation sim;
    sim.reserve(samples.size());
    for (const Sample& s : samples) {
        std::vector<float> v(s.ids.size(), 0.f);
        const WordView view = words && !modes.empty() ? modes.front().table().view(s.ids) : WordView{};
        for (const CompiledPattern& m : modes) {
            const std::vector<float> one = m.run(s.ids, view);
            for (size_t i = 0; i < v.size(); ++i) v[i] = std::max(v[i], one[i]);
        }
        sim.push_back(std::move(v));
    }
    return sim;
}

}  // namespace ns
