#!/usr/bin/env bash
# Builds the request fuzzer with clang's libFuzzer (and ASan, UBSan) and runs it for a bounded
# time from the seed corpus. Exit status: libFuzzer's (non-zero on a crash, a leak, or UB).
#   tests/fuzz/run.sh [SOURCE_DIR] [BUILD_DIR] [SECONDS]
set -euo pipefail
src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
out=${2:-$src/build/fuzz}
seconds=${3:-20}
mkdir -p "$out/corpus"
bin="$out/request_fuzz"
if [ ! -x "$bin" ] || [ "$src/tests/fuzz/request_fuzz.cpp" -nt "$bin" ] ||
   [ "$src/adapters/http/src/parse.cpp" -nt "$bin" ]; then
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DBOOST_URL_NO_LIB -I"$src/adapters/http/include" -I"$src/engine/include" \
    "$src/tests/fuzz/request_fuzz.cpp" "$src/adapters/http/src/parse.cpp" \
    -lboost_url -o "$bin"
fi
cp -n "$src"/tests/fuzz/corpus/* "$out/corpus/" 2>/dev/null || true
"$bin" -artifact_prefix="$out/" -max_total_time="$seconds" -max_len=8192 -timeout=5 -print_final_stats=1 \
  -dict="$src/tests/fuzz/http.dict" "$out/corpus" 2>&1 | tail -n 12
