#pragma once

#include <QString>

namespace ns {

/// The folder with the embedded model, corpus and prompts: $NEURONSCOPE_RESOURCES, else
/// ../share/neuronscope beside the installed program, else the source tree's resources/.
QString resourceDir();
QString defaultModelDir();
QString defaultCorpusPath();
/// The default cache file, in the user's XDG cache directory.
QString defaultCachePath();

}  // namespace ns
