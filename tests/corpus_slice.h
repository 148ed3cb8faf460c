#pragma once

#include <QFile>
#include <QString>
#include <QTemporaryDir>

/// Writes the first `bytes` of the embedded corpus (then `extra`) into `dir` and returns the
/// path: the small corpora the tests mine and train on.
inline QString writeCorpusSlice(const QTemporaryDir& dir, qint64 bytes, const QByteArray& extra = {},
                                const QString& name = QStringLiteral("corpus.txt")) {
    QFile src(QStringLiteral(NS_RESOURCE_DIR "/corpus/corpus.txt"));
    if (!src.open(QIODevice::ReadOnly)) return {};
    const QString path = dir.filePath(name);
    QFile dst(path);
    if (!dst.open(QIODevice::WriteOnly)) return {};
    dst.write(src.read(bytes) + extra);
    return path;
}
