#pragma once

// QCustomPlot's header uses Qt's keyword macros, which the project switches off (QT_NO_KEYWORDS
// keeps them out of torch's headers). Include it through this file only.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
