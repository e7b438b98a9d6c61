noinst_LIBRARIES += src/libcdl_libc.a
src_libcdl_libc_a_SOURCES = \
	src/libc/glibc.c \
	include/libc.h
