#include "model/safetensors.h"

#include "model/half_float.h"
#include "text/utf8.h"

#include <QFile>
#include <QSaveFile>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace ns {

const char* dtypeName(DType d) {
    switch (d) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    }
    return "?";
}

int dtypeSize(DType d) { return d == DType::F32 ? 4 : 2; }

int64_t TensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

Expected<SafetensorsFile> SafetensorsFile::open(const QString& path) {
    SafetensorsFile st;
    st.m_path = path;
    st.m_file = std::make_shared<QFile>(path);
    auto fail = [&](const QString& what) { return makeError(QStringLiteral("%1: %2").arg(path, what)); };
    if (!st.m_file->open(QIODevice::ReadOnly)) return fail(QStringLiteral("cannot open: ") + st.m_file->errorString());
    const qint64 fileSize = st.m_file->size();
    if (fileSize < 8) return fail(QStringLiteral("truncated: %1 bytes, less than the 8-byte header length").arg(fileSize));
    const uchar* base = st.m_file->map(0, fileSize);
    if (!base) return fail(QStringLiteral("cannot map the file into memory"));
    uint64_t headerLen = 0;
    for (int i = 7; i >= 0; --i) headerLen = (headerLen << 8) | base[i];
    if (headerLen > static_cast<uint64_t>(fileSize - 8))
        return fail(QStringLiteral("truncated: the header claims %1 bytes but only %2 follow").arg(headerLen).arg(fileSize - 8));
    const uint64_t dataSize = static_cast<uint64_t>(fileSize) - 8 - headerLen;
    st.m_data = base + 8 + headerLen;

    nlohmann::json header;
    try {
        header = nlohmann::json::parse(base + 8, base + 8 + headerLen);
    } catch (const std::exception& e) {
        return fail(QStringLiteral("the header is not valid JSON (%1)").arg(QString::fromUtf8(e.what())));
    }
    if (!header.is_object()) return fail(QStringLiteral("the header is not a JSON object"));

    for (const auto& [name, entry] : header.items()) {
        const QString tname = toDisplayText(name);
        if (name == "__metadata__") {
            if (!entry.is_object()) return fail(QStringLiteral("__metadata__ is not an object"));
            for (const auto& [k, v] : entry.items())
                st.m_metadata[k] = v.is_string() ? v.get<std::string>() : v.dump();
            continue;
        }
        auto bad = [&](const QString& what) { return fail(QStringLiteral("tensor '%1': %2").arg(tname, what)); };
        if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets"))
            return bad(QStringLiteral("needs dtype, shape and data_offsets"));
        TensorInfo t;
        t.name = name;
        const auto& dt = entry["dtype"];
        if (dt == "F32") t.dtype = DType::F32;
        else if (dt == "F16") t.dtype = DType::F16;
        else if (dt == "BF16") t.dtype = DType::BF16;
        else return bad(QStringLiteral("dtype %1 is not supported (F32, F16 or BF16)").arg(QString::fromStdString(dt.dump())));
        if (!entry["shape"].is_array()) return bad(QStringLiteral("shape is not an array"));
        // The element count is checked before each multiplication, so it can never wrap.
        constexpr uint64_t kMaxElements = uint64_t(1) << 40;
        uint64_t numel = 1;
        bool tooLarge = false;
        for (const auto& d : entry["shape"]) {
            if (!d.is_number_unsigned() || d.get<uint64_t>() > kMaxElements)
                return bad(QStringLiteral("shape %1 is not a list of sizes").arg(QString::fromStdString(entry["shape"].dump())));
            const uint64_t size = d.get<uint64_t>();
            t.shape.push_back(static_cast<int64_t>(size));
            if (size != 0 && numel > kMaxElements / size) tooLarge = true;
            else numel *= size;
        }
        if (tooLarge && numel != 0)  // a zero anywhere in the shape makes it empty, whatever the rest
            return bad(QStringLiteral("shape %1 holds more than 2^40 elements").arg(QString::fromStdString(entry["shape"].dump())));
        if (tooLarge) numel = 0;
        const auto& off = entry["data_offsets"];
        if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            return bad(QStringLiteral("data_offsets must be two non-negative integers"));
        t.begin = off[0].get<uint64_t>();
        t.end = off[1].get<uint64_t>();
        if (t.begin > t.end) return bad(QStringLiteral("data_offsets [%1, %2] run backwards").arg(t.begin).arg(t.end));
        if (t.end > dataSize)
            return bad(QStringLiteral("data_offsets end %1 is past the end of the data (%2 bytes); the file is truncated or lies")
                           .arg(t.end).arg(dataSize));
        if (t.end - t.begin != numel * dtypeSize(t.dtype))
            return bad(QStringLiteral("holds %1 bytes but shape %2 of %3 needs %4")
                           .arg(t.end - t.begin).arg(QString::fromStdString(entry["shape"].dump()),
                                                     QString::fromLatin1(dtypeName(t.dtype)))
                           .arg(numel * dtypeSize(t.dtype)));
        st.m_tensors.push_back(std::move(t));
    }
    // Empty tensors occupy no bytes; among the others, each must start at or after the end of
    // every tensor before it (the furthest end so far, not just the neighbour's).
    std::vector<const TensorInfo*> byOffset;
    for (const auto& t : st.m_tensors)
        if (t.end > t.begin) byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
    const TensorInfo* furthest = nullptr;
    for (const TensorInfo* t : byOffset) {
        if (furthest && t->begin < furthest->end)
            return fail(QStringLiteral("tensors '%1' and '%2' overlap in the data section")
                            .arg(toDisplayText(furthest->name), toDisplayText(t->name)));
        if (!furthest || t->end > furthest->end) furthest = t;
    }
    return st;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    for (const auto& t : m_tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<float> SafetensorsFile::toFloat(const TensorInfo& t) const {
    std::vector<float> out(static_cast<size_t>(t.numel()));
    if (out.empty()) return out;  // an empty tensor has no bytes to copy (and data() may be null)
    const unsigned char* p = m_data + t.begin;
    if (t.dtype == DType::F32) {
        std::memcpy(out.data(), p, out.size() * 4);
        return out;
    }
    for (size_t i = 0; i < out.size(); ++i) {
        const uint16_t v = static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
        out[i] = t.dtype == DType::F16 ? halfToFloat(v) : bfloat16ToFloat(v);
    }
    return out;
}

Expected<void> writeSafetensors(const QString& path, const std::vector<TensorToWrite>& tensors,
                                const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header;
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& t : tensors) {
        int64_t n = 1;
        for (auto s : t.shape) n *= s;
        const uint64_t bytes = static_cast<uint64_t>(n) * dtypeSize(t.dtype);
        header[t.name] = {{"dtype", dtypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string h = header.dump();
    while ((h.size() + 8) % 8) h.push_back(' ');  // keeps the data 8-byte aligned
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) return makeError(QStringLiteral("%1: cannot write: %2").arg(path, f.errorString()));
    char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<char>((uint64_t(h.size()) >> (8 * i)) & 0xFF);
    f.write(len, 8);
    f.write(h.data(), static_cast<qint64>(h.size()));
    for (const auto& t : tensors) {
        int64_t n = 1;
        for (auto s : t.shape) n *= s;
        if (t.dtype == DType::F32) {
            f.write(reinterpret_cast<const char*>(t.values), n * 4);
            continue;
        }
        std::vector<uint16_t> buf(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
            buf[i] = t.dtype == DType::F16 ? floatToHalf(t.values[i]) : floatToBfloat16(t.values[i]);
        f.write(reinterpret_cast<const char*>(buf.data()), n * 2);  // little-endian host
    }
    if (!f.commit()) return makeError(QStringLiteral("%1: cannot write: %2").arg(path, f.errorString()));
    return {};
}

}  // namespace ns
