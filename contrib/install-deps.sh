#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# install-deps.sh - install what building and testing cdeadlock needs on
# Debian 12 (run as root or through sudo).  Used by the README quick start
# and by CI.  python3.11-dbg: the debug information of Debian's
# /usr/bin/python3.11, which tells a threading.Lock wait from a queue's
# (tests/integration/locks-python.sh).
set -e
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
	build-essential autoconf automake pkg-config \
	libdw-dev libelf-dev libncurses-dev check \
	libzstd-dev liblzma-dev liblz4-dev libglib2.0-dev libiberty-dev rustc zstd xz-utils lz4 \
	clang default-jdk-headless elfutils gdb tmux jq strace valgrind time procps python3 python3-jsonschema \
	musl musl-tools musl-dev python3.11-dbg >/dev/null
