#include "explain_common.h"

#include "agents/backend.h"
#include "model/language_model.h"
#include "store/cache_db.h"
#include "util/resource_paths.h"

#include <QElapsedTimer>
#include <QRegularExpression>

#include <csignal>
#include <set>

namespace ns::cli {

std::atomic<bool> g_cancel{false};

namespace {
void onSignal(int) { g_cancel = true; }
}  // namespace

void catchInterrupt() { std::signal(SIGINT, onSignal); }

void addSessionOptions(Command& c) {
    addModelOption(c);
    c.addValue(QStringLiteral("corpus"), QStringLiteral("Corpus text file (default: the embedded corpus)."), QStringLiteral("F"));
    c.addValue(QStringLiteral("db"), QStringLiteral("Cache file (default: %1).").arg(defaultCachePath()), QStringLiteral("PATH"));
    c.addValue(QStringLiteral("backend"), QStringLiteral("Agent backend: builtin (default, offline) or openai."), QStringLiteral("NAME"),
               QStringLiteral("builtin"));
    c.addValue(QStringLiteral("max-iterations"), QStringLiteral("Refinement iterations at most (default %1).").arg(LoopOptions{}.maxIterations),
               QStringLiteral("K"), QString::number(LoopOptions{}.maxIterations));
    c.addValue(QStringLiteral("seed"), QStringLiteral("Seed of the splits, clustering and probes (default 0)."), QStringLiteral("S"),
               QStringLiteral("0"));
    c.addValue(QStringLiteral("budget"),
               QStringLiteral("Description length of the whole explanation at most, all modes together; single-pass gets the same (default %1).")
                   .arg(LoopOptions{}.lengthBudget),
               QStringLiteral("N"), QString::number(LoopOptions{}.lengthBudget));
    c.addFlag(QStringLiteral("recompute"), QStringLiteral("Run the loop again even when the result is cached."));
    c.addFlag(QStringLiteral("accept-partial"),
              QStringLiteral("Answer with a cached partial run (one a failing LLM server cut short) instead of running again."));
    c.addValue(QStringLiteral("loop"),
               QStringLiteral("Loop constants as KEY=VALUE[,KEY=VALUE...] with the keys of the stored \"parameters\".\"loop\", "
                              "for example length_penalty=0.004,mode_gain=0.01 (they enter the cache key)."),
               QStringLiteral("K=V,..."));
    addLlmOptions(c);
}


Expected<Session> openSession(const Command& c) {
    Session s;
    auto model = loadModel(c);
    if (!model) return Error{model.error()};
    s.model = *model;
    auto db = CacheDb::open(c.isSet(QStringLiteral("db")) ? c.value(QStringLiteral("db")) : defaultCachePath());
    if (!db) return Error{db.error()};
    s.db = std::move(*db);
    const QString corpus = c.isSet(QStringLiteral("corpus")) ? c.value(QStringLiteral("corpus")) : defaultCorpusPath();
    s.session = std::make_unique<ExplainSession>(s.model, corpus, *s.db);
    s.session->setAcceptPartial(c.isSet(QStringLiteral("accept-partial")));
    auto iters = c.intValue(QStringLiteral("max-iterations"), 0, 100);
    if (!iters) return Error{iters.error()};
    s.loop.maxIterations = *iters;
    auto budget = c.intValue(QStringLiteral("budget"), 1, 256);
    if (!budget) return Error{budget.error()};
    s.loop.lengthBudget = *budget;
    if (c.isSet(QStringLiteral("loop"))) {
        nlohmann::json j = s.loop.toJson();
        for (const QString& pair : c.value(QStringLiteral("loop")).split(QLatin1Char(','))) {
            const int eq = pair.indexOf(QLatin1Char('='));
            const std::string key = pair.left(eq).trimmed().toStdString();
            if (eq < 0 || !j.contains(key)) return makeError(QStringLiteral("--loop: unknown key in \"%1\"").arg(pair));
            const auto value = nlohmann::json::parse(pair.mid(eq + 1).trimmed().toStdString(), nullptr, false);
            if (!value.is_number()) return makeError(QStringLiteral("--loop %1: the value must be a number").arg(pair));
            j[key] = value;
        }
        auto parsed = LoopOptions::fromJson(j);
        if (!parsed) return makeError(QStringLiteral("--loop: ") + parsed.error());
        s.loop = *parsed;
    }
    bool ok = false;
    s.loop.seed = c.value(QStringLiteral("seed")).toULongLong(&ok);
    if (!ok) return makeError(QStringLiteral("--seed must be a non-negative integer"));
    auto backend = makeBackend(c, s.session->table());
    if (!backend) return Error{backend.error()};
    s.backend = std::move(*backend);
    // Every mode costs an LLM explainer call and many simulator calls: fewer modes over HTTP.
    if (s.backend->name() != QLatin1String("builtin")) s.loop.maxModes = 4;
    return s;
}

ExplainSession::MiningProgressFn miningProgress() {
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    auto last = std::make_shared<qint64>(-1000);
    return [timer, last](const MiningProgress& p) {
        if (timer->elapsed() - *last >= 1000) {
            *last = timer->elapsed();
            progressLine(QStringLiteral("mining: %1% (%2 tokens)")
                             .arg(p.bytesTotal ? 100.0 * p.bytesDone / p.bytesTotal : 0.0, 0, 'f', 1).arg(p.tokens));
        }
        return !g_cancel.load();
    };
}

void addTargetOptions(Command& c) {
    c.addValue(QStringLiteral("layer"), QStringLiteral("Layer (0-based)."), QStringLiteral("L"));
    c.addValue(QStringLiteral("neuron"), QStringLiteral("Neuron (0-based)."), QStringLiteral("N"));
    c.addValue(QStringLiteral("synthetic"), QStringLiteral("A calibration neuron's JSON spec instead of a real neuron."),
               QStringLiteral("SPEC.json"));
}

Expected<ExplainTarget> targetFromOptions(const Command& c) {
    ExplainTarget target;
    if (c.isSet(QStringLiteral("synthetic"))) {
        target.specPath = c.value(QStringLiteral("synthetic"));
        return target;
    }
    if (!c.isSet(QStringLiteral("layer")) || !c.isSet(QStringLiteral("neuron")))
        return makeError(QStringLiteral("give --layer L --neuron N, or --synthetic SPEC.json"));
    bool okLayer = false, okNeuron = false;
    target.layer = c.value(QStringLiteral("layer")).toInt(&okLayer);
    target.neuron = c.value(QStringLiteral("neuron")).toInt(&okNeuron);
    if (!okLayer || !okNeuron) return makeError(QStringLiteral("--layer and --neuron must be whole numbers"));
    return target;
}

Expected<std::vector<int>> neuronSelection(const Command& c, int count) {
    std::vector<int> out;
    if (!c.isSet(QStringLiteral("neurons"))) {
        for (int n = 0; n < count; ++n) out.push_back(n);
        return out;
    }
    const QString value = c.value(QStringLiteral("neurons"));
    static const QRegularExpression item(QStringLiteral("^(\\d+)(?:-(\\d+))?$"));
    std::set<int> chosen;
    for (const QString& part : value.split(QLatin1Char(','))) {
        const auto m = item.match(part.trimmed());
        if (!m.hasMatch()) return makeError(QStringLiteral("--neurons expects N, A-B or a list of them, for example 0-99 or 3,17,40-45"));
        // Parsed in 64 bits: 4294967299 is out of range, not neuron 3.
        auto from = parseWholeNumber(m.captured(1), 0, count - 1, QStringLiteral("--neurons"));
        auto to = m.captured(2).isEmpty() ? from : parseWholeNumber(m.captured(2), 0, count - 1, QStringLiteral("--neurons"));
        if (!from || !to || *from > *to)
            return makeError(QStringLiteral("--neurons %1: the layer has neurons 0-%2").arg(value).arg(count - 1));
        for (int n = *from; n <= *to; ++n) chosen.insert(n);
    }
    return std::vector<int>(chosen.begin(), chosen.end());
}

}  // namespace ns::cli
