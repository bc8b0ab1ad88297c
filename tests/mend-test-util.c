/* SPDX-License-Identifier: GPL-3.0-or-later */
/* unshare() and CLONE_NEWNS. */
#define _GNU_SOURCE
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include "mend-test-util.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mend-time.h"

/**
 * mend_test_temp_dir:
 *
 * Returns: (transfer full): a new empty folder for one test's store.
 */
char *
mend_test_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("mend-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
mend_test_remove_tree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_remove (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      mend_test_remove_tree (child);
    }
  g_rmdir (path);
}

char *
mend_test_session_id (int index)
{
  return g_strdup_printf ("s%05d", index);
}

char *
mend_test_participant_id (int session_index, int person_index)
{
  return g_strdup_printf ("p%05d-%02d", session_index, person_index);
}

static void
add_string (JsonObject *object, const char *name, const char *value)
{
  json_object_set_string_member (object, name, value);
}

/**
 * mend_test_fixture_manifest:
 * @n_sessions: how many sessions, one a day
 * @people_per_session: each session has its own people, each owing 100 hours
 * @first_start_ms: the first session's start; the others follow one a day
 *
 * Returns: (transfer full): a manifest with one site, one supervisor, the demo's outcome
 *   codes and tally categories, and the sessions and people asked for.
 */
JsonObject *
mend_test_fixture_manifest (int n_sessions, int people_per_session, gint64 first_start_ms)
{
  JsonObject *manifest = json_object_new ();
  JsonArray *supervisors = json_array_new ();
  JsonArray *sites = json_array_new ();
  JsonArray *participants = json_array_new ();
  JsonArray *sessions = json_array_new ();
  JsonArray *assignments = json_array_new ();
  JsonArray *outcomes = json_array_new ();
  JsonArray *categories = json_array_new ();
  JsonObject *o;
  static const struct
  {
    const char *code;
    gboolean attended, credits, alerts;
  } codes[] = {
    { "ATTC", TRUE, TRUE, FALSE }, { "AFTC", TRUE, TRUE, TRUE },   { "ATSH", TRUE, FALSE, TRUE },
    { "ATSS", TRUE, TRUE, FALSE }, { "UAAB", FALSE, FALSE, TRUE }, { "AAAB", FALSE, FALSE, FALSE },
  };
  static const char *const category_ids[] = { "bags", "bulky", "sharps", "graffiti" };

  o = json_object_new ();
  add_string (o, "id", "sup-1");
  add_string (o, "name", "Test Supervisor");
  json_array_add_object_element (supervisors, o);

  o = json_object_new ();
  add_string (o, "id", "site-1");
  add_string (o, "name", "Test Park");
  json_object_set_member (o, "boundary",
                          json_from_string ("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0,1],"
                                            "[1,1],[1,0],[0,0]]]}",
                                            NULL));
  json_array_add_object_element (sites, o);

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    {
      o = json_object_new ();
      add_string (o, "code", codes[i].code);
      add_string (o, "label", codes[i].code);
      add_string (o, "hint", "");
      json_object_set_boolean_member (o, "attended", codes[i].attended);
      json_object_set_boolean_member (o, "credits_time", codes[i].credits);
      json_object_set_boolean_member (o, "alerts_referrer", codes[i].alerts);
      json_array_add_object_element (outcomes, o);
    }
  for (guint i = 0; i < G_N_ELEMENTS (category_ids); i++)
    {
      o = json_object_new ();
      add_string (o, "id", category_ids[i]);
      add_string (o, "label", category_ids[i]);
      add_string (o, "unit", "items");
      json_array_add_object_element (categories, o);
    }

  for (int s = 0; s < n_sessions; s++)
    {
      g_autofree char *session_id = mend_test_session_id (s);
      gint64 start = first_start_ms + (gint64)s * 24 * 3600 * 1000;

      o = json_object_new ();
      add_string (o, "id", session_id);
      add_string (o, "site", "site-1");
      add_string (o, "supervisor", "sup-1");
      json_object_set_int_member (o, "starts_at", start);
      json_object_set_int_member (o, "ends_at", start + 4 * 3600 * 1000);
      json_array_add_object_element (sessions, o);

      for (int p = 0; p < people_per_session; p++)
        {
          g_autofree char *participant_id = mend_test_participant_id (s, p);
          g_autofree char *case_ref = g_strdup_printf ("T/%05d/%02d", s, p);
          g_autofree char *name = g_strdup_printf ("Person %d-%d", s, p);

          o = json_object_new ();
          add_string (o, "id", participant_id);
          add_string (o, "case_ref", case_ref);
          add_string (o, "display_name", name);
          json_object_set_int_member (o, "minutes_ordered", 6000);
          json_object_set_int_member (o, "minutes_credited", 0);
          add_string (o, "disposal_type", "community resolution");
          json_array_add_object_element (participants, o);

          o = json_object_new ();
          add_string (o, "session", session_id);
          add_string (o, "participant", participant_id);
          json_array_add_object_element (assignments, o);
        }
    }

  json_object_set_array_member (manifest, "supervisors", supervisors);
  json_object_set_array_member (manifest, "sites", sites);
  json_object_set_array_member (manifest, "participants", participants);
  json_object_set_array_member (manifest, "sessions", sessions);
  json_object_set_array_member (manifest, "assignments", assignments);
  json_object_set_array_member (manifest, "outcome_codes", outcomes);
  json_object_set_array_member (manifest, "tally_categories", categories);
  return manifest;
}

/**
 * mend_test_store_new:
 * @dir: an empty folder; the store is `mend.db` in it
 *
 * Returns: (transfer full): a store holding mend_test_fixture_manifest(); the first session
 *   starts today at 09:00.
 */
MendStore *
mend_test_store_new (const char *dir,
                     int n_sessions,
                     int people_per_session,
                     MendStoreOpenFlags flags)
{
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (path, flags, &error);
  g_autoptr (JsonObject) manifest = NULL;

  g_assert_no_error (error);
  manifest
      = mend_test_fixture_manifest (n_sessions, people_per_session, mend_time_today_at (9, 0, 0));
  mend_store_apply_reference (store, manifest, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&store);
}

/**
 * mend_test_fixture_open:
 *
 * Fills @f with a new store holding mend_test_fixture_manifest().
 */
void
mend_test_fixture_open (MendTestFixture *f, int n_sessions, int people_per_session)
{
  f->dir = mend_test_temp_dir ();
  f->path = g_build_filename (f->dir, "mend.db", NULL);
  f->store = mend_test_store_new (f->dir, n_sessions, people_per_session, MEND_STORE_OPEN_DEFAULT);
}

void
mend_test_fixture_close (MendTestFixture *f)
{
  g_clear_object (&f->store);
  mend_test_remove_tree (f->dir);
  g_clear_pointer (&f->dir, g_free);
  g_clear_pointer (&f->path, g_free);
}

/**
 * mend_test_record_ok:
 * @command: (transfer full): what to record; freed here
 *
 * Records @command and fails the test unless it was accepted.
 *
 * Returns: (transfer full): the new event's id.
 */
char *
mend_test_record_ok (MendStore *store, MendCommand *command)
{
  g_autoptr (MendCommand) owned = command;
  g_autoptr (GError) error = NULL;
  char *id = mend_store_record (store, command, &error);

  g_assert_no_error (error);
  g_assert_true (g_uuid_string_is_valid (id));
  return id;
}

/**
 * mend_test_reference_credited:
 * @reference: a manifest's reference lists (MendWireManifest.reference)
 * @participant_id: the person
 *
 * Returns: the person's minutes_credited as HQ sent it, or -1 when the manifest does not send
 *   the person (a delta that leaves them out).
 */
gint64
mend_test_reference_credited (JsonObject *reference, const char *participant_id)
{
  JsonArray *rows;

  if (!json_object_has_member (reference, "participants"))
    return -1;
  rows = json_object_get_array_member (reference, "participants");
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);

      if (g_str_equal (json_object_get_string_member (row, "id"), participant_id))
        return json_object_get_int_member (row, "minutes_credited");
    }
  return -1;
}

void
mend_test_private_mounts (void)
{
  if (getuid () == 0 && unshare (CLONE_NEWNS) == 0)
    mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
}

void
mend_test_fill_leaving (const char *filler, gsize room)
{
  static char block[4096];
  g_autofree char *folder = g_path_get_dirname (filler);
  struct statvfs st;
  gint64 left;
  int fd;

  g_assert_cmpint (statvfs (folder, &st), ==, 0);
  left = (gint64)st.f_bavail * (gint64)st.f_frsize - (gint64)room;
  fd = g_open (filler, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  memset (block, 'x', sizeof block);
  while (left > 0)
    {
      ssize_t n = write (fd, block, MIN ((gint64)sizeof block, left));

      if (n <= 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          break;
        }
      left -= n;
    }
  close (fd);
}
