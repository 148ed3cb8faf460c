#pragma once

#include "util/expected.h"

#include <QCommandLineParser>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <memory>

namespace ns {
class Backend;
class LanguageModel;
class TokenTable;

namespace cli {

/// Prints `j` on stdout as one JSON document (invalid UTF-8 can never reach it, but is replaced
/// rather than thrown on if it did).
void printJson(const nlohmann::json& j);
/// Prints "neuronscope-cli: message" on stderr and returns the exit status 1.
int fail(const QString& message);
void progressLine(const QString& line);
/// Exit status of a command whose result is partial (a failing LLM server cut a run short).
constexpr int kExitPartial = 3;

/// A parser with --help and the command's description; parses `args` or returns an exit code.
struct Command {
    QCommandLineParser parser;
    bool acceptsPositional = false;  ///< commands that take file names after the options
    explicit Command(const QString& description);
    void addValue(const QString& name, const QString& help, const QString& valueName, const QString& def = {});
    void addFlag(const QString& name, const QString& help);
    /// -1 when parsing succeeded, else the exit status to return (help printed or error).
    int parse(const QStringList& args);
    QString value(const QString& name) const { return parser.value(name); }
    bool isSet(const QString& name) const { return parser.isSet(name); }
    Expected<int> intValue(const QString& name, int min, int max) const;
    /// A number from `min` to `max` (finite), or an error naming the option and the range.
    Expected<double> doubleValue(const QString& name, double min, double max) const;
};

/// `text` as a whole number from `min` to `max`; the error names `what` (an option) and the range.
Expected<int> parseWholeNumber(const QString& text, int min, int max, const QString& what);
/// `text` as a finite number from `min` to `max`.
Expected<double> parseNumber(const QString& text, double min, double max, const QString& what);

/// --model DIR (default: the embedded model).
void addModelOption(Command& c);
Expected<std::shared_ptr<LanguageModel>> loadModel(const Command& c);
/// Reads --text S or --file F as UTF-8 bytes.
void addTextOptions(Command& c);
Expected<std::string> readTextOption(const Command& c);
/// A whole file's bytes, or an error naming it.
Expected<std::string> readFileBytes(const QString& path);

/// --backend and the LLM server options; the backend they describe.
void addLlmOptions(Command& c);
Expected<std::unique_ptr<Backend>> makeBackend(const Command& c, std::shared_ptr<const TokenTable> table);

}  // namespace cli
}  // namespace ns
