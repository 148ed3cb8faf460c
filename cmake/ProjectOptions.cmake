# One INTERFACE target carries the language level and the Qt hygiene every target shares.
add_library(ns_options INTERFACE)
target_compile_features(ns_options INTERFACE cxx_std_17)
target_compile_definitions(ns_options INTERFACE
  QT_NO_KEYWORDS                 # Qt's `slots` macro breaks torch headers
  QT_NO_CAST_FROM_ASCII
  QT_NO_CAST_TO_ASCII
  QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_USE_QSTRINGBUILDER)
target_compile_options(ns_options INTERFACE -Wall -Wextra -Wno-unused-parameter)
set(CMAKE_CXX_EXTENSIONS OFF)
