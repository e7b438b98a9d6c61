# SPDX-License-Identifier: GPL-2.0-or-later
noinst_LIBRARIES += src/libcdl_model.a
src_libcdl_model_a_SOURCES = \
	src/model/snapshot.c \
	src/model/memimg.c \
	src/model/rawcap.c \
	src/model/perfmap.c \
	src/model/sorted.c \
	src/model/diag.c \
	src/model/grow.c \
	src/model/utf8.c \
	src/model/load.c \
	src/model/jsontree.c \
	src/model/jsontree.h \
	include/snapshot.h include/memimg.h include/diag.h include/load.h include/utf8.h include/grow.h \
	include/rawcap.h include/sorted.h
