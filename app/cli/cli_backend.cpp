#include "cli_common.h"

#include "agents/builtin_backend.h"

namespace ns::cli {

void addLlmOptions(Command&) {}

Expected<std::unique_ptr<Backend>> makeBackend(const Command& c, std::shared_ptr<const TokenTable> table) {
    const QString name = c.value(QStringLiteral("backend"));
    if (name == QLatin1String("builtin")) return std::unique_ptr<Backend>(new BuiltinBackend(std::move(table)));
    return makeError(QStringLiteral("--backend must be builtin or openai, not \"%1\"").arg(name));
}

}  // namespace ns::cli
