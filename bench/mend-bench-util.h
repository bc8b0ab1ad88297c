/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the benchmarks share: where their files go, what that folder sits on, a clock and
 * percentiles. Benchmarks print figures; none of this ever fails a run for being slow. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The environment variable that names the folder when no argument does. */
#define MEND_BENCH_DIR_ENV "MEND_BENCH_DIR"

typedef struct
{
  char *dir;             /* absolute, created */
  const char *chosen_by; /* "argument", "$MEND_BENCH_DIR" or "default (build dir)" */
  char *fs_type;         /* "ext4", "tmpfs", … or "unknown" */
  char *mount_point;     /* where that filesystem is mounted, or NULL */
  char *source;          /* its device, such as /dev/vda, or NULL */
  gboolean volatile_fs;  /* tmpfs or ramfs: fsync costs nothing there */
} MendBenchFolder;

MendBenchFolder *mend_bench_folder_choose (const char *argument, GError **error);
void mend_bench_folder_free (MendBenchFolder *folder);
void mend_bench_folder_print (const MendBenchFolder *folder);

double mend_bench_now_ms (void);
double mend_bench_percentile (GArray *samples_ms, double percent);

/* A year of heavy use: start + 8 × (check-in, brief, check-out) + 34 tallies + end = 60
 * events a session, one session a day, plus today's session (not started). */
#define MEND_BENCH_HISTORY_DAYS    2500
#define MEND_BENCH_HISTORY_PEOPLE  8
#define MEND_BENCH_HISTORY_TALLIES 34
#define MEND_BENCH_HISTORY_EVENTS_PER_SESSION                                                      \
  (2 + 3 * MEND_BENCH_HISTORY_PEOPLE + MEND_BENCH_HISTORY_TALLIES)
#define MEND_BENCH_HISTORY_EVENTS                                                                  \
  ((gint64)MEND_BENCH_HISTORY_DAYS * MEND_BENCH_HISTORY_EVENTS_PER_SESSION)

char *mend_bench_history_store (const char *dir, gboolean regenerate);
void mend_bench_remove_store_files (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MendBenchFolder, mend_bench_folder_free)

G_END_DECLS
