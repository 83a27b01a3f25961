/* reader.c: a recording back into JSON objects, one per line, through libzstd's
 * streaming decoder. A bad line is skipped and named; a frame that does not decode is
 * named and the reader skips to the next zstd frame magic; a file cut inside a frame
 * (a killed recorder) gives the lines before the cut. Input is a buffer, so tests and
 * the fuzzer feed it directly. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>
#include "record.h"

#define LINE_MAX_BYTES (64u << 20)

static const uint8_t zmagic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static void warnf(struct rec_read_status *st, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void warnf(struct rec_read_status *st, const char *fmt, ...)
{
	va_list ap;

	st->nwarn_total++;
	if (st->nwarn >= REC_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(st->warn[st->nwarn++], sizeof(st->warn[0]), fmt, ap);
	va_end(ap);
}

struct lines {
	struct strbuf cur;         /* the line being assembled */
	bool overlong;             /* cur passed LINE_MAX_BYTES: skip to its newline */
	struct json_tokener *tok;
	rec_line_fn fn;
	void *ctx;
	struct rec_read_status *st;
	int stop;
};

static void one_line(struct lines *L, const char *p, size_t n)
{
	struct rec_read_status *st = L->st;
	unsigned long no = ++st->lines;
	struct json_object *o;
	enum json_tokener_error e;

	while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	if (!n) {
		st->lines--; /* an empty line is not a record; do not number it */
		return;
	}
	json_tokener_reset(L->tok);
	o = json_tokener_parse_ex(L->tok, p, (int)n);
	e = json_tokener_get_error(L->tok);
	if (e == json_tokener_continue) {
		warnf(st, "line %lu: not JSON (the line ends inside a value)", no);
		st->bad_lines++;
		json_object_put(o);
		return;
	}
	if (!o || e != json_tokener_success || (size_t)json_tokener_get_parse_end(L->tok) != n ||
	    !json_object_is_type(o, json_type_object)) {
		warnf(st, "line %lu: not a JSON object (%s)", no,
		      e != json_tokener_success ? json_tokener_error_desc(e) :
		      !o || !json_object_is_type(o, json_type_object) ? "not an object" :
		      "text after the value");
		st->bad_lines++;
		json_object_put(o);
		return;
	}
	L->stop = L->fn(L->ctx, no, o);
	json_object_put(o);
}

/* Feed decompressed text: whole lines go to one_line, the rest waits. */
static void feed(struct lines *L, const char *p, size_t n)
{
	while (n && !L->stop) {
		const char *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;

		if (L->overlong) {
			if (nl)
				L->overlong = false;
		} else if (L->cur.len + k > LINE_MAX_BYTES) {
			warnf(L->st, "line %lu: longer than %u MiB, skipped", L->st->lines + 1,
			      LINE_MAX_BYTES >> 20);
			L->st->lines++;
			L->st->bad_lines++;
			sb_reset(&L->cur);
			L->overlong = !nl;
		} else if (nl) {
			if (L->cur.len) {
				sb_add(&L->cur, p, k);
				one_line(L, L->cur.buf, L->cur.len);
				sb_reset(&L->cur);
			} else {
				one_line(L, p, k);
			}
		} else {
			sb_add(&L->cur, p, k);
		}
		if (!nl)
			break;
		p = nl + 1;
		n -= k + 1;
	}
}

/* The text cut by a frame error or the end of input: a line without its newline. */
static void cut_line(struct lines *L, const char *why)
{
	if (!L->cur.len && !L->overlong)
		return;
	L->st->lines++;
	L->st->bad_lines++;
	warnf(L->st, "line %lu: cut short (%s), skipped", L->st->lines, why);
	sb_reset(&L->cur);
	L->overlong = false;
}

static unsigned long count_nl(const char *p, size_t n)
{
	unsigned long k = 0;

	for (size_t i = 0; i < n; i++)
		k += p[i] == '\n';
	return k;
}

static size_t next_magic(const uint8_t *b, size_t len, size_t from)
{
	for (size_t i = from; i + 4 <= len; i++)
		if (!memcmp(b + i, zmagic, 4))
			return i;
	return len;
}

int rec_read_buf(const void *buf, size_t len, rec_line_fn fn, void *ctx,
		 struct rec_read_status *st)
{
	const uint8_t *b = buf;
	struct lines L = { .fn = fn, .ctx = ctx, .st = st };
	int rc;

	memset(st, 0, sizeof(*st));
	sb_init(&L.cur);
	L.tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	st->compressed = len >= 4 && !memcmp(b, zmagic, 4);
	if (!st->compressed) {
		feed(&L, buf, len);
		if (!L.stop && (L.cur.len || L.overlong)) {
			st->truncated = true;
			cut_line(&L, "the input ends without a newline");
		}
	} else {
		ZSTD_DCtx *dctx = ZSTD_createDCtx();
		size_t obufsz = ZSTD_DStreamOutSize(), frame_start = 0, ret = 0;
		char *obuf = xmalloc(obufsz);
		unsigned frame = 1;
		ZSTD_inBuffer in = { b, len, 0 };
		struct strbuf fb; /* a frame's text, fed once its checksum is verified */

		sb_init(&fb);
		while (in.pos < in.size && !L.stop) {
			ZSTD_outBuffer out = { obuf, obufsz, 0 };

			ret = ZSTD_decompressStream(dctx, &out, &in);
			if (ZSTD_isError(ret)) {
				size_t next;

				st->corrupt = true;
				/* what it decoded before the damage was seen: most likely right, but
				 * not verified; keep its whole lines, flagged (the header and the
				 * series of a first frame are worth it), drop a cut last line */
				sb_add(&fb, obuf, out.pos);
				warnf(st, "zstd frame %u at byte %zu: %s: lines %lu to %lu decoded from "
				      "it were read but may hold damaged values%s", frame, frame_start,
				      ZSTD_getErrorName(ret), st->lines + 1,
				      st->lines + count_nl(fb.buf, fb.len),
				      ZSTD_getErrorCode(ret) == ZSTD_error_checksum_wrong ? "" :
				      "; the rest of the frame is lost, skipping to the next one");
				feed(&L, fb.buf, fb.len);
				sb_reset(&fb);
				cut_line(&L, "its zstd frame is damaged");
				next = next_magic(b, len, frame_start + 1);
				ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
				in.pos = next;
				frame_start = next;
				frame++;
				ret = 0;
				continue;
			}
			if (fb.len + out.pos > ((size_t)256 << 20)) {
				/* a frame this large is not ours: feed it unverified */
				feed(&L, fb.buf, fb.len);
				sb_reset(&fb);
			}
			sb_add(&fb, obuf, out.pos);
			if (ret == 0) { /* a frame ended, its checksum verified */
				feed(&L, fb.buf, fb.len);
				sb_reset(&fb);
				st->frames++;
				frame++;
				frame_start = in.pos;
				if (in.pos < in.size && (in.size - in.pos < 4 ||
							 memcmp(b + in.pos, zmagic, 4))) {
					/* skippable frames start 0x184D2A5?; anything else is junk */
					if (!(in.size - in.pos >= 4 && (b[in.pos] & 0xf0) == 0x50 &&
					      b[in.pos + 1] == 0x2a && b[in.pos + 2] == 0x4d &&
					      b[in.pos + 3] == 0x18)) {
						size_t next = next_magic(b, len, in.pos);

						st->corrupt = true;
						warnf(st, "byte %zu: %zu bytes that are not a zstd frame "
						      "(after line %lu), skipped", in.pos, next - in.pos,
						      st->lines);
						in.pos = next;
						frame_start = next;
					}
				}
			}
		}
		/* the decoder may hold output it had no room for */
		while (!L.stop && ret != 0) {
			ZSTD_outBuffer out = { obuf, obufsz, 0 };

			ret = ZSTD_decompressStream(dctx, &out, &in);
			if (ZSTD_isError(ret) || !out.pos)
				break;
			sb_add(&fb, obuf, out.pos);
		}
		if (!L.stop && ret != 0 && !ZSTD_isError(ret)) {
			/* cut short, not damaged: what it decoded is what was written */
			st->truncated = true;
			warnf(st, "zstd frame %u at byte %zu: the file ends inside it (after line "
			      "%lu): a recorder that was killed loses its last frame", frame,
			      frame_start, st->lines);
			feed(&L, fb.buf, fb.len);
		}
		sb_release(&fb);
		if (!L.stop && (L.cur.len || L.overlong)) {
			st->truncated = true;
			cut_line(&L, "the input ends inside it");
		}
		free(obuf);
		ZSTD_freeDCtx(dctx);
	}
	json_tokener_free(L.tok);
	sb_release(&L.cur);
	if (L.stop)
		return L.stop;
	rc = st->bad_lines || st->truncated || st->corrupt;
	return rc;
}

int rec_read_file(const char *path, rec_line_fn fn, void *ctx, struct rec_read_status *st)
{
	struct strbuf sb;
	int r;

	sb_init(&sb);
	r = read_file_sb(path, &sb, (size_t)4 << 30);
	if (r) {
		sb_release(&sb);
		memset(st, 0, sizeof(*st));
		return r;
	}
	r = rec_read_buf(sb.buf, sb.len, fn, ctx, st);
	sb_release(&sb);
	return r;
}
