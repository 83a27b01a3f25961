/* screen.h: the terminal side of `dptune top`, thin over ncurses: open and restore the
 * terminal, draw the lines of a frame (top/view.h) with their attributes, read a key
 * within a timeout (KEY_RESIZE when the window changed size), prompt for a word. */
#ifndef DPTUNE_TOP_SCREEN_H
#define DPTUNE_TOP_SCREEN_H

#include <signal.h>
#include <stddef.h>
#include "view.h"

/* Take the terminal (stdin/stdout): 0, or -1 with err[] saying why. */
int top_screen_open(char *err, size_t errlen);
/* Give the terminal back as it was (endwin); safe to call twice. */
void top_screen_close(void);
void top_screen_size(int *width, int *height);
void top_screen_draw(const struct top_line *lines, size_t n);
/* A key, waiting at most timeout_ms; -1 (ERR) when none came or a signal interrupted. */
int top_screen_key(int timeout_ms);
/* Ask on the last line; the answer (may be empty) in buf. -1 when cancelled (Escape, or
 * *stop set by a signal meanwhile). */
int top_screen_prompt(const char *prompt, char *buf, size_t n, const volatile sig_atomic_t *stop);

#endif
