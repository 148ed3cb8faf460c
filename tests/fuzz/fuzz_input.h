#pragma once

// Shared by the fuzz targets: the readers under test take file names, so each input is
// written to a temporary file first.

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QString>

#include <cstddef>
#include <cstdint>
#include <unistd.h>
#include <vector>

namespace fuzz {

inline QString writeInput(const char* name, const uint8_t* data, size_t size) {
    const QString path = QDir::temp().filePath(QStringLiteral("neuronscope-fuzz-%1-%2").arg(QLatin1String(name)).arg(getpid()));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly | QIODevice::Truncate)) f.write(reinterpret_cast<const char*>(data), static_cast<qint64>(size));
    return path;
}

/// Splits an input at the first occurrences of "\n====\n" into up to `n` parts.
inline std::vector<QByteArray> splitInput(const uint8_t* data, size_t size, int n) {
    const QByteArray all(reinterpret_cast<const char*>(data), static_cast<qsizetype>(size));
    std::vector<QByteArray> parts;
    qsizetype from = 0;
    while (static_cast<int>(parts.size()) + 1 < n) {
        const qsizetype at = all.indexOf("\n====\n", from);
        if (at < 0) break;
        parts.push_back(all.mid(from, at - from));
        from = at + 6;
    }
    parts.push_back(all.mid(from));
    while (static_cast<int>(parts.size()) < n) parts.emplace_back();
    return parts;
}

}  // namespace fuzz
