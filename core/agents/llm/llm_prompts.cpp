#include "agents/llm/llm_prompts.h"

#include "agents/llm/structured_output.h"
#include "agents/token_table.h"

#include <QDir>
#include <QFile>
#include <QStringList>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

namespace ns {
namespace {

QString jsonString(const QString& text) { return QString::fromStdString(nlohmann::json(text.toStdString()).dump()); }

/// Text as one line: line breaks and tabs written as \n and \t.
QString oneLine(QString text) {
    return text.replace(QLatin1Char('\n'), QLatin1String("\\n")).replace(QLatin1Char('\t'), QLatin1String("\\t"));
}

/// "...text before[[token]]" for a position of a sample, up to 12 tokens before it.
QString place(const TokenTable& table, const Sample& s, int position) {
    QString before;
    for (int i = std::max(0, position - 12); i < position; ++i) before += table.text(s.ids[static_cast<size_t>(i)]);
    return oneLine(before) + QStringLiteral("[[") + oneLine(table.text(s.ids[static_cast<size_t>(position)])) + QStringLiteral("]]");
}

}  // namespace

Expected<QString> readPrompt(const QString& dir, const char* name) {
    const QString path = QDir(dir).filePath(QString::fromLatin1(name));
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return makeError(QStringLiteral("%1: cannot read the prompt: %2").arg(path, f.errorString()));
    return QString::fromUtf8(f.readAll());
}

QString fill(QString prompt, const std::vector<std::pair<const char*, QString>>& values) {
    for (const auto& [key, value] : values) prompt.replace(QStringLiteral("{{%1}}").arg(QLatin1String(key)), value);
    return prompt;
}

int estimateTokens(const QString& text, double charsPerToken) {
    return static_cast<int>(std::ceil(text.size() / std::max(1.0, charsPerToken)));
}

QString excerptLine(const TokenTable& table, const Sample& s, int number) {
    QString line = QStringLiteral("Excerpt %1:").arg(number);
    for (size_t t = 0; t < s.ids.size(); ++t) {
        const int id = s.ids[t];
        line += QStringLiteral(" %1:%2").arg(t).arg(jsonString(id >= 0 && id < table.vocabSize() ? table.text(id) : QString()));
    }
    return line + QLatin1Char('\n');
}

QString modeEvidence(const TokenTable& table, const ModeRequest& r, int number, int shown) {
    const auto& ev = *r.evidence;
    float peak = 0;
    for (const Sample& s : ev)
        for (float a : s.acts) peak = std::max(peak, a);
    // (activation, sample, position, component index or -1)
    std::vector<std::tuple<float, int, int, int>> places;
    for (size_t c = 0; c < r.components.size(); ++c) {
        const AtomicComponent& comp = r.components[c];
        if (comp.sample >= 0 && static_cast<size_t>(comp.sample) < ev.size())
            places.push_back({comp.activation, comp.sample, comp.position, static_cast<int>(c)});
    }
    if (places.empty()) {
        // Single-pass: the strongest tokens of the evidence, at most two from one excerpt.
        std::vector<std::tuple<float, int, int, int>> all;
        for (size_t i = 0; i < ev.size(); ++i)
            for (size_t t = 0; t < ev[i].acts.size(); ++t)
                if (ev[i].acts[t] > 0) all.push_back({ev[i].acts[t], static_cast<int>(i), static_cast<int>(t), -1});
        std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
        std::map<int, int> perSample;
        for (const auto& p : all)
            if (++perSample[std::get<1>(p)] <= 2) places.push_back(p);
    }
    std::stable_sort(places.begin(), places.end(), [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    if (static_cast<int>(places.size()) > shown) places.resize(static_cast<size_t>(shown));
    QString out = QStringLiteral("Mode %1:\n").arg(number);
    for (const auto& [act, sample, position, c] : places) {
        const Sample& s = ev[static_cast<size_t>(sample)];
        const int level = peak > 0 ? std::max(1, static_cast<int>(std::lround(std::clamp(act / peak, 0.f, 1.f) * 10))) : 1;
        out += QStringLiteral("- %1 (%2)").arg(place(table, s, position)).arg(level);
        if (c >= 0) {
            QStringList matters;
            for (const ContextToken& t : r.components[static_cast<size_t>(c)].context)
                if (t.drop >= 0.25f) matters << jsonString(table.text(t.id));
            if (!matters.isEmpty()) out += QStringLiteral("; the context that matters: ") + matters.join(QStringLiteral(", "));
        }
        out += QLatin1Char('\n');
    }
    return out + QLatin1Char('\n');
}

QString refinerPrompt(const QString& prompt, const TokenTable& table, const ReviseRequest& r, int shown) {
    const auto& modes = *r.modes;
    auto describe = [&](const std::vector<Miss>& misses, int mode) {
        QString s;
        int n = 0;
        for (const Miss& m : misses) {
            if (mode >= 0 && m.mode >= 0 && m.mode != mode) continue;
            if (m.sample < 0 || static_cast<size_t>(m.sample) >= r.valid->size()) continue;
            if (++n > shown) break;
            s += QStringLiteral("- %1\n").arg(place(table, (*r.valid)[static_cast<size_t>(m.sample)], m.position));
        }
        return s.isEmpty() ? QStringLiteral("(none)\n") : s;
    };
    QString text;
    for (size_t i = 0; i < modes.size(); ++i) {
        text += QStringLiteral("Mode %1 (%2): %3\n").arg(i + 1).arg(displayLabel(modes[i]), modes[i].text);
        text += QStringLiteral("It predicts firing on these tokens, where the neuron stays silent:\n") +
                describe(r.falsePositives, static_cast<int>(i)) + QLatin1Char('\n');
    }
    return fill(prompt, {{"MODES", text}, {"FALSE_NEGATIVES", describe(r.falseNegatives, -1)},
                         {"MODE_COUNT", QString::number(modes.size())}});
}

nlohmann::json modesSchema(int count) {
    using namespace schema;
    return object({{"modes", array(object({{"label", string(1, 60)}, {"explanation", string(1, 400)}}), count, count)}});
}

Expected<std::vector<ModeExplanation>> parseModes(const QString& content, int count) {
    auto j = extractJsonObject(content);
    if (!j) return Error{j.error()};
    nlohmann::json list;
    if (j->contains("modes") && (*j)["modes"].is_array()) list = (*j)["modes"];
    else if (count == 1 && j->contains("explanation")) list = nlohmann::json::array({*j});  // a server without schemas
    else return makeError(QStringLiteral("the answer has no \"modes\" list"));
    if (static_cast<int>(list.size()) != count)
        return makeError(QStringLiteral("the answer explains %1 modes, not %2").arg(list.size()).arg(count));
    std::vector<ModeExplanation> out;
    for (const auto& m : list) {
        if (!m.is_object() || !m.contains("explanation") || !m["explanation"].is_string())
            return makeError(QStringLiteral("a mode of the answer has no \"explanation\" text"));
        ModeExplanation e;
        e.text = QString::fromStdString(m["explanation"].get<std::string>()).simplified();
        if (e.text.isEmpty()) return makeError(QStringLiteral("a mode of the answer has an empty \"explanation\""));
        if (m.contains("label") && m["label"].is_string()) e.label = clipLabel(QString::fromStdString(m["label"].get<std::string>()));
        out.push_back(std::move(e));
    }
    return out;
}

int answerTokens(const LlmEndpoint& e, int modes) {
    return e.maxTokens > 0 ? e.maxTokens : 64 + 160 * std::max(1, modes);
}

}  // namespace ns
