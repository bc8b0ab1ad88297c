/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by test-photo-processor.c and test-photo-processor-bad-input.c: test images
 * made with gdk-pixbuf (a few cached for the run in one folder), the fixture, and main()'s
 * setting up and clearing up. They keep the names they had as helpers private to one file, so
 * the tests read as they did. */
#pragma once

#include "mend-photo-processor.h"

G_BEGIN_DECLS

/* A fixed zone with summer time, so DateTimeOriginal and its offset can be checked exactly:
 * +01:00 in January, +02:00 in July. */
#define TEST_TZ "CET-1CEST,M3.5.0,M10.5.0/3"

/* 2026-01-15 12:14:15.250 UTC, 13:14:15 in TEST_TZ. */
#define WINTER_MS G_GINT64_CONSTANT (1768479255250)
/* 2026-07-15 10:00:00.000 UTC, 12:00:00 in TEST_TZ. */
#define SUMMER_MS G_GINT64_CONSTANT (1784109600000)

/* Quadrant colours of the test pattern, as 0xRRGGBB. */
#define TOP_LEFT     0xd02020 /* red */
#define TOP_RIGHT    0x20d020 /* green */
#define BOTTOM_LEFT  0x2020d0 /* blue */
#define BOTTOM_RIGHT 0xe0e0e0 /* light grey */

void photo_test_init (int *argc, char ***argv);
int photo_test_run (void);

GdkPixbuf *pattern_new (int width, int height, gboolean alpha);
void save_or_die (GdkPixbuf *pixbuf, const char *path, const char *type);
char *cached_image (int width, int height, const char *type);
void write_bytes (const char *path, const void *data, gsize len);
void put_be32 (guint8 *p, guint32 v);
GdkPixbuf *decode_jpeg (const char *path);
void assert_file_size (const char *path, int width, int height);

typedef struct
{
  char *dir;
  char *out; /* an empty file, as the store's temp file is when we are called */
  MendFix fix;
  MendPhotoMeta meta;
} Fixture;

void fixture_set_up (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);
void process_ok (Fixture *f, const char *input, int *out_width, int *out_height);

G_END_DECLS
