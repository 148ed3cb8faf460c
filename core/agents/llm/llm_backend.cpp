#include "agents/llm/llm_backend.h"

#include "agents/token_table.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>

#include <algorithm>
#include <cmath>

namespace ns {
namespace {

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

nlohmann::json userMessage(const QString& text) {
    return nlohmann::json::array({{{"role", "user"}, {"content", text.toStdString()}}});
}

/// Integer value of a token that is a number 0-10, or -1.
int numberToken(const std::string& t) {
    std::string s;
    for (char c : t)
        if (c != ' ' && c != ',' && c != '[' && c != ']') s += c;
    if (s.empty() || s.size() > 2 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) return -1;
    const int v = std::stoi(s);
    return v <= 10 ? v : -1;
}

}  // namespace

Expected<std::vector<float>> parseSimulation(const ChatReply& reply, size_t count) {
    auto j = extractJsonObject(reply.content);
    if (!j) return Error{j.error()};
    if (!j->contains("activations") || !(*j)["activations"].is_array())
        return makeError(QStringLiteral("the answer has no \"activations\" array"));
    const auto& a = (*j)["activations"];
    if (a.size() != count)
        return makeError(QStringLiteral("the answer gives %1 activations for %2 tokens").arg(a.size()).arg(count));
    std::vector<float> out;
    for (const auto& v : a) {
        if (!v.is_number()) return makeError(QStringLiteral("an activation is not a number"));
        const double x = v.get<double>();
        if (!std::isfinite(x)) return makeError(QStringLiteral("an activation is not finite"));
        out.push_back(static_cast<float>(std::clamp(x, 0.0, 10.0)));
    }
    // Bills et al.: the expected value under the model's distribution over 0-10 is a finer
    // prediction than the number it wrote. Walk the tokens inside the array in order.
    if (reply.logprobs.is_array()) {
        std::vector<float> expected;
        bool inside = false;
        for (const auto& t : reply.logprobs) {
            if (!t.is_object() || !t.contains("token") || !t["token"].is_string()) break;
            const std::string tok = t["token"].get<std::string>();
            if (!inside) {
                inside = tok.find('[') != std::string::npos;
                if (!inside) continue;
            }
            if (tok.find(']') != std::string::npos && numberToken(tok) < 0) break;
            if (numberToken(tok) < 0) continue;
            double total = 0, sum = 0;
            if (t.contains("top_logprobs") && t["top_logprobs"].is_array())
                for (const auto& alt : t["top_logprobs"]) {
                    if (!alt.is_object() || !alt.contains("token") || !alt["token"].is_string() || !alt.contains("logprob")) continue;
                    const int v = numberToken(alt["token"].get<std::string>());
                    if (v < 0 || !alt["logprob"].is_number()) continue;
                    const double p = std::exp(alt["logprob"].get<double>());
                    total += p, sum += p * v;
                }
            expected.push_back(total > 0 ? static_cast<float>(sum / total) : static_cast<float>(numberToken(tok)));
        }
        if (expected.size() == count) return expected;
    }
    return out;
}

Expected<std::unique_ptr<LlmBackend>> LlmBackend::create(const LlmConfig& config, std::shared_ptr<const TokenTable> table) {
    std::unique_ptr<LlmBackend> b(new LlmBackend(config, std::move(table)));
    auto e = readPrompt(config.promptDir, "explainer.md");
    if (!e) return Error{e.error()};
    auto s = readPrompt(config.promptDir, "simulator.md");
    if (!s) return Error{s.error()};
    auto r = readPrompt(config.promptDir, "refiner.md");
    if (!r) return Error{r.error()};
    b->m_explainerPrompt = *e;
    b->m_simulatorPrompt = *s;
    b->m_refinerPrompt = *r;
    return b;
}

nlohmann::json LlmBackend::parameters() const {
    return {{"explainer", m_config.explainer.toJson()}, {"simulator", m_config.simulator.toJson()},
            {"refiner", m_config.refiner.toJson()}, {"exemplars_shown", m_config.exemplarsShown},
            {"prompts_sha256", QCryptographicHash::hash((m_explainerPrompt + m_simulatorPrompt + m_refinerPrompt).toUtf8(),
                                                        QCryptographicHash::Sha256).toHex().toStdString()}};
}

QString LlmBackend::tokenJson(int id) const {
    const QString t = id >= 0 && id < m_table->vocabSize() ? m_table->text(id) : QString();
    return QString::fromStdString(nlohmann::json(t.toStdString()).dump());
}

Expected<QString> LlmBackend::askForExplanation(const LlmEndpoint& endpoint, const QString& role, const QString& prompt) {
    auto check = [](const ChatReply& r) -> Expected<void> {
        auto j = extractJsonObject(r.content);
        if (!j) return Error{j.error()};
        if (!j->contains("explanation") || !(*j)["explanation"].is_string() || (*j)["explanation"].get<std::string>().empty())
            return makeError(QStringLiteral("the answer has no \"explanation\" text"));
        return {};
    };
    auto reply = chatCompletion(endpoint, role, userMessage(prompt), check, m_cancel);
    if (!reply) return Error{reply.error()};
    return QString::fromStdString((*extractJsonObject(reply->content))["explanation"].get<std::string>()).simplified();
}

Expected<ModeExplanation> LlmBackend::explain(const ModeRequest& r) {
    // The exemplars that show this mode best: the evidence samples holding its components (or,
    // single-pass, the strongest ones), activations scaled to 0-10 by the evidence's peak.
    const auto& ev = *r.evidence;
    float peak = 0;
    for (const Sample& s : ev)
        for (float a : s.acts) peak = std::max(peak, a);
    std::vector<int> chosen;
    for (const AtomicComponent& c : r.components)
        if (std::find(chosen.begin(), chosen.end(), c.sample) == chosen.end()) chosen.push_back(c.sample);
    if (chosen.empty()) {
        std::vector<std::pair<float, int>> byMax;
        for (size_t i = 0; i < ev.size(); ++i) byMax.push_back({-*std::max_element(ev[i].acts.begin(), ev[i].acts.end()), static_cast<int>(i)});
        std::sort(byMax.begin(), byMax.end());
        for (const auto& [m, i] : byMax) chosen.push_back(i);
    }
    if (static_cast<int>(chosen.size()) > m_config.exemplarsShown) chosen.resize(static_cast<size_t>(m_config.exemplarsShown));
    QString text;
    int n = 0;
    for (int i : chosen) {
        const Sample& s = ev[static_cast<size_t>(i)];
        text += QStringLiteral("Excerpt %1:\n").arg(++n);
        for (size_t t = 0; t < s.ids.size(); ++t) {
            const int level = peak > 0 ? static_cast<int>(std::lround(std::clamp(s.acts[t] / peak, 0.f, 1.f) * 10)) : 0;
            text += QStringLiteral("%1\t%2\n").arg(tokenJson(s.ids[t])).arg(level);
        }
        text += QLatin1Char('\n');
    }
    auto e = askForExplanation(m_config.explainer, QStringLiteral("explainer"), fill(m_explainerPrompt, {{"EXEMPLARS", text}}));
    if (!e) return Error{e.error()};
    return ModeExplanation{*e, std::nullopt};
}

Expected<Simulation> LlmBackend::simulate(const ModeExplanation& mode, const std::vector<Sample>& samples) {
    Simulation out;
    for (const Sample& s : samples) {
        if (cancelled()) return makeError(QStringLiteral("cancelled"));
        QString tokens;
        for (size_t t = 0; t < s.ids.size(); ++t) tokens += QStringLiteral("%1\t%2\n").arg(t).arg(tokenJson(s.ids[t]));
        const QString prompt = fill(m_simulatorPrompt, {{"EXPLANATION", mode.text}, {"TOKENS", tokens},
                                                        {"COUNT", QString::number(s.ids.size())}});
        const size_t count = s.ids.size();
        auto reply = chatCompletion(m_config.simulator, QStringLiteral("simulator"), userMessage(prompt),
                                    [count](const ChatReply& r) -> Expected<void> {
                                        auto v = parseSimulation(r, count);
                                        if (!v) return Error{v.error()};
                                        return {};
                                    },
                                    m_cancel);
        if (!reply) return Error{reply.error()};
        out.push_back(*parseSimulation(*reply, count));
    }
    return out;
}

Expected<std::vector<Revision>> LlmBackend::revise(const ReviseRequest& r) {
    const auto& modes = *r.modes;
    auto describe = [&](const std::vector<Miss>& misses, int mode) {
        QString s;
        int n = 0;
        for (const Miss& m : misses) {
            if (mode >= 0 && m.mode >= 0 && m.mode != mode) continue;
            if (++n > 6) break;
            const Sample& v = (*r.valid)[static_cast<size_t>(m.sample)];
            QString before;
            for (int i = std::max(0, m.position - 12); i < m.position; ++i) before += m_table->text(v.ids[static_cast<size_t>(i)]);
            s += QStringLiteral("- %1[[%2]]\n").arg(before.simplified(), m_table->text(m.token));
        }
        return s.isEmpty() ? QStringLiteral("(none)\n") : s;
    };
    std::vector<Revision> out;
    for (size_t i = 0; i < modes.size(); ++i) {
        if (cancelled()) return makeError(QStringLiteral("cancelled"));
        const QString prompt = fill(m_refinerPrompt, {{"EXPLANATION", modes[i].text},
                                                      {"FALSE_NEGATIVES", describe(r.falseNegatives, -1)},
                                                      {"FALSE_POSITIVES", describe(r.falsePositives, static_cast<int>(i))}});
        auto e = askForExplanation(m_config.refiner, QStringLiteral("refiner"), prompt);
        if (!e) return Error{e.error()};
        auto next = modes;
        next[i] = ModeExplanation{*e, std::nullopt};
        out.push_back({QStringLiteral("rewrite mode %1 from its misses on valid").arg(i + 1), next, {}});
    }
    return out;
}

}  // namespace ns
