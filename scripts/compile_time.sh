#!/usr/bin/env bash
# The query builder's compile-time budget (spec/orm.md D3): compiles
# tests/compile_time/builder20.cpp (the twelve acceptance queries and eight CRUD and eager
# calls) and baseline20.cpp (the same includes, models and statements written by hand) with
# g++ and clang++-16 at -O2, three times each, and prints the medians of CPU time
# (user + system) and peak memory, and the builder's cost over the baseline.
#
#   ./scripts/compile_time.sh            # report
#   ./scripts/compile_time.sh --check    # also fail when over budget (g++ +2.0 s, +300 MB;
#                                        # clang +2.5 s)
#
# CPU time rather than wall time: on a shared 2-core machine the wall clock measures the
# neighbours. Needs a configured build/dev (for pgpx/version.hpp).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
[ "${1:-}" = --check ] && check=true
inc=(-Iinclude -Ibuild/dev/include -Itests)
[ -f build/dev/include/pgpx/version.hpp ] || { echo "configure build/dev first (cmake --preset dev)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# median of three runs: "<cpu seconds> <peak KB>"
measure() {
  local cxx=$1 src=$2 i
  for i in 1 2 3; do
    /usr/bin/time -f '%U %S %M' -o "$out/t" "$cxx" -std=c++20 -O2 -c "${inc[@]}" "$src" -o "$out/o.o"
    awk '{printf "%.2f %d\n", $1 + $2, $3}' "$out/t"
  done | sort -n | sed -n 2p
}

status=0
for cxx in g++ clang++-16; do
  command -v "$cxx" >/dev/null || { echo "$cxx: not found" >&2; status=1; continue; }
  read -r bt bm < <(measure "$cxx" tests/compile_time/builder20.cpp)
  read -r st sm < <(measure "$cxx" tests/compile_time/baseline20.cpp)
  dt=$(awk -v a="$bt" -v b="$st" 'BEGIN {printf "%.2f", a - b}')
  dm=$(( (bm - sm) / 1024 ))
  budget=2.0
  [ "$cxx" = g++ ] || budget=2.5
  printf '%-11s builder20 %6.2f s %5d MB   baseline20 %6.2f s %5d MB   cost %+.2f s %+d MB   (budget +%s s%s)\n' \
    "$cxx" "$bt" $((bm / 1024)) "$st" $((sm / 1024)) "$dt" "$dm" "$budget" "$([ "$cxx" = g++ ] && echo ', +300 MB')"
  if $check; then
    over=$(awk -v d="$dt" -v b="$budget" 'BEGIN {print (d > b) ? 1 : 0}')
    if [ "$over" = 1 ] || { [ "$cxx" = g++ ] && [ "$dm" -gt 300 ]; }; then
      echo "$cxx: over the compile-time budget" >&2
      status=1
    fi
  fi
done
exit "$status"
