/* screen.c: ncurses for `dptune top` (screen.h). Knows nothing of counters. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "screen.h"

static SCREEN *scr;
static bool colors;

enum { PAIR_HOT = 1, PAIR_BAR, PAIR_TITLE };

int top_screen_open(char *err, size_t errlen)
{
	if (scr)
		return 0;
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		snprintf(err, errlen, "cannot drive the terminal '%s'",
			 getenv("TERM") ? getenv("TERM") : "(TERM unset)");
		return -1;
	}
	set_term(scr);
	cbreak(); /* keys at once; ^C still raises SIGINT */
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(PAIR_HOT, COLOR_RED, -1);
		init_pair(PAIR_BAR, COLOR_BLACK, COLOR_GREEN);
		init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
		colors = true;
	}
	return 0;
}

void top_screen_close(void)
{
	if (!scr)
		return;
	curs_set(1);
	endwin();
	delscreen(scr);
	scr = NULL;
}

void top_screen_size(int *width, int *height)
{
	getmaxyx(stdscr, *height, *width);
}

static attr_t attr_of(enum top_attr a)
{
	switch (a) {
	case TOP_A_TITLE: return colors ? COLOR_PAIR(PAIR_TITLE) : A_REVERSE;
	case TOP_A_HEAD: return A_BOLD;
	case TOP_A_HOT: return colors ? COLOR_PAIR(PAIR_HOT) | A_BOLD : A_BOLD;
	case TOP_A_DIM: return A_DIM;
	case TOP_A_FOOTER: return A_REVERSE;
	default: return A_NORMAL;
	}
}

void top_screen_draw(const struct top_line *lines, size_t n)
{
	int w, h;

	getmaxyx(stdscr, h, w);
	erase();
	for (size_t i = 0; i < n && (int)i < h; i++) {
		const struct top_line *l = &lines[i];

		attrset(attr_of(l->attr));
		/* never the last cell of the last line: writing it scrolls some terminals */
		mvaddnstr((int)i, 0, l->text, (int)i == h - 1 ? w - 1 : w);
		if (l->attr == TOP_A_TITLE || l->attr == TOP_A_FOOTER)
			mvchgat((int)i, 0, -1, attr_of(l->attr), colors && l->attr == TOP_A_TITLE ?
				PAIR_TITLE : 0, NULL);
		if (l->bar_len > 0 && l->bar_at < w)
			mvchgat((int)i, l->bar_at, l->bar_len,
				colors ? A_NORMAL : A_REVERSE, colors ? PAIR_BAR : 0, NULL);
	}
	attrset(A_NORMAL);
	refresh();
}

int top_screen_key(int timeout_ms)
{
	timeout(timeout_ms < 0 ? 0 : timeout_ms);
	return getch();
}

int top_screen_prompt(const char *prompt, char *buf, size_t n, const volatile sig_atomic_t *stop)
{
	int w, h, ch;
	size_t len = 0;

	getmaxyx(stdscr, h, w);
	timeout(250); /* a signal is seen within a quarter of a second */
	curs_set(1);
	buf[0] = '\0';
	for (;;) {
		move(h - 1, 0);
		clrtoeol();
		attrset(A_REVERSE);
		mvaddnstr(h - 1, 0, prompt, w - 1);
		attrset(A_NORMAL);
		addnstr(buf, w - 2 - (int)strlen(prompt) > 0 ? w - 2 - (int)strlen(prompt) : 0);
		refresh();
		ch = getch();
		if (ch == ERR && !*stop)
			continue;
		if (ch == 27 || ch == ERR) { /* Escape, or a signal */
			buf[0] = '\0';
			curs_set(0);
			return -1;
		}
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			break;
		if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len) {
			buf[--len] = '\0';
		} else if (ch >= 0x20 && ch < 0x7f && len + 1 < n) {
			buf[len++] = (char)ch;
			buf[len] = '\0';
		}
	}
	curs_set(0);
	return 0;
}
