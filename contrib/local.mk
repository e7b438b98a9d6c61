# SPDX-License-Identifier: GPL-2.0-or-later
noinst_PROGRAMS += contrib/deadlock-demo
contrib_deadlock_demo_SOURCES = contrib/deadlock-demo.c
contrib_deadlock_demo_LDADD = -lpthread
EXTRA_DIST += contrib/run-demo.sh contrib/install-deps.sh
## bash completion (installed as .../bash-completion/completions/cdeadlock)
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = contrib/bash-completion/cdeadlock
