/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by test-wire.c and test-wire-hostile.c: the device and key the bodies name, a
 * real store's log encoded as a batch, and the decoding and manifest-making helpers. They keep
 * the names they had as helpers private to one file, so the tests read as they did. */
#pragma once

#include "mend-test-util.h"
#include "mend-wire.h"

G_BEGIN_DECLS

#define DEVICE "0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a"
#define KEY    "n1L6yS3l5mXbLw2kQ8d0xY7pTqZc4VfJhG9eRtUoA1s="

typedef struct
{
  MendTestFixture store;
  GPtrArray *rows; /* MendEventRow */
  GBytes *body;    /* the encoded batch */
} Fixture;

/* A real store's log: a position, no gpsd, a stale fix, a clock off by ten minutes, a void. */
void fixture_set_up (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);

MendWireBatch *decode_text (const char *body, GError **error);
/* HQ's manifest of two sessions of three people each, with @extra spliced in before its
 * closing brace. */
char *manifest_text (const char *extra);

G_END_DECLS
