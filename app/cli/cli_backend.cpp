#include "cli_common.h"

#include "agents/builtin_backend.h"
#include "agents/llm/llm_backend.h"
#include "util/resource_paths.h"

#include <QDir>

namespace ns::cli {

void addLlmOptions(Command& c) {
    c.addValue(QStringLiteral("llm"),
               QStringLiteral("LLM backend setting KEY=VALUE, repeatable. Keys: url, model, key-env (the name of the "
                              "environment variable holding the API key), temperature, timeout (seconds), retries, "
                              "logprobs (true/false), structured (how answers are shaped: auto, which asks the server, "
                              "or openai, llamacpp, ollama, vllm, none), max-tokens (answer tokens at most; default sized "
                              "per request), seed, context (the server's context in tokens, when it does not tell), "
                              "prompts (a directory with explainer.md, simulator.md, refiner.md). "
                              "Prefix a key with explainer., simulator. or refiner. to set it for one role only."),
               QStringLiteral("KEY=VALUE"));
}

namespace {

Expected<void> applySetting(LlmEndpoint* e, const QString& key, const QString& value) {
    const QString what = QStringLiteral("--llm %1").arg(key);
    if (key == QLatin1String("url")) e->baseUrl = value;
    else if (key == QLatin1String("model")) e->model = value;
    else if (key == QLatin1String("key-env")) e->apiKeyEnv = value;
    else if (key == QLatin1String("temperature")) {
        auto v = parseNumber(value, 0, 2, what);
        if (!v) return Error{v.error()};
        e->temperature = *v;
    } else if (key == QLatin1String("timeout")) {
        auto v = parseWholeNumber(value, 1, 3600, what + QStringLiteral(" (seconds)"));
        if (!v) return Error{v.error()};
        e->timeoutSeconds = *v;
    } else if (key == QLatin1String("retries")) {
        auto v = parseWholeNumber(value, 0, 20, what);
        if (!v) return Error{v.error()};
        e->retries = *v;
    } else if (key == QLatin1String("logprobs")) {
        if (value != QLatin1String("true") && value != QLatin1String("false") && value != QLatin1String("1") && value != QLatin1String("0"))
            return makeError(QStringLiteral("%1 must be true or false (got '%2')").arg(what, value));
        e->logprobs = value == QLatin1String("true") || value == QLatin1String("1");
    } else if (key == QLatin1String("structured")) {
        const auto kind = parseServerKind(value);
        if (!kind) return makeError(QStringLiteral("%1 must be auto, openai, llamacpp, ollama, vllm or none (got '%2')").arg(what, value));
        e->structured = *kind;
    } else if (key == QLatin1String("max-tokens")) {
        auto v = parseWholeNumber(value, 16, 1 << 20, what);
        if (!v) return Error{v.error()};
        e->maxTokens = *v;
    } else if (key == QLatin1String("seed")) {
        auto v = parseWholeNumber(value, 0, 2147483647, what);
        if (!v) return Error{v.error()};
        e->seed = *v;
    } else if (key == QLatin1String("context")) {
        auto v = parseWholeNumber(value, 512, 1 << 24, what + QStringLiteral(" (tokens)"));
        if (!v) return Error{v.error()};
        e->contextTokens = *v;
    } else {
        return makeError(QStringLiteral("--llm: unknown setting \"%1\" (url, model, key-env, temperature, timeout, retries, "
                                        "logprobs, structured, max-tokens, seed, context, prompts)").arg(key));
    }
    return {};
}

}  // namespace

Expected<std::unique_ptr<Backend>> makeBackend(const Command& c, std::shared_ptr<const TokenTable> table) {
    const QString name = c.value(QStringLiteral("backend"));
    if (name != QLatin1String("builtin") && name != QLatin1String("openai"))
        return makeError(QStringLiteral("--backend must be builtin or openai, not \"%1\"").arg(name));
    if (name == QLatin1String("builtin")) {
        if (c.isSet(QStringLiteral("llm")))
            return makeError(QStringLiteral("--llm settings are for --backend openai; the builtin backend takes none"));
        return std::unique_ptr<Backend>(new BuiltinBackend(std::move(table)));
    }
    LlmConfig config;
    config.simulator.logprobs = true;
    config.promptDir = QDir(resourceDir()).filePath(QStringLiteral("prompts"));
    config.warn = [](const QString& w) { progressLine(QStringLiteral("warning: ") + w); };
    // Settings for every role first, then the ones for a single role.
    const QStringList settings = c.parser.values(QStringLiteral("llm"));
    for (int pass = 0; pass < 2; ++pass) {
        for (const QString& s : settings) {
            const int eq = s.indexOf(QLatin1Char('='));
            if (eq <= 0) return makeError(QStringLiteral("--llm expects KEY=VALUE, not \"%1\"").arg(s));
            QString key = s.left(eq).trimmed();
            const QString value = s.mid(eq + 1).trimmed();
            const int dot = key.indexOf(QLatin1Char('.'));
            if ((dot >= 0) != (pass == 1)) continue;
            if (key == QLatin1String("prompts")) {
                config.promptDir = value;
                continue;
            }
            std::vector<LlmEndpoint*> roles{&config.explainer, &config.simulator, &config.refiner};
            if (dot >= 0) {
                const QString role = key.left(dot);
                key = key.mid(dot + 1);
                if (role == QLatin1String("explainer")) roles = {&config.explainer};
                else if (role == QLatin1String("simulator")) roles = {&config.simulator};
                else if (role == QLatin1String("refiner")) roles = {&config.refiner};
                else return makeError(QStringLiteral("--llm: unknown role \"%1\" (explainer, simulator or refiner)").arg(role));
            }
            for (LlmEndpoint* e : roles)
                if (auto r = applySetting(e, key, value); !r) return Error{r.error()};
        }
    }
    auto backend = LlmBackend::create(config, std::move(table));
    if (!backend) return Error{backend.error()};
    return std::unique_ptr<Backend>(std::move(*backend));
}

}  // namespace ns::cli
