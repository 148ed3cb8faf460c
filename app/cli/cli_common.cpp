#include "cli_common.h"

#include "model/language_model.h"
#include "util/bounded_read.h"
#include "util/resource_paths.h"

#include <QFile>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ns::cli {

void printJson(const nlohmann::json& j) {
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
}

int fail(const QString& message) {
    std::fprintf(stderr, "neuronscope-cli: %s\n", message.toUtf8().constData());
    return 1;
}

void progressLine(const QString& line) {
    std::fprintf(stderr, "%s\n", line.toUtf8().constData());
    std::fflush(stderr);
}

Command::Command(const QString& description) {
    parser.setApplicationDescription(description);
    parser.addHelpOption();
}

void Command::addValue(const QString& name, const QString& help, const QString& valueName, const QString& def) {
    parser.addOption(QCommandLineOption(QStringList{name}, help, valueName, def));
}

void Command::addFlag(const QString& name, const QString& help) {
    parser.addOption(QCommandLineOption(QStringList{name}, help));
}

int Command::parse(const QStringList& args) {
    if (!parser.parse(args)) return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(parser.helpText().toUtf8().constData(), stdout);
        return 0;
    }
    if (!acceptsPositional && !parser.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument '%1' (see --help)").arg(parser.positionalArguments().first()));
    return -1;
}

Expected<int> parseWholeNumber(const QString& text, int min, int max, const QString& what) {
    bool ok = false;
    const qlonglong v = text.trimmed().toLongLong(&ok);  // 64 bits: nothing above 2^31 wraps into range
    if (!ok || v < min || v > max)
        return makeError(QStringLiteral("%1 must be a whole number from %2 to %3 (got '%4')").arg(what).arg(min).arg(max).arg(text));
    return static_cast<int>(v);
}

Expected<double> parseNumber(const QString& text, double min, double max, const QString& what) {
    bool ok = false;
    const double v = text.trimmed().toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < min || v > max)
        return makeError(QStringLiteral("%1 must be a number from %2 to %3 (got '%4')").arg(what).arg(min).arg(max).arg(text));
    return v;
}

Expected<int> Command::intValue(const QString& name, int min, int max) const {
    return parseWholeNumber(parser.value(name), min, max, QStringLiteral("--") + name);
}

Expected<double> Command::doubleValue(const QString& name, double min, double max) const {
    return parseNumber(parser.value(name), min, max, QStringLiteral("--") + name);
}

void addModelOption(Command& c) {
    c.addValue(QStringLiteral("model"), QStringLiteral("Model directory in Hugging Face layout (default: the embedded model)."),
               QStringLiteral("DIR"));
}

Expected<std::shared_ptr<LanguageModel>> loadModel(const Command& c) {
    const QString dir = c.isSet(QStringLiteral("model")) ? c.value(QStringLiteral("model")) : defaultModelDir();
    return LanguageModel::load(dir);
}

void addTextOptions(Command& c) {
    c.addValue(QStringLiteral("text"), QStringLiteral("The text to run."), QStringLiteral("S"));
    c.addValue(QStringLiteral("file"), QStringLiteral("A UTF-8 text file to run."), QStringLiteral("F"));
}

Expected<std::string> readTextOption(const Command& c) {
    const bool hasText = c.isSet(QStringLiteral("text")), hasFile = c.isSet(QStringLiteral("file"));
    if (hasText == hasFile) return makeError(QStringLiteral("give exactly one of --text or --file"));
    if (hasText) return c.value(QStringLiteral("text")).toStdString();
    return readFileBytes(c.value(QStringLiteral("file")));
}

Expected<std::string> readFileBytes(const QString& path) {
    auto bytes = readBoundedFile(path, kMaxTextBytes);
    if (!bytes) return Error{bytes.error()};
    return bytes->toStdString();
}

}  // namespace ns::cli
