#include "store/record_codec.h"

#include <QDataStream>
#include <QIODevice>

namespace ns {
namespace {

constexpr quint32 kMagic = 0x4E535231;  // "NSR1"
constexpr quint16 kVersion = 1;

void writeExemplars(QDataStream& s, const std::vector<Exemplar>& v) {
    s << quint32(v.size());
    for (const auto& e : v) {
        s << qint64(e.window->id) << qint64(e.window->document) << qint64(e.window->offset);
        s << quint32(e.window->tokens.size());
        for (int t : e.window->tokens) s << qint32(t);
        for (float a : e.activations) s << a;
        s << e.max << qint32(e.maxIndex);
    }
}

bool readExemplars(QDataStream& s, std::vector<Exemplar>* v) {
    quint32 n = 0;
    s >> n;
    if (s.status() != QDataStream::Ok || n > 1000000) return false;
    v->resize(n);
    for (auto& e : *v) {
        auto w = std::make_shared<TokenWindow>();
        qint64 id, doc, off;
        quint32 len;
        s >> id >> doc >> off >> len;
        if (s.status() != QDataStream::Ok || len > 1000000) return false;
        w->id = id;
        w->document = doc;
        w->offset = off;
        w->tokens.resize(len);
        for (auto& t : w->tokens) {
            qint32 x;
            s >> x;
            t = x;
        }
        e.activations.resize(len);
        for (auto& a : e.activations) s >> a;
        qint32 mi;
        s >> e.max >> mi;
        e.maxIndex = mi;
        e.window = std::move(w);
        if (s.status() != QDataStream::Ok) return false;
    }
    return true;
}

}  // namespace

QByteArray encodeRecord(const NeuronRecord& r) {
    QByteArray raw;
    QDataStream s(&raw, QIODevice::WriteOnly);
    s.setVersion(QDataStream::Qt_6_0);
    s.setFloatingPointPrecision(QDataStream::SinglePrecision);
    s << kMagic << kVersion << qint32(r.layer) << qint32(r.neuron);
    s << qint64(r.stats.tokens) << r.stats.mean << r.stats.std << r.stats.min << r.stats.max << r.stats.firingRate;
    s << quint32(r.histogram.counts.size());
    for (double e : r.histogram.edges) s << e;
    for (int64_t c : r.histogram.counts) s << qint64(c);
    writeExemplars(s, r.top);
    s << quint32(r.quantiles.size());
    for (const auto& q : r.quantiles) {
        s << q.low << q.high << qint64(q.population);
        writeExemplars(s, q.exemplars);
    }
    writeExemplars(s, r.random);
    return qCompress(raw, 1);  // level 6 took four times as long for a file 12% smaller
}

Expected<NeuronRecord> decodeRecord(const QByteArray& blob) {
    const QByteArray raw = qUncompress(blob);
    if (raw.isEmpty()) return makeError(QStringLiteral("a cached neuron record does not decompress"));
    QDataStream s(raw);
    s.setVersion(QDataStream::Qt_6_0);
    s.setFloatingPointPrecision(QDataStream::SinglePrecision);
    quint32 magic = 0;
    quint16 version = 0;
    s >> magic >> version;
    if (magic != kMagic || version != kVersion) return makeError(QStringLiteral("a cached neuron record has an unknown format"));
    NeuronRecord r;
    qint32 layer, neuron;
    qint64 tokens;
    s >> layer >> neuron >> tokens >> r.stats.mean >> r.stats.std >> r.stats.min >> r.stats.max >> r.stats.firingRate;
    r.layer = layer;
    r.neuron = neuron;
    r.stats.tokens = tokens;
    quint32 bins = 0;
    s >> bins;
    if (s.status() != QDataStream::Ok || bins > 100000) return makeError(QStringLiteral("a cached neuron record is damaged"));
    r.histogram.edges.resize(bins + 1);
    r.histogram.counts.resize(bins);
    for (auto& e : r.histogram.edges) s >> e;
    for (auto& c : r.histogram.counts) {
        qint64 x;
        s >> x;
        c = x;
    }
    bool ok = readExemplars(s, &r.top);
    quint32 nq = 0;
    s >> nq;
    ok = ok && s.status() == QDataStream::Ok && nq < 100000;
    if (ok) {
        r.quantiles.resize(nq);
        for (auto& q : r.quantiles) {
            qint64 pop;
            s >> q.low >> q.high >> pop;
            q.population = pop;
            ok = ok && readExemplars(s, &q.exemplars);
        }
    }
    ok = ok && readExemplars(s, &r.random);
    if (!ok || s.status() != QDataStream::Ok) return makeError(QStringLiteral("a cached neuron record is damaged"));
    return r;
}

}  // namespace ns
