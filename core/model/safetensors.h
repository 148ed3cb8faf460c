#pragma once

#include "util/expected.h"

#include <QString>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

class QFile;

namespace ns {

enum class DType { F32, F16, BF16 };

const char* dtypeName(DType d);
int dtypeSize(DType d);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<int64_t> shape;
    uint64_t begin = 0;  ///< offsets into the data section
    uint64_t end = 0;
    int64_t numel() const;
};

/// A memory-mapped safetensors file whose header has been checked against the file size:
/// every dtype, shape and data_offsets range is valid and no two tensors overlap, before
/// any tensor is read.
class SafetensorsFile {
public:
    static Expected<SafetensorsFile> open(const QString& path);

    const QString& path() const { return m_path; }
    const std::vector<TensorInfo>& tensors() const { return m_tensors; }
    const TensorInfo* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }

    /// The tensor as float32 values (F16 and BF16 are converted).
    std::vector<float> toFloat(const TensorInfo& t) const;

private:
    QString m_path;
    std::shared_ptr<QFile> m_file;
    const unsigned char* m_data = nullptr;
    std::vector<TensorInfo> m_tensors;
    std::map<std::string, std::string> m_metadata;
};

struct TensorToWrite {
    std::string name;
    std::vector<int64_t> shape;
    const float* values = nullptr;  ///< numel() floats, converted to `dtype` on write
    DType dtype = DType::F32;
};

/// Writes a safetensors file atomically (a temporary file renamed into place).
Expected<void> writeSafetensors(const QString& path, const std::vector<TensorToWrite>& tensors,
                                const std::map<std::string, std::string>& metadata = {});

}  // namespace ns
