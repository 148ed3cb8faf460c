#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) and
# runs each for NS_FUZZ_SECONDS (default 50) from the seed corpora in tests/fuzz/corpus.
#   bash tests/fuzz/run.sh                       # CI: 50 s per target, under 8 minutes with the build
#   NS_FUZZ_SECONDS=3600 bash tests/fuzz/run.sh  # longer, for people
#   bash tests/fuzz/run.sh fuzz_encode           # one target
# New inputs libFuzzer finds stay in build-fuzz/corpus (the seeds in the repo are not touched);
# a crash, sanitizer report, hang (over 30 s per input: every input takes milliseconds, and CI
# machines are shared) or leak fails the run and leaves the
# input as build-fuzz/artifacts/<target>/crash-* (or timeout-*, leak-*, oom-*).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${NS_FUZZ_SECONDS:-50}"
build="${NS_FUZZ_BUILD:-build-fuzz}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_safetensors fuzz_config fuzz_tokenizer_files fuzz_encode fuzz_calibration fuzz_import)

if ! command -v clang++ >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "fuzz: installing clang (libFuzzer)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q clang >/dev/null
  else
    echo "fuzz: clang++ is missing; install it (apt-get install clang)" >&2
    exit 1
  fi
fi
cmake -S tests/fuzz -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/${t#fuzz_}"
  work="$build/corpus/$t"
  artifacts="$build/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  echo "fuzz: $t for ${seconds}s"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       QT_LOGGING_RULES="*.warning=false" \
       "$build/$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "$seeds" 2>"$build/$t.log"; then
    # libFuzzer's timeout is wall-clock: a paused or overloaded machine can trip it. A timeout
    # counts only if the input is slow again when run alone.
    if ls "$artifacts"/timeout-* >/dev/null 2>&1 && ! ls "$artifacts" | grep -qv '^timeout-' &&
       "$build/$t" -timeout=30 "$artifacts"/timeout-* >>"$build/$t.log" 2>&1; then
      echo "fuzz: $t: a timeout that did not recur when its input ran alone (the machine stalled); not a finding"
      mkdir -p "$build/stalls" && mv "$artifacts"/timeout-* "$build/stalls/"
      continue
    fi
    echo "fuzz: $t FAILED; the log is $build/$t.log and the input is in $artifacts" >&2
    tail -40 "$build/$t.log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/$t.log" | tail -2
  fi
done
exit $status
