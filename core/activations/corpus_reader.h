#pragma once

#include "tokenizer/bpe_tokenizer.h"
#include "util/expected.h"

#include <QFile>
#include <QString>

#include <memory>
#include <string>

namespace ns {

/// Streams a corpus file document by document: documents are separated by a line holding only
/// <|endoftext|> (a file without separators is one document). Never holds the whole file.
/// The corpus must be a regular file of at most kMaxCorpusBytes (util/bounded_read.h).
class CorpusReader {
public:
    static Expected<std::unique_ptr<CorpusReader>> open(const QString& path);

    /// The next document's text, or false at the end.
    bool next(std::string* document);
    int64_t documentIndex() const { return m_index; }  ///< of the last document returned
    qint64 documentStart() const { return m_start; }   ///< byte offset of the last document returned
    /// Goes to a document whose start and index an earlier pass gave (documentStart(),
    /// documentIndex()): the next call of next() returns it, without reading what comes before.
    bool seekDocument(qint64 start, int64_t index);
    qint64 bytesRead() const { return m_file.pos(); }
    qint64 totalBytes() const { return m_size; }

private:
    explicit CorpusReader(const QString& path) : m_file(path) {}
    QFile m_file;
    qint64 m_size = 0;
    int64_t m_index = -1;
    qint64 m_start = 0;
};

/// SHA-256 of a corpus file's bytes (hex), read in blocks; the file must pass checkCorpusFile.
Expected<QString> hashFile(const QString& path);

}  // namespace ns
