#pragma once

#include <QStringList>

namespace ns::cli {
int runInfo(const QStringList& args);
int runTokenize(const QStringList& args);
int runActivations(const QStringList& args);
int runEval(const QStringList& args);
int runBigram(const QStringList& args);
int runTrainTokenizer(const QStringList& args);
int runTrain(const QStringList& args);
int runMine(const QStringList& args);
int runTop(const QStringList& args);
int runExplain(const QStringList& args);
int runEvaluate(const QStringList& args);
int runReport(const QStringList& args);
int runBatch(const QStringList& args);
int runMerge(const QStringList& args);
int runExport(const QStringList& args);
int runImport(const QStringList& args);
}  // namespace ns::cli
