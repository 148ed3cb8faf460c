#include "model/compute_pool.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace ns {
namespace {

class ComputePool {
public:
    // Never destroyed: its idle threads must not outlive torch's statics at exit.
    static ComputePool& instance() {
        static auto* pool = new ComputePool;
        return *pool;
    }

    void post(std::function<void()> task, int wantedThreads) {
        std::lock_guard<std::mutex> lock(m_mutex);
        while (m_threads < wantedThreads) {
            std::thread(&ComputePool::serve, this).detach();
            ++m_threads;
        }
        m_tasks.push_back(std::move(task));
        m_wake.notify_one();
    }

private:
    void serve() {
        at::get_num_threads();  // torch's per-thread set-up first: it would undo the next line
        omp_set_num_threads(1);
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_wake.wait(lock, [&] { return !m_tasks.empty(); });
                task = std::move(m_tasks.front());
                m_tasks.pop_front();
            }
            task();
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<std::function<void()>> m_tasks;
    int m_threads = 0;
};

/// One call's shared state: its next item, its first error and how many runners are left.
struct Job {
    int64_t count = 0;
    const std::function<void(int64_t)>* work = nullptr;
    std::atomic<int64_t> next{0};
    std::mutex mutex;
    std::condition_variable finished;
    int runnersLeft = 0;
    QString error;
};

}  // namespace

QString runOnSingleCoreThreads(int64_t count, int threads, const std::function<void(int64_t)>& work) {
    if (count <= 0) return {};
    auto job = std::make_shared<Job>();
    job->count = count;
    job->work = &work;
    const int runners = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(std::max(1, threads), count)));
    job->runnersLeft = runners;
    for (int r = 0; r < runners; ++r)
        ComputePool::instance().post(
            [job] {
                QString error;
                try {
                    c10::InferenceMode inference;
                    for (int64_t i; (i = job->next++) < job->count;) (*job->work)(i);
                } catch (const std::exception& e) {
                    error = QString::fromUtf8(e.what()).section(QLatin1Char('\n'), 0, 0);
                    job->next = job->count;
                }
                std::lock_guard<std::mutex> lock(job->mutex);
                if (job->error.isEmpty()) job->error = error;
                if (--job->runnersLeft == 0) job->finished.notify_all();
            },
            runners);
    std::unique_lock<std::mutex> lock(job->mutex);
    job->finished.wait(lock, [&] { return job->runnersLeft == 0; });
    return job->error;
}

}  // namespace ns
