/* text.c - the text dump (STUB: to be implemented) */
#include "config.h"

#include <errno.h>
#include <inttypes.h>

#include "render.h"

void cdl_render_opts_init(struct cdl_render_opts *o)
{
	o->group = false;
	o->addresses = true;
}

char *cdl_render_wait_object(char *buf, size_t n, const struct cdl_wait *w)
{
	snprintf(buf, n, "%s 0x%" PRIx64, cdl_wait_kind_name(w->kind), w->address);
	return buf;
}

int cdl_render_text(FILE *out, const struct cdl_snapshot *s,
		    const struct cdl_analysis *a, const struct cdl_render_opts *o)
{
	(void)a; (void)o;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cdl_thread *t = &s->threads[i];
		fprintf(out, "Thread %d \"%s\" %c\n", t->tid, t->name ? t->name : "", t->state);
		for (size_t j = 0; j < t->nframes; j++) {
			const struct cdl_frame *f = &t->frames[j];
			fprintf(out, "#%zu 0x%016" PRIx64 " in %s\n", j, f->pc, f->function ? f->function : "??");
		}
	}
	return ferror(out) ? -EIO : 0;
}
