// config.json on arbitrary bytes.
#include "model/model_config.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto c = ns::ModelConfig::parse(std::string(reinterpret_cast<const char*>(data), size), QStringLiteral("config.json"));
    if (c) (void)ns::ModelConfig::parse(c->toJson(), QStringLiteral("config.json"));  // what it writes, it reads
    return 0;
}
