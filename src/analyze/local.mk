# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LIBRARIES += src/libcdl_analyze.a
src_libcdl_analyze_a_SOURCES = \
	src/analyze/analyze.c \
	include/analyze.h
