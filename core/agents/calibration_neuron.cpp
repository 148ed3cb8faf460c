#include "agents/calibration_neuron.h"

#include "util/bounded_read.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace ns {

Expected<CalibrationNeuron> CalibrationNeuron::load(const QString& path) {
    auto bytes = readBoundedFile(path, kMaxConfigBytes);
    if (!bytes) return Error{bytes.error()};
    return parse(*bytes, path);
}

namespace {

/// PCRE2 reads a match limit at the start of the pattern; a match that reaches it fails with
/// an error (QRegularExpressionMatch::isValid() is false), which tells it from "no match".
QString limited(const QString& pattern) {
    return QStringLiteral("(*LIMIT_MATCH=%1)").arg(CalibrationNeuron::kMatchSteps) + pattern;
}

}  // namespace

Expected<CalibrationNeuron> CalibrationNeuron::parse(const QByteArray& json, const QString& source) {
    auto fail = [&](const QString& what) { return makeError(QStringLiteral("%1: %2").arg(source, what)); };
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError) return fail(QStringLiteral("not valid JSON: ") + err.errorString());
    if (!doc.isObject()) return fail(QStringLiteral("a calibration spec is a JSON object"));
    const QJsonObject root = doc.object();
    if (!root.value(QStringLiteral("modes")).isArray() || root.value(QStringLiteral("modes")).toArray().isEmpty())
        return fail(QStringLiteral("a calibration spec needs a non-empty \"modes\" array"));
    const QJsonArray modes = root.value(QStringLiteral("modes")).toArray();
    if (modes.size() > kMaxModes)
        return fail(QStringLiteral("the spec has %1 modes; a calibration neuron has at most %2").arg(modes.size()).arg(kMaxModes));
    if (root.contains(QStringLiteral("name")) && !root.value(QStringLiteral("name")).isString())
        return fail(QStringLiteral("\"name\" must be a string"));
    CalibrationNeuron n;
    n.m_name = root.value(QStringLiteral("name")).toString(QStringLiteral("calibration"));
    int index = 0;
    for (const QJsonValue& v : modes) {
        if (!v.isObject()) return fail(QStringLiteral("mode %1 is not a JSON object").arg(index));
        const QJsonObject o = v.toObject();
        CalibrationMode m;
        for (const char* key : {"token_regex", "context_regex", "word_class"})
            if (o.contains(QLatin1String(key)) && !o.value(QLatin1String(key)).isString())
                return fail(QStringLiteral("mode %1: \"%2\" must be a string").arg(index).arg(QLatin1String(key)));
        m.tokenRegex = o.value(QStringLiteral("token_regex")).toString();
        m.contextRegex = o.value(QStringLiteral("context_regex")).toString();
        m.wordClass = o.value(QStringLiteral("word_class")).toString();
        if (o.contains(QStringLiteral("activation"))) {
            const QJsonValue a = o.value(QStringLiteral("activation"));
            if (!a.isDouble())
                return fail(QStringLiteral("mode %1: \"activation\" must be a number, not %2")
                                .arg(index).arg(QString::fromUtf8(QJsonDocument(QJsonArray{a}).toJson(QJsonDocument::Compact)).mid(1).chopped(1)));
            m.activation = a.toDouble();
        }
        if (m.tokenRegex.isEmpty() && m.wordClass.isEmpty())
            return fail(QStringLiteral("mode %1 has neither a \"token_regex\" nor a \"word_class\"").arg(index));
        if (!std::isfinite(m.activation) || m.activation <= 0 || m.activation > kMaxActivation)
            return fail(QStringLiteral("mode %1: \"activation\" %2 is out of range (greater than 0, at most %3)")
                            .arg(index).arg(m.activation).arg(kMaxActivation));
        Compiled c;
        if (!m.wordClass.isEmpty()) {
            c.wordClass = ClassCatalogue::instance().indexOf(m.wordClass);
            const bool ofWords = c.wordClass >= 0 && ClassCatalogue::instance().classes()[static_cast<size_t>(c.wordClass)].kind != ClassKind::TokenText;
            if (!ofWords)
                return fail(QStringLiteral("mode %1: \"word_class\" \"%2\" is not a word class of the vocabulary (resources/vocabulary)")
                                .arg(index).arg(m.wordClass));
        }
        c.hasToken = !m.tokenRegex.isEmpty();
        c.token = QRegularExpression(limited(QRegularExpression::anchoredPattern(m.tokenRegex)));
        if (c.hasToken && !c.token.isValid())
            return fail(QStringLiteral("mode %1: token_regex \"%2\" is not a valid regular expression (%3)")
                            .arg(index).arg(m.tokenRegex, c.token.errorString()));
        if (!m.contextRegex.isEmpty()) {
            c.context = QRegularExpression(limited(QStringLiteral("(?:%1)\\z").arg(m.contextRegex)));
            c.hasContext = true;
            if (!c.context.isValid())
                return fail(QStringLiteral("mode %1: context_regex \"%2\" is not a valid regular expression (%3)")
                                .arg(index).arg(m.contextRegex, c.context.errorString()));
        }
        n.m_modes.push_back(m);
        n.m_compiled.push_back(c);
        ++index;
    }
    n.m_source = source;
    return n;
}

WordView CalibrationNeuron::wordsOf(const QStringList& tokens) const {
    bool any = false;
    for (const Compiled& c : m_compiled) any = any || c.wordClass >= 0;
    if (!any) return {};
    std::vector<TokenTraits> traits;
    traits.reserve(static_cast<size_t>(tokens.size()));
    for (const QString& t : tokens) traits.push_back(tokenTraits(t));
    std::vector<const TokenTraits*> pointers;
    for (const TokenTraits& t : traits) pointers.push_back(&t);
    return viewWords(pointers, std::vector<const ClassBits*>(traits.size(), nullptr));
}

Expected<bool> CalibrationNeuron::matches(int mode, const QStringList& tokens, int index, const QString& before, const WordView& words) const {
    const Compiled& c = m_compiled[static_cast<size_t>(mode)];
    auto tooMuchWork = [&](const char* which) {
        return makeError(QStringLiteral("%1: mode %2: %3 needs more than %4 backtracking steps on the text \"%5\"; "
                                        "simplify it (nested repetition such as (a+)+ backtracks exponentially)")
                             .arg(m_source).arg(mode).arg(QLatin1String(which)).arg(kMatchSteps)
                             .arg(QString(before + tokens[index]).right(80)));
    };
    if (c.wordClass >= 0 && !(static_cast<size_t>(index) < words.bits.size() && words.bits[static_cast<size_t>(index)].test(static_cast<size_t>(c.wordClass))))
        return false;
    if (c.hasToken) {
        const QRegularExpressionMatch token = c.token.match(tokens[index]);
        if (!token.isValid()) return tooMuchWork("token_regex");
        if (!token.hasMatch()) return false;
    }
    if (!c.hasContext) return true;
    const QRegularExpressionMatch context = c.context.match(before.right(kContextChars));
    if (!context.isValid()) return tooMuchWork("context_regex");
    return context.hasMatch();
}

Expected<std::vector<float>> CalibrationNeuron::activations(const QStringList& tokens) const {
    std::vector<float> out(static_cast<size_t>(tokens.size()), 0.f);
    const WordView words = wordsOf(tokens);
    QString before;
    for (int i = 0; i < tokens.size(); ++i) {
        for (int m = 0; m < static_cast<int>(m_modes.size()); ++m) {
            auto hit = matches(m, tokens, i, before, words);
            if (!hit) return Error{hit.error()};
            if (*hit) out[i] = std::max(out[i], static_cast<float>(m_modes[m].activation));
        }
        before += tokens[i];
    }
    return out;
}

std::vector<float> CalibrationNeuron::modeActivations(int mode, const QStringList& tokens) const {
    std::vector<float> out(static_cast<size_t>(tokens.size()), 0.f);
    const WordView words = wordsOf(tokens);
    QString before;
    for (int i = 0; i < tokens.size(); ++i) {
        auto hit = matches(mode, tokens, i, before, words);
        if (hit && *hit) out[i] = static_cast<float>(m_modes[static_cast<size_t>(mode)].activation);
        before += tokens[i];
    }
    return out;
}

}  // namespace ns
