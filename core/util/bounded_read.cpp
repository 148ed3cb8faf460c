#include "util/bounded_read.h"

#include <QFile>
#include <QFileInfo>

namespace ns {
namespace {

QString sizeText(qint64 bytes) {
    return bytes >= (qint64(1) << 30) ? QStringLiteral("%1 GiB").arg(bytes >> 30) : QStringLiteral("%1 MiB").arg(bytes >> 20);
}

}  // namespace

Expected<QByteArray> readBoundedFile(const QString& path, qint64 maxBytes) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return makeError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    auto tooLarge = [&] {
        return makeError(QStringLiteral("%1: larger than the limit of %2 for this kind of file").arg(path, sizeText(maxBytes)));
    };
    QByteArray bytes;
    if (!f.isSequential()) {
        if (f.size() > maxBytes) return tooLarge();
        bytes = f.readAll();
    } else {  // a pipe or a device: read in blocks until the end or the limit
        for (;;) {
            const QByteArray block = f.read(64 * 1024);
            if (block.isEmpty()) break;
            bytes += block;
            if (bytes.size() > maxBytes) return tooLarge();
        }
    }
    if (f.error() != QFileDevice::NoError) return makeError(QStringLiteral("%1: cannot read: %2").arg(path, f.errorString()));
    return bytes;
}

Expected<void> checkCorpusFile(const QString& path) {
    const QFileInfo info(path);
    if (!info.exists()) return makeError(QStringLiteral("%1: cannot open the corpus: no such file").arg(path));
    if (!info.isFile())  // follows symbolic links
        return makeError(QStringLiteral("%1: the corpus must be a regular file (it is read twice: for its hash and its text)").arg(path));
    if (info.size() > kMaxCorpusBytes)
        return makeError(QStringLiteral("%1: the corpus holds %2 bytes, more than the limit of %3")
                             .arg(path).arg(info.size()).arg(sizeText(kMaxCorpusBytes)));
    return {};
}

}  // namespace ns
