#include "agents/calibration_neuron.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

namespace ns {

Expected<CalibrationNeuron> CalibrationNeuron::load(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return makeError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    return parse(f.readAll(), path);
}

Expected<CalibrationNeuron> CalibrationNeuron::parse(const QByteArray& json, const QString& source) {
    auto fail = [&](const QString& what) { return makeError(QStringLiteral("%1: %2").arg(source, what)); };
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &err);
    if (err.error != QJsonParseError::NoError) return fail(QStringLiteral("not valid JSON: ") + err.errorString());
    const QJsonObject root = doc.object();
    if (!root.value(QStringLiteral("modes")).isArray() || root.value(QStringLiteral("modes")).toArray().isEmpty())
        return fail(QStringLiteral("a calibration spec needs a non-empty \"modes\" array"));
    CalibrationNeuron n;
    n.m_name = root.value(QStringLiteral("name")).toString(QStringLiteral("calibration"));
    int index = 0;
    for (const QJsonValue& v : root.value(QStringLiteral("modes")).toArray()) {
        const QJsonObject o = v.toObject();
        CalibrationMode m;
        m.tokenRegex = o.value(QStringLiteral("token_regex")).toString();
        m.contextRegex = o.value(QStringLiteral("context_regex")).toString();
        m.activation = o.value(QStringLiteral("activation")).toDouble(1.0);
        if (m.tokenRegex.isEmpty()) return fail(QStringLiteral("mode %1 has no \"token_regex\"").arg(index));
        if (!std::isfinite(m.activation) || m.activation <= 0)
            return fail(QStringLiteral("mode %1: \"activation\" must be a positive number").arg(index));
        Compiled c;
        c.token = QRegularExpression(QRegularExpression::anchoredPattern(m.tokenRegex));
        if (!c.token.isValid())
            return fail(QStringLiteral("mode %1: token_regex \"%2\" is not a valid regular expression (%3)")
                            .arg(index).arg(m.tokenRegex, c.token.errorString()));
        if (!m.contextRegex.isEmpty()) {
            c.context = QRegularExpression(QStringLiteral("(?:%1)\\z").arg(m.contextRegex));
            c.hasContext = true;
            if (!c.context.isValid())
                return fail(QStringLiteral("mode %1: context_regex \"%2\" is not a valid regular expression (%3)")
                                .arg(index).arg(m.contextRegex, c.context.errorString()));
        }
        n.m_modes.push_back(m);
        n.m_compiled.push_back(c);
        ++index;
    }
    return n;
}

bool CalibrationNeuron::matches(int mode, const QStringList& tokens, int index, const QString& before) const {
    const Compiled& c = m_compiled[static_cast<size_t>(mode)];
    if (!c.token.match(tokens[index]).hasMatch()) return false;
    return !c.hasContext || c.context.match(before).hasMatch();
}

std::vector<float> CalibrationNeuron::activations(const QStringList& tokens) const {
    std::vector<float> out(static_cast<size_t>(tokens.size()), 0.f);
    QString before;
    for (int i = 0; i < tokens.size(); ++i) {
        for (int m = 0; m < static_cast<int>(m_modes.size()); ++m)
            if (matches(m, tokens, i, before)) out[i] = std::max(out[i], static_cast<float>(m_modes[m].activation));
        before += tokens[i];
    }
    return out;
}

std::vector<float> CalibrationNeuron::modeActivations(int mode, const QStringList& tokens) const {
    std::vector<float> out(static_cast<size_t>(tokens.size()), 0.f);
    QString before;
    for (int i = 0; i < tokens.size(); ++i) {
        if (matches(mode, tokens, i, before)) out[i] = static_cast<float>(m_modes[static_cast<size_t>(mode)].activation);
        before += tokens[i];
    }
    return out;
}

}  // namespace ns
