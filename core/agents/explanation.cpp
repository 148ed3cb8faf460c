#include "agents/explanation.h"

namespace ns {

std::string ModeExplanation::identity() const {
    std::string s = text.toStdString();
    if (pattern) s += '\x1f' + patternToJson(*pattern).dump();
    return s;
}

}  // namespace ns
