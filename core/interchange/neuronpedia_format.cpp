#include "interchange/neuronpedia_format.h"

#include "util/bounded_read.h"

#include <QFile>

#include <climits>

namespace ns {
namespace {

using json = nlohmann::json;

json tokensOf(const std::vector<int>& ids, const TokenText& text) {
    json out = json::array();
    for (int id : ids) out.push_back(text(id).toStdString());
    return out;
}

/// A JSON integer from 0 to 2^31-1, else -1 (nothing larger is truncated into range).
int indexNumber(const json& v) {
    if (v.is_number_unsigned()) return v.get<uint64_t>() <= uint64_t(INT_MAX) ? static_cast<int>(v.get<uint64_t>()) : -1;
    if (v.is_number_integer()) return -1;  // negative
    return -2;                              // not an integer
}

int indexText(const QString& s) {
    bool ok = false;
    const qlonglong v = s.toLongLong(&ok);
    return ok && v >= 0 && v <= INT_MAX ? static_cast<int>(v) : -1;
}

/// "6-res-jb" -> 6, 6 -> 6; -1 when neither.
int layerOf(const json& v) {
    if (const int n = indexNumber(v); n != -2) return n;
    if (!v.is_string()) return -1;
    return indexText(QString::fromStdString(v.get<std::string>()).section(QLatin1Char('-'), 0, 0));
}

int indexOf(const json& v) {
    if (const int n = indexNumber(v); n != -2) return n;
    if (!v.is_string()) return -1;
    return indexText(QString::fromStdString(v.get<std::string>()));
}

QString stringField(const json& j, std::initializer_list<const char*> keys) {
    for (const char* k : keys)
        if (j.contains(k) && j.at(k).is_string()) return QString::fromStdString(j.at(k).get<std::string>());
    return {};
}

Expected<ForeignExplanation> readFeature(const json& item, const QString& origin) {
    const json& f = item.is_object() && item.contains("feature") && item.at("feature").is_object() ? item.at("feature") : item;
    if (!f.is_object()) return makeError(QStringLiteral("%1: not a JSON object").arg(origin));
    ForeignExplanation e;
    e.origin = origin;
    e.layer = f.contains("layer") ? layerOf(f.at("layer")) : -1;
    e.neuron = f.contains("index") ? indexOf(f.at("index")) : -1;
    if (e.layer < 0)
        return makeError(QStringLiteral("%1: \"layer\" must be a layer number (0 to %2) or \"<layer>-<source>\"").arg(origin).arg(INT_MAX));
    if (e.neuron < 0) return makeError(QStringLiteral("%1: \"index\" must be a neuron number (0 to %2)").arg(origin).arg(INT_MAX));
    e.text = stringField(f, {"explanation", "description"});
    if (e.text.trimmed().isEmpty()) return makeError(QStringLiteral("%1: no \"explanation\" (or \"description\") text").arg(origin));
    e.explainer = stringField(f, {"explanationModel", "explanationModelName"});
    for (const char* k : {"explanationScore", "simulationScore"})
        if (f.contains(k) && f.at(k).is_number()) {
            e.score = f.at(k).get<double>();
            break;
        }
    return e;
}

}  // namespace

json neuronpediaFeature(const NeuronExport& n, const NeuronpediaIds& ids, const TokenText& text) {
    json f{{"modelId", ids.modelId.toStdString()},
           {"layer", QStringLiteral("%1-%2").arg(n.layer).arg(ids.source).toStdString()},
           {"index", n.neuron},
           {"explanation", n.explanation.toStdString()},
           {"explanationModel", n.explainer.toStdString()}};
    if (n.score) f["explanationScore"] = *n.score;
    if (n.test.empty() || !n.score) return f;
    // Scoring data: activations[i] and simulationActivations[i] describe the same test exemplar.
    json activations = json::array(), simulations = json::array();
    for (size_t i = 0; i < n.test.size() && i < n.predicted.size(); ++i) {
        const Sample& s = n.test[i];
        activations.push_back({{"id", QStringLiteral("neuronscope-window-%1").arg(s.windowId).toStdString()},
                               {"tokens", tokensOf(s.ids, text)},
                               {"act_values", s.acts}});
        simulations.push_back({{"simulation", {{"tokens", tokensOf(s.ids, text)}, {"expected_activations", n.predicted[i]}}},
                               {"true_activations", s.acts},
                               // Neuronpedia requires a number; like SAELens, an undefined correlation is 0.
                               {"ev_correlation_score", sequenceCorrelation(s.acts, n.predicted[i]).value_or(0.0)}});
    }
    f["activations"] = activations;
    f["simulationModel"] = "neuronscope:pattern-simulator";
    f["simulationScore"] = *n.score;
    f["simulationActivations"] = simulations;
    return f;
}

Expected<std::vector<ForeignExplanation>> readNeuronpediaExplanations(const QString& path) {
    QFile file(path);
    if (!file.exists()) return makeError(QStringLiteral("%1: no such file").arg(path));
    auto read = readBoundedFile(path, kMaxTextBytes);
    if (!read) return Error{read.error()};
    const QByteArray bytes = *read;
    std::vector<ForeignExplanation> out;
    const json whole = json::parse(bytes.toStdString(), nullptr, false);
    if (!whole.is_discarded() && whole.is_array()) {
        for (size_t i = 0; i < whole.size(); ++i) {
            auto e = readFeature(whole[i], QStringLiteral("%1: item %2").arg(path).arg(i + 1));
            if (!e) return Error{e.error()};
            out.push_back(std::move(*e));
        }
    } else {
        const QList<QByteArray> lines = bytes.split('\n');
        for (int i = 0; i < lines.size(); ++i) {
            if (lines[i].trimmed().isEmpty()) continue;
            const QString origin = QStringLiteral("%1:%2").arg(path).arg(i + 1);
            const json j = json::parse(lines[i].toStdString(), nullptr, false);
            if (j.is_discarded()) return makeError(QStringLiteral("%1: not valid JSON (one explanation per line)").arg(origin));
            auto e = readFeature(j, origin);
            if (!e) return Error{e.error()};
            out.push_back(std::move(*e));
        }
    }
    if (out.empty()) return makeError(QStringLiteral("%1: no explanations in the file").arg(path));
    return out;
}

}  // namespace ns
