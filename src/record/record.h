/* record.h: the flight recorder's file (docs/record-format.md): JSON lines compressed
 * with zstd, one frame every few samples so that a killed recorder loses at most the
 * last frame. The writer turns snapshots and their deltas into lines; the reader turns
 * a file (or a buffer: tests, fuzzing) back into parsed lines, saying which line or
 * which zstd frame was bad and going on with what it can read; the model (model.c)
 * gathers those lines into what the report draws. No kernel access here. */
#ifndef DPTUNE_RECORD_H
#define DPTUNE_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../model/delta.h"

#define REC_FORMAT "dptune-record"
#define REC_VERSION 1

/* ---- writer ------------------------------------------------------------------------- */

struct rec_writer_opts {
	const char *path;
	double interval;         /* seconds between samples (for the header) */
	uint64_t max_size;       /* bytes on disk before rotating to path.1 (0: no cap) */
	unsigned frame_samples;  /* samples per zstd frame (>= 1) */
	int level;               /* zstd level */
	const char *netns, *dev; /* filters (comma lists) or NULL */
	unsigned layer_mask;     /* bit per enum dp_layer; 0 = all */
	const struct snapshot *first; /* the snapshot time 0 is taken from (the first one
				       * passed as prev), or NULL: now */
};

struct rec_writer;

/* Create path (truncating it) and write the header line. NULL with err[] set on failure. */
struct rec_writer *rec_writer_open(const struct rec_writer_opts *o, char *err, size_t n);
/* One interval: prev is the snapshot before, cur the one after, d their delta. The first
 * call of a file (and the first after a rotation) also writes the base values of prev,
 * every knob and the links. 0 or -errno. */
int rec_writer_sample(struct rec_writer *w, const struct snapshot *prev,
		      const struct snapshot *cur, const struct delta *d) MUST_CHECK;
/* A command run during the recording: its argv, its span (wall clock), its exit status
 * and its stdout (the JSON documents in it are stored parsed; other text as text). */
int rec_writer_command(struct rec_writer *w, char **argv, double t_start, double t_end,
		       int status, const char *out, size_t len) MUST_CHECK;
/* Write the end line (reason: "duration", "command", "signal", "count"), end the frame
 * and close. 0 or -errno. Frees w in every case. */
int rec_writer_close(struct rec_writer *w, const char *reason);
/* Bytes written to the current file so far; files rotated away. */
uint64_t rec_writer_bytes(const struct rec_writer *w);
unsigned rec_writer_rotations(const struct rec_writer *w);

/* The command to run for `record -- argv`: the same words, with --json added to the
 * first dptune command in them (by its basename) when that command has no --json/-j
 * before a "--" of its own: after its subcommand ("dptune bench --json ..."), or after
 * the second word for lab and tune ("dptune lab matrix --json"); `dptune lab exec` is a
 * wrapper, the dptune command it runs gets it. NULL-terminated; the
 * caller frees the array, not the strings. */
char **rec_command_argv(char **argv, int argc);

/* ---- reader ------------------------------------------------------------------------- */

struct json_object;

/* Called for each line that parsed as a JSON object; lineno counts from 1 over the
 * decompressed text. Return non-zero to stop reading. */
typedef int (*rec_line_fn)(void *ctx, unsigned long lineno, struct json_object *obj);

#define REC_WARN_MAX 32

struct rec_read_status {
	unsigned long lines;      /* lines seen (good or bad) */
	unsigned long bad_lines;  /* lines that were not a JSON object */
	unsigned frames;          /* zstd frames decoded to their end */
	bool compressed;          /* zstd (else plain JSON lines) */
	bool truncated;           /* the input ended inside a frame or inside a line */
	bool corrupt;             /* a zstd frame could not be decoded */
	unsigned nwarn;           /* messages kept (at most REC_WARN_MAX) */
	unsigned long nwarn_total;
	char warn[REC_WARN_MAX][256];
};

/* Read a recording held in buf (zstd frames, or plain JSON lines). Lines that are not
 * JSON, frames that fail to decode (the reader skips to the next frame) and a cut end
 * are reported in st->warn ("line 12: ...", "zstd frame 3 at byte 4096: ..."), and
 * reading goes on. Returns 0 when everything was read cleanly, 1 when something was
 * skipped or cut (st says what), or the callback's non-zero value. */
int rec_read_buf(const void *buf, size_t len, rec_line_fn fn, void *ctx,
		 struct rec_read_status *st);
/* Same for a file; -errno when it cannot be read. */
int rec_read_file(const char *path, rec_line_fn fn, void *ctx, struct rec_read_status *st);

#endif
