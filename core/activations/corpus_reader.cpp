#include "activations/corpus_reader.h"

#include "util/bounded_read.h"

#include <QCryptographicHash>

namespace ns {

Expected<std::unique_ptr<CorpusReader>> CorpusReader::open(const QString& path) {
    if (auto ok = checkCorpusFile(path); !ok) return Error{ok.error()};
    std::unique_ptr<CorpusReader> r(new CorpusReader(path));
    if (!r->m_file.open(QIODevice::ReadOnly))
        return makeError(QStringLiteral("%1: cannot open the corpus: %2").arg(path, r->m_file.errorString()));
    r->m_size = r->m_file.size();
    return r;
}

bool CorpusReader::next(std::string* doc) {
    doc->clear();
    bool any = false;
    while (!m_file.atEnd()) {
        const qint64 at = m_file.pos();
        const QByteArray line = m_file.readLine();
        any = true;
        if (line == "<|endoftext|>\n" || line == "<|endoftext|>" || line == "<|endoftext|>\r\n") {
            if (doc->empty()) continue;  // empty documents are skipped
            ++m_index;
            return true;
        }
        if (doc->empty()) m_start = at;
        doc->append(line.constData(), static_cast<size_t>(line.size()));
    }
    if (!any || doc->empty()) return false;
    ++m_index;
    return true;
}

bool CorpusReader::seekDocument(qint64 start, int64_t index) {
    if (start < 0 || start > m_size || index < 0 || !m_file.seek(start)) return false;
    m_index = index - 1;
    return true;
}

Expected<QString> hashFile(const QString& path) {
    if (auto ok = checkCorpusFile(path); !ok) return Error{ok.error()};
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return makeError(QStringLiteral("%1: cannot open: %2").arg(path, f.errorString()));
    QCryptographicHash h(QCryptographicHash::Sha256);
    if (!h.addData(&f)) return makeError(QStringLiteral("%1: cannot read").arg(path));
    return QString::fromLatin1(h.result().toHex());
}

}  // namespace ns
