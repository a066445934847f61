// SPDX-License-Identifier: MIT
/*
 * Aligned text tables: cells are collected first, then every column is as
 * wide as its widest cell, text left-aligned and numbers right-aligned.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_daemon.h"

void ctl_table_init(struct ctl_table *t, const char *align,
                    const char *const *headers)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = (unsigned)strlen(align);
	if (t->ncols > CTL_TABLE_MAX_COLS)
		t->ncols = CTL_TABLE_MAX_COLS;
	for (unsigned c = 0; c < t->ncols; c++)
		ctl_table_cell(t, "%s", headers[c]);
}

void ctl_table_cell(struct ctl_table *t, const char *fmt, ...)
{
	va_list ap;
	char *cell;

	if (t->ncells == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : t->ncols * 8;
		char **cells = realloc(t->cells, cap * sizeof(*cells));

		if (!cells)
			return;
		t->cells = cells;
		t->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&cell, fmt, ap) < 0)
		cell = NULL;
	va_end(ap);
	t->cells[t->ncells++] = cell ? cell : strdup("?");
}

void ctl_table_print(const struct ctl_table *t, FILE *out)
{
	size_t width[CTL_TABLE_MAX_COLS] = {0};
	unsigned nrows = t->ncols ? t->ncells / t->ncols : 0;

	for (unsigned r = 0; r < nrows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			size_t w = strlen(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (unsigned r = 0; r < nrows; r++) {
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (t->align[c] == 'r')
				fprintf(out, "%*s", (int)width[c], cell);
			else if (last)
				fputs(cell, out);
			else
				fprintf(out, "%-*s", (int)width[c], cell);
			fputs(last ? "\n" : "  ", out);
		}
	}
}

void ctl_table_free(struct ctl_table *t)
{
	for (unsigned i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
