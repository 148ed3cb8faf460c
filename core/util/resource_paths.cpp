#include "util/resource_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QStandardPaths>

namespace ns {

QString resourceDir() {
    const QString env = qEnvironmentVariable("NEURONSCOPE_RESOURCES");
    if (!env.isEmpty()) return env;
    if (QCoreApplication::instance()) {
        const QDir installed(QCoreApplication::applicationDirPath() + QStringLiteral("/../share/neuronscope"));
        if (installed.exists(QStringLiteral("model/config.json"))) return installed.absolutePath();
    }
    return QStringLiteral(NEURONSCOPE_SOURCE_RESOURCES);
}

QString defaultModelDir() { return resourceDir() + QStringLiteral("/model"); }
QString defaultCorpusPath() { return resourceDir() + QStringLiteral("/corpus/corpus.txt"); }

QString defaultCachePath() {
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericCacheLocation);
    if (base.isEmpty()) base = QDir::homePath() + QStringLiteral("/.cache");
    return base + QStringLiteral("/neuronscope/cache.sqlite");
}

}  // namespace ns
