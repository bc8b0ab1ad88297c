/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fixtures shared by the tests and benchmarks: throwaway stores and generated reference data. */
#pragma once

#include "mend-store.h"

G_BEGIN_DECLS

char *mend_test_temp_dir (void);
void mend_test_remove_tree (const char *path);
JsonObject *
mend_test_fixture_manifest (int n_sessions, int people_per_session, gint64 first_start_ms);
char *mend_test_session_id (int index);
char *mend_test_participant_id (int session_index, int person_index);
MendStore *mend_test_store_new (const char *dir,
                                int n_sessions,
                                int people_per_session,
                                MendStoreOpenFlags flags);

/* A store in its own folder, for g_test_add() fixtures. */
typedef struct
{
  char *dir;
  char *path;
  MendStore *store;
} MendTestFixture;

void mend_test_fixture_open (MendTestFixture *f, int n_sessions, int people_per_session);
void mend_test_fixture_close (MendTestFixture *f);
char *mend_test_record_ok (MendStore *store, MendCommand *command);
/* A person's minutes_credited in a manifest's reference lists, or -1 when they are not sent. */
gint64 mend_test_reference_credited (JsonObject *reference, const char *participant_id);

/* A full or read-only disk is made for real: a small tmpfs mounted in a mount namespace of the
 * test process's own (root only), so a test that fails half way leaves no mount behind. Call
 * mend_test_private_mounts() first thing in main(): a namespace unshared once threads exist is
 * the calling thread's alone, and a worker started earlier would write under the tmpfs. */
void mend_test_private_mounts (void);
/* Appends to @filler until only @room bytes are left on its file system. */
void mend_test_fill_leaving (const char *filler, gsize room);

G_END_DECLS
