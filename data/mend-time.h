/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

gint64 mend_time_now_ms (void);
char *mend_time_format_ms (gint64 ms);
char *mend_time_format_hh_mm (gint64 ms);
gboolean mend_time_parse (const char *text, gint64 day_ms, gint64 *out_ms, GError **error);
gboolean mend_time_local_day_bounds (const char *date,
                                     gint64 *out_start_ms,
                                     gint64 *out_end_ms,
                                     GError **error);
gint64 mend_time_today_at (int hour, int minute, int day_offset);

G_END_DECLS
