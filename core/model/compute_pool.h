#pragma once

#include <QString>

#include <cstdint>
#include <functional>

namespace ns {

/// Runs work(0) .. work(count - 1) on up to `threads` long-lived threads of one process-wide
/// pool, each computing on one core (OpenMP and so OpenBLAS and torch's parallel loops set to
/// one thread), and waits for them. A single-threaded GEMM gives the same bits whatever the
/// number of threads; a multi-threaded OpenBLAS GEMM does not (its Haswell and Zen kernels
/// round differently with the thread count). The threads live on, so each keeps its malloc
/// arena and torch's per-thread state instead of faulting fresh pages in at every call.
/// Several callers may run at once. Returns the first exception's message, or an empty string.
QString runOnSingleCoreThreads(int64_t count, int threads, const std::function<void(int64_t)>& work);

}  // namespace ns
