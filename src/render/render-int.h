/* render-int.h - helpers shared by the files of the render layer.
 * Not installed; only src/render includes it. */
#ifndef CDL_RENDER_INT_H
#define CDL_RENDER_INT_H

#include <stdio.h>

/* Write s as a JSON string literal ("null" for NULL): quotes, backslash
 * and control characters escaped, bytes that are not UTF-8 written as
 * \ufffd. */
void cdl_json_string(FILE *out, const char *s);

#endif
