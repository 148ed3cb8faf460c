#pragma once

#include "util/expected.h"

#include <QByteArray>
#include <QString>

namespace ns {

/// Size limits on what the programs read whole (a device such as /dev/zero never ends).
constexpr qint64 kMaxConfigBytes = qint64(16) << 20;     ///< config.json, calibration specs
constexpr qint64 kMaxTokenizerBytes = qint64(64) << 20;  ///< vocab.json, merges.txt (GPT-2's: 1 MB, 0.5 MB)
constexpr qint64 kMaxTextBytes = qint64(256) << 20;      ///< texts to tokenize, import files
constexpr qint64 kMaxCorpusBytes = qint64(1) << 30;      ///< a corpus: a regular file of at most 1 GiB

/// The whole file, or an error naming it when it cannot be opened or holds more than `maxBytes`.
Expected<QByteArray> readBoundedFile(const QString& path, qint64 maxBytes);
/// An error unless `path` is a regular file of at most kMaxCorpusBytes (a corpus is read twice,
/// once for its hash and once for its text, so a pipe or a device cannot be one).
Expected<void> checkCorpusFile(const QString& path);

}  // namespace ns
