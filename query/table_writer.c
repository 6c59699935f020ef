/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table format: aligned columns for a person at a terminal. Streaming
 * with bounded memory: the first TABLE_SAMPLE rows are held to size the
 * columns, then printed; later rows reuse those widths (a wider cell just
 * pushes its row right). Control characters and invalid UTF-8 in stored text
 * become '?', so a crafted string cannot drive the terminal.
 */
#include "writer.h"

#include "utf8.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE_SAMPLE 256

struct table {
	size_t ncols;
	const uint8_t *cols; /* schema indexes shown */
	size_t *width;
	bool *numeric;
	char **rows[TABLE_SAMPLE];
	size_t nrows;
	bool flushed;
};

static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static char *cell_text(const struct fq_value *v)
{
	char num[24];
	switch (v->type) {
	case FQ_V_UINT:
		snprintf(num, sizeof(num), "%" PRIu64, v->u);
		return strdup(num);
	case FQ_V_INT:
		snprintf(num, sizeof(num), "%" PRId64, v->i);
		return strdup(num);
	case FQ_V_BOOL:
		return strdup(v->b ? "yes" : "no");
	case FQ_V_TEXT:
		break;
	case FQ_V_NULL:
	default:
		return strdup("-");
	}
	char *s = malloc(v->len + 1);
	if (!s)
		return NULL;
	const unsigned char *p = (const unsigned char *)v->s;
	size_t o = 0;
	for (size_t i = 0; i < v->len;) {
		size_t k = p[i] < 0x20 || p[i] == 0x7f ? 0 : fa_utf8_seq_len(p + i, v->len - i);
		if (k == 0) {
			s[o++] = '?';
			i++;
			continue;
		}
		memcpy(s + o, p + i, k);
		o += k;
		i += k;
	}
	s[o] = '\0';
	return s;
}

static void print_cell(struct fq_out *o, const char *s, size_t width, bool numeric, bool last)
{
	size_t w = text_width(s);
	size_t pad = width > w ? width - w : 0;
	if (numeric)
		for (size_t i = 0; i < pad; i++)
			fq_out_byte(o, ' ');
	fq_out_puts(o, s);
	if (last) {
		fq_out_byte(o, '\n');
		return;
	}
	if (!numeric)
		for (size_t i = 0; i < pad; i++)
			fq_out_byte(o, ' ');
	fq_out_puts(o, "  ");
}

static void free_row(char **row, size_t n)
{
	if (!row)
		return;
	for (size_t i = 0; i < n; i++)
		free(row[i]);
	free(row);
}

static void flush_sample(struct fq_writer *w)
{
	struct table *t = w->priv;
	for (size_t c = 0; c < t->ncols; c++) {
		t->width[c] = text_width(w->schema->keys[t->cols ? t->cols[c] : c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t cw = text_width(t->rows[r][c]);
			if (cw > t->width[c])
				t->width[c] = cw;
		}
	}
	for (size_t c = 0; c < t->ncols; c++)
		print_cell(w->out, w->schema->keys[t->cols ? t->cols[c] : c], t->width[c],
			   t->numeric[c], c + 1 == t->ncols);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			print_cell(w->out, t->rows[r][c], t->width[c], t->numeric[c],
				   c + 1 == t->ncols);
		free_row(t->rows[r], t->ncols);
		t->rows[r] = NULL;
	}
	t->nrows = 0;
	t->flushed = true;
}

static int table_begin(struct fq_writer *w, uint64_t count)
{
	(void)count;
	struct table *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->cols = w->schema->table_cols;
	t->ncols = t->cols ? w->schema->table_n : w->schema->n;
	t->width = calloc(t->ncols, sizeof(*t->width));
	t->numeric = calloc(t->ncols, sizeof(*t->numeric));
	w->priv = t;
	if (!t->width || !t->numeric)
		return -ENOMEM;
	return 0;
}

static int table_record(struct fq_writer *w, const struct fq_value *vals)
{
	struct table *t = w->priv;
	char **row = calloc(t->ncols, sizeof(*row));
	if (!row)
		return -ENOMEM;
	for (size_t c = 0; c < t->ncols; c++) {
		const struct fq_value *v = &vals[t->cols ? t->cols[c] : c];
		if (w->records == 0 && v->type != FQ_V_NULL)
			t->numeric[c] = v->type == FQ_V_UINT || v->type == FQ_V_INT;
		row[c] = cell_text(v);
		if (!row[c]) {
			free_row(row, t->ncols);
			return -ENOMEM;
		}
	}
	if (t->flushed) {
		for (size_t c = 0; c < t->ncols; c++)
			print_cell(w->out, row[c], t->width[c], t->numeric[c], c + 1 == t->ncols);
		free_row(row, t->ncols);
		return 0;
	}
	t->rows[t->nrows++] = row;
	if (t->nrows == TABLE_SAMPLE)
		flush_sample(w);
	return 0;
}

static int table_end(struct fq_writer *w)
{
	struct table *t = w->priv;
	if (!t->flushed)
		flush_sample(w);
	return 0;
}

static void table_destroy(struct fq_writer *w)
{
	struct table *t = w->priv;
	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		free_row(t->rows[r], t->ncols);
	free(t->width);
	free(t->numeric);
	free(t);
}

const struct fq_writer_ops fq_table_ops = {table_begin, table_record, table_end, table_destroy};
