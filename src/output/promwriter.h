/* promwriter.h: a streaming writer of the Prometheus text exposition format (0.0.4) and
 * of OpenMetrics 1.0 text: families and samples appended straight into one reusable
 * growing buffer, no tree, no allocation per sample once the buffer has grown. */
#ifndef DPTUNE_PROMWRITER_H
#define DPTUNE_PROMWRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pw_format { PW_TEXT004, PW_OPENMETRICS };
enum pw_type { PW_COUNTER, PW_GAUGE };

struct promwriter {
	char *buf;
	size_t len, cap;
	enum pw_format fmt;
	bool in_labels;  /* a sample's '{' is open */
	size_t samples;  /* samples written since pw_reset */
};

void pw_init(struct promwriter *w);
void pw_release(struct promwriter *w);
/* Empty the buffer, keep its memory; set the format of what follows. */
void pw_reset(struct promwriter *w, enum pw_format fmt);

/* "# HELP" and "# TYPE" lines of a family. name is the sample name: for a counter it
 * ends in _total, which the OpenMetrics TYPE line leaves off. help is escaped here. */
void pw_family(struct promwriter *w, const char *name, enum pw_type type, const char *help);
/* A sample: pw_sample_begin, any number of pw_label*, then one pw_value_* (which ends
 * the line). Label names must be valid (they come from our code); values are escaped.
 * An empty value is skipped (Prometheus treats it as absent). */
void pw_sample_begin(struct promwriter *w, const char *name);
void pw_label(struct promwriter *w, const char *key, const char *value);
void pw_label_n(struct promwriter *w, const char *key, const char *value, size_t n);
void pw_label_int(struct promwriter *w, const char *key, long long v);
/* Labels already written out and escaped ("a=\"x\",b=\"y\""), as a cache hands them back. */
void pw_labels_raw(struct promwriter *w, const char *text, size_t n);
void pw_value_u64(struct promwriter *w, uint64_t v);
void pw_value_double(struct promwriter *w, double v);
/* The end of an exposition ("# EOF" for OpenMetrics; nothing for 0.0.4). */
void pw_finish(struct promwriter *w);

/* Append raw bytes (for tests and for pre-escaped label text). */
void pw_raw(struct promwriter *w, const char *s, size_t n);
/* Escape a label value into w as it would appear between the quotes. */
void pw_escape_value(struct promwriter *w, const char *v, size_t n);

#endif
