noinst_LIBRARIES += src/libcdl_collect.a
src_libcdl_collect_a_SOURCES = \
	src/collect/collect.c \
	src/collect/proc.c \
	src/collect/proc.h \
	src/collect/unwind.c \
	src/collect/unwind-int.h \
	src/collect/symdata.c \
	src/collect/symname.c \
	src/collect/symtail.c \
	src/collect/carryfile.c \
	src/collect/carryfile.h \
	src/collect/collect-int.h \
	src/arch/x86_64.c \
	include/collect.h
src_libcdl_collect_a_CFLAGS = $(AM_CFLAGS) $(DW_CFLAGS) $(ELF_CFLAGS)
