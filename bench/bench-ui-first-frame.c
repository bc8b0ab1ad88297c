/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loaded with LD_PRELOAD into the program bench-ui-start measures (mend, or the bare
 * libadwaita window), so the real, unchanged binary reports its first frame: it wraps
 * gtk_window_present(), and on the first "after-paint" of that window's frame clock writes
 * the monotonic time in microseconds to the file descriptor named by $MEND_BENCH_FRAME_FD.
 * Nothing else in the program changes; without the variable it does nothing. */
#define G_LOG_DOMAIN "mend-bench"

#include "config.h"

#include <dlfcn.h>
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define FRAME_FD_ENV "MEND_BENCH_FRAME_FD"

void gtk_window_present (GtkWindow *window);

static gboolean hooked;

static void
after_paint_cb (GdkFrameClock *clock, gpointer user_data)
{
  int fd = GPOINTER_TO_INT (user_data);
  char line[32];
  int n = snprintf (line, sizeof line, "%" G_GINT64_FORMAT "\n", g_get_monotonic_time ());

  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, user_data);
  if (write (fd, line, n) != n)
    g_printerr ("bench-ui-first-frame: could not report the first frame\n");
  close (fd);
}

static void
watch_frame_clock (GtkWidget *window, gpointer user_data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint_cb),
                    user_data);
}

/* The same symbol as GTK's: the dynamic linker finds this one first, and it calls GTK's. */
void
gtk_window_present (GtkWindow *window)
{
  static void (*real_present) (GtkWindow *) = NULL;
  const char *fd_text = g_getenv (FRAME_FD_ENV);

  if (real_present == NULL)
    real_present = (void (*) (GtkWindow *))dlsym (RTLD_NEXT, "gtk_window_present");
  if (!hooked && fd_text != NULL)
    {
      gpointer fd = GINT_TO_POINTER (atoi (fd_text));

      hooked = TRUE;
      if (gtk_widget_get_realized (GTK_WIDGET (window)))
        watch_frame_clock (GTK_WIDGET (window), fd);
      else
        g_signal_connect (window, "realize", G_CALLBACK (watch_frame_clock), fd);
    }
  real_present (window);
}
