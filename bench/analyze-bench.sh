#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# analyze-bench.sh - time the wait-for analysis on a synthetic snapshot of
# 10,000 threads in long chains (issue #3: well under 50 ms).
# Run from a build directory: sh $srcdir/bench/analyze-bench.sh [NTHREADS]
set -e
make -s bench/analyze-bench >/dev/null
for n in ${1:-1000 10000 100000}; do
	./bench/analyze-bench "$n" 50
done
