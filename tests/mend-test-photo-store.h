/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by test-photo-store.c and test-photo-store-faults.c. They keep the names they
 * had as helpers private to one file, so the tests read as they did. */
#pragma once

#include "mend-photo.h"
#include "mend-test-util.h"

G_BEGIN_DECLS

/* Two sessions of two people: p00000-xx are assigned to s00000 only, p00001-xx to s00001
 * only. */
typedef MendTestFixture Fixture;

void fixture_set_up (Fixture *f, gconstpointer data);
void fixture_tear_down (Fixture *f, gconstpointer data);

GBytes *fake_jpeg (guint32 seed, gsize size);
char *sha256_of (GBytes *bytes);
int write_in_place (const char *path, GBytes *bytes);
char *store_photo (MendStore *store, GBytes *jpeg);
MendCommand *photo_command (const char *session_id,
                            const char *participant_id,
                            MendPhotoRole role,
                            const char *sha256,
                            gint64 bytes);
guint count_events (MendStore *store);
char *photo_files (MendStore *store);

G_END_DECLS
