#include "interchange/openai_format.h"

#include "util/bounded_read.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>

#include <algorithm>
#include <climits>

namespace ns {
namespace {

using json = nlohmann::json;

json orNull(const std::optional<double>& v) { return v ? json(*v) : json(); }

json tokensOf(const std::vector<int>& ids, const TokenText& text) {
    json out = json::array();
    for (int id : ids) out.push_back(text(id).toStdString());
    return out;
}

json neuronId(int layer, int neuron) {
    return {{"dataclass_name", "NeuronId"}, {"layer_index", layer}, {"neuron_index", neuron}};
}

json activationRecord(const Exemplar& e, const TokenText& text) {
    return {{"dataclass_name", "ActivationRecord"}, {"tokens", tokensOf(e.window->tokens, text)}, {"activations", e.activations}};
}

json activationRecords(const std::vector<Exemplar>& exemplars, const TokenText& text) {
    json out = json::array();
    for (const Exemplar& e : exemplars) out.push_back(activationRecord(e, text));
    return out;
}

json scoredSequence(const Sample& s, const std::vector<float>& predicted, const TokenText& text) {
    json values = json::array(), probabilities = json::array();
    for (float p : predicted) {
        values.push_back(json::array({p}));  // the pattern simulator is deterministic: a point mass
        probabilities.push_back(json::array({1.0}));
    }
    const json simulation{{"dataclass_name", "SequenceSimulation"},
                          {"tokens", tokensOf(s.ids, text)},
                          {"expected_activations", predicted},
                          {"activation_scale", "neuron_activations"},
                          {"distribution_values", values},
                          {"distribution_probabilities", probabilities},
                          {"uncalibrated_simulation", nullptr}};
    return {{"dataclass_name", "ScoredSequenceSimulation"},
            {"simulation", simulation},
            {"true_activations", s.acts},
            {"ev_correlation_score", orNull(sequenceCorrelation(s.acts, predicted))},
            {"rsquared_score", nullptr},
            {"absolute_dev_explained_score", nullptr}};
}

Expected<void> writeFile(const QString& path, const QByteArray& bytes) {
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return makeError(QStringLiteral("%1: cannot create the directory").arg(QFileInfo(path).absolutePath()));
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return makeError(QStringLiteral("%1: cannot write: %2").arg(path, f.errorString()));
    return {};
}

/// A layer or neuron index from 0 to 2^31-1 (a number or a numeric string), else -1: nothing
/// larger is truncated into range.
int intField(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) return -1;
    qlonglong v = -1;
    if (it->is_number_unsigned()) v = it->get<uint64_t>() > uint64_t(INT_MAX) ? -1 : static_cast<qlonglong>(it->get<uint64_t>());
    else if (it->is_number_integer()) v = it->get<int64_t>();
    else if (it->is_string()) {
        bool ok = false;
        v = QString::fromStdString(it->get<std::string>()).toLongLong(&ok);
        if (!ok) v = -1;
    }
    return v >= 0 && v <= INT_MAX ? static_cast<int>(v) : -1;
}

/// OpenAI's objects name their class; a different one is another kind of file.
Expected<void> checkDataclass(const json& j, const char* expected, const QString& origin) {
    if (!j.contains("dataclass_name")) return {};
    const json& name = j.at("dataclass_name");
    if (name.is_string() && name.get<std::string>() == expected) return {};
    return makeError(QStringLiteral("%1: dataclass_name is %2, expected \"%3\"")
                         .arg(origin, QString::fromStdString(name.dump()), QLatin1String(expected)));
}

Expected<void> readResults(const json& j, const QString& origin, std::vector<ForeignExplanation>& out) {
    if (!j.is_object() || !j.contains("scored_explanations") || !j.contains("neuron_id"))
        return makeError(QStringLiteral("%1: not a NeuronSimulationResults object (it needs neuron_id and scored_explanations)").arg(origin));
    if (auto ok = checkDataclass(j, "NeuronSimulationResults", origin); !ok) return ok;
    const json& id = j.at("neuron_id");
    if (id.is_object())
        if (auto ok = checkDataclass(id, "NeuronId", origin + QStringLiteral(": neuron_id")); !ok) return ok;
    const int layer = id.is_object() ? intField(id, "layer_index") : -1;
    const int neuron = id.is_object() ? intField(id, "neuron_index") : -1;
    if (layer < 0 || neuron < 0)
        return makeError(QStringLiteral("%1: neuron_id needs layer_index and neuron_index from 0 to %2").arg(origin).arg(INT_MAX));
    if (!j.at("scored_explanations").is_array()) return makeError(QStringLiteral("%1: scored_explanations is not a list").arg(origin));
    if (j.at("scored_explanations").empty()) return makeError(QStringLiteral("%1: scored_explanations is empty").arg(origin));
    for (const json& e : j.at("scored_explanations")) {
        if (!e.is_object() || !e.contains("explanation") || !e.at("explanation").is_string())
            return makeError(QStringLiteral("%1: a scored explanation has no explanation text").arg(origin));
        if (auto ok = checkDataclass(e, "ScoredExplanation", origin + QStringLiteral(": scored explanation")); !ok) return ok;
        if (QString::fromStdString(e.at("explanation").get<std::string>()).trimmed().isEmpty())
            return makeError(QStringLiteral("%1: a scored explanation's text is empty").arg(origin));
        ForeignExplanation f;
        f.layer = layer;
        f.neuron = neuron;
        f.text = QString::fromStdString(e.at("explanation").get<std::string>());
        f.origin = origin;
        if (e.contains("scored_simulation") && e.at("scored_simulation").is_object()) {
            const json& s = e.at("scored_simulation");
            if (s.contains("ev_correlation_score") && s.at("ev_correlation_score").is_number())
                f.score = s.at("ev_correlation_score").get<double>();
        }
        out.push_back(std::move(f));
    }
    return {};
}

Expected<void> readFile(const QString& path, std::vector<ForeignExplanation>& out) {
    auto bytes = readBoundedFile(path, kMaxTextBytes);
    if (!bytes) return Error{bytes.error()};
    const QList<QByteArray> lines = bytes->split('\n');
    int read = 0;
    for (int i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().isEmpty()) continue;
        const QString origin = QStringLiteral("%1:%2").arg(path).arg(i + 1);
        const json j = json::parse(lines[i].toStdString(), nullptr, false);
        if (j.is_discarded()) return makeError(QStringLiteral("%1: not valid JSON (one NeuronSimulationResults per line)").arg(origin));
        if (auto ok = readResults(j, origin, out); !ok) return ok;
        ++read;
    }
    if (read == 0) return makeError(QStringLiteral("%1: the file is empty").arg(path));
    return {};
}

bool numeric(const QString& name) {
    bool ok = false;
    name.toInt(&ok);
    return ok;
}

}  // namespace

json openAiNeuronRecord(const NeuronExport& n, const TokenText& text) {
    const NeuronRecord& r = *n.record;
    json byQuantile = json::array();
    json boundaries = json::array();
    for (const QuantileBin& b : r.quantiles) {
        if (boundaries.empty()) boundaries.push_back(b.low);
        boundaries.push_back(b.high);
        byQuantile.push_back(activationRecords(b.exemplars, text));
    }
    return {{"dataclass_name", "NeuronRecord"},
            {"neuron_id", neuronId(n.layer, n.neuron)},
            {"random_sample", activationRecords(r.random, text)},
            {"random_sample_by_quantile", byQuantile},
            {"quantile_boundaries", boundaries},
            {"mean", r.stats.mean},
            {"variance", r.stats.std * r.stats.std},
            {"skewness", nullptr},
            {"kurtosis", nullptr},
            {"most_positive_activation_records", activationRecords(r.top, text)}};
}

json openAiSimulationResults(const NeuronExport& n, const TokenText& text) {
    json sequences = json::array();
    for (size_t i = 0; i < n.test.size() && i < n.predicted.size(); ++i) sequences.push_back(scoredSequence(n.test[i], n.predicted[i], text));
    const json simulation{{"dataclass_name", "ScoredSimulation"},
                          {"scored_sequence_simulations", sequences},
                          {"ev_correlation_score", orNull(n.score)},
                          {"rsquared_score", nullptr},
                          {"absolute_dev_explained_score", nullptr}};
    const json scored{{"dataclass_name", "ScoredExplanation"}, {"explanation", n.explanation.toStdString()}, {"scored_simulation", simulation}};
    return {{"dataclass_name", "NeuronSimulationResults"}, {"neuron_id", neuronId(n.layer, n.neuron)}, {"scored_explanations", json::array({scored})}};
}

Expected<int> writeOpenAiLayout(const QString& directory, const std::vector<NeuronExport>& neurons, const TokenText& text) {
    int files = 0;
    const auto dump = [](const json& j) -> QByteArray {
        return QByteArray::fromStdString(j.dump(-1, ' ', false, json::error_handler_t::replace)) + '\n';
    };
    for (const NeuronExport& n : neurons) {
        const QString name = QStringLiteral("%1/%2").arg(n.layer).arg(n.neuron);
        if (n.record) {
            if (auto ok = writeFile(QStringLiteral("%1/neurons/%2.json").arg(directory, name), dump(openAiNeuronRecord(n, text))); !ok)
                return Error{ok.error()};
            ++files;
        }
        if (!n.explanation.isEmpty()) {
            if (auto ok = writeFile(QStringLiteral("%1/explanations/%2.jsonl").arg(directory, name), dump(openAiSimulationResults(n, text))); !ok)
                return Error{ok.error()};
            ++files;
        }
    }
    return files;
}

Expected<std::vector<ForeignExplanation>> readOpenAiExplanations(const QString& path) {
    std::vector<ForeignExplanation> out;
    const QFileInfo info(path);
    if (!info.exists()) return makeError(QStringLiteral("%1: no such file or directory").arg(path));
    if (!info.isDir()) {
        if (auto ok = readFile(path, out); !ok) return Error{ok.error()};
        return out;
    }
    QDir root(path);
    if (root.exists(QStringLiteral("explanations"))) root.cd(QStringLiteral("explanations"));
    QStringList layers = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    layers.erase(std::remove_if(layers.begin(), layers.end(), [](const QString& s) { return !numeric(s); }), layers.end());
    std::sort(layers.begin(), layers.end(), [](const QString& a, const QString& b) { return a.toInt() < b.toInt(); });
    for (const QString& layer : layers) {
        QDir dir(root.filePath(layer));
        QStringList files = dir.entryList({QStringLiteral("*.jsonl")}, QDir::Files);
        files.erase(std::remove_if(files.begin(), files.end(), [](const QString& s) { return !numeric(QFileInfo(s).completeBaseName()); }),
                    files.end());
        std::sort(files.begin(), files.end(), [](const QString& a, const QString& b) {
            return QFileInfo(a).completeBaseName().toInt() < QFileInfo(b).completeBaseName().toInt();
        });
        for (const QString& f : files)
            if (auto ok = readFile(dir.filePath(f), out); !ok) return Error{ok.error()};
    }
    if (out.empty())
        return makeError(QStringLiteral("%1: no explanation files (<layer>/<neuron>.jsonl) found, here or under explanations/").arg(path));
    return out;
}

}  // namespace ns
