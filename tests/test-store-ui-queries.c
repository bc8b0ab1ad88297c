/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store-ui-queries"

#include "config.h"

#include <glib/gstdio.h>

#include "mend-demo.h"
#include "mend-photo.h"
#include "mend-store-ui-queries.h"
#include "mend-test-util.h"

typedef MendTestFixture Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  mend_test_fixture_open (f, 1, 2);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  mend_test_fixture_close (f);
}

static void
test_supervisors_demo (void)
{
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendStore) store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_autoptr (GPtrArray) rows = NULL;
  const MendSupervisorRow *row;

  g_assert_no_error (error);
  rows = mend_store_list_supervisors (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  mend_store_load_demo (store, &error);
  g_assert_no_error (error);
  rows = mend_store_list_supervisors (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->id, ==, "sup-ana");
  g_assert_cmpstr (row->name, ==, "Ana Whitfield");
  g_assert_true (row->has_pin);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->name, ==, "Joe Marsh");

  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

static void
test_history (Fixture *f, gconstpointer data)
{
  g_autofree char *session = mend_test_session_id (0);
  g_autofree char *person = mend_test_participant_id (0, 0);
  g_autofree char *other = mend_test_participant_id (0, 1);
  g_autofree char *start_id = NULL;
  g_autofree char *in_id = NULL;
  g_autofree char *out_id = NULL;
  g_autofree char *void_id = NULL;
  g_autofree char *absent_id = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  MendCheckOut details = { .outcome = "ATTC" };
  const MendHistoryRow *row;

  rows = mend_store_list_person_history (f->store, person, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);

  start_id = mend_test_record_ok (f->store, mend_command_start_session (session));
  in_id = mend_test_record_ok (f->store, mend_command_check_in (session, person));
  out_id = mend_test_record_ok (f->store, mend_command_check_out (session, person, &details));
  absent_id = mend_test_record_ok (f->store, mend_command_absent (session, other, NULL));
  void_id = mend_test_record_ok (f->store, mend_command_void (out_id, "Wrong person"));

  rows = mend_store_list_person_history (f->store, person, &error);
  g_assert_no_error (error);
  /* The session start and the other person's absence are not this person's; the void is
   * shown on its target, not as a row of its own. */
  g_assert_cmpuint (rows->len, ==, 2);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (row->event_id, ==, out_id);
  g_assert_cmpint (row->kind, ==, MEND_EVENT_CHECKED_OUT);
  g_assert_cmpstr (row->outcome, ==, "ATTC");
  g_assert_cmpstr (row->voided_by, ==, void_id);
  g_assert_cmpstr (row->site_name, ==, "Test Park");
  g_assert_cmpstr (row->session_id, ==, session);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpstr (row->event_id, ==, in_id);
  g_assert_cmpint (row->kind, ==, MEND_EVENT_CHECKED_IN);
  g_assert_null (row->outcome);
  g_assert_null (row->voided_by);
  g_assert_cmpint (row->occurred_at_ms, >, 0);
  g_assert_cmpint (row->note, ==, MEND_HISTORY_NOTE_NONE);
}

/* The history says whether a record has notes, and in which form, without their text. A store
 * never enrolled keeps them plainly (sealed ones: tests/test-ui-sync.c). */
static void
test_history_notes (Fixture *f, gconstpointer data)
{
  g_autofree char *session = mend_test_session_id (0);
  g_autofree char *person = mend_test_participant_id (0, 0);
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GError) error = NULL;
  MendCheckOut details = { .outcome = "ATTC", .notes = "Worked well" };
  const MendHistoryRow *row;

  g_free (mend_test_record_ok (f->store, mend_command_start_session (session)));
  g_free (mend_test_record_ok (f->store, mend_command_check_in (session, person)));
  g_free (mend_test_record_ok (f->store, mend_command_check_out (session, person, &details)));
  rows = mend_store_list_person_history (f->store, person, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 2);
  row = g_ptr_array_index (rows, 0);
  g_assert_cmpint (row->note, ==, MEND_HISTORY_NOTE_PLAIN);
  row = g_ptr_array_index (rows, 1);
  g_assert_cmpint (row->note, ==, MEND_HISTORY_NOTE_NONE);
}

static void
test_backlog (Fixture *f, gconstpointer data)
{
  g_autofree char *session = mend_test_session_id (0);
  g_autofree char *start_id = NULL;
  g_autofree char *photo_id = NULL;
  g_autofree char *temp = NULL;
  g_autofree char *sha256 = NULL;
  g_autoptr (GError) error = NULL;
  MendBacklog backlog = { 0 };
  MendBacklog after = { 0 };
  gint64 bytes = 0;

  g_assert_true (mend_store_get_backlog (f->store, &backlog, &error));
  g_assert_no_error (error);
  g_assert_cmpint (backlog.events_pending, ==, 0);
  g_assert_cmpint (backlog.event_bytes_pending, ==, 0);
  g_assert_cmpint (backlog.photos_pending, ==, 0);
  g_assert_cmpint (backlog.photo_bytes_pending, ==, 0);

  start_id = mend_test_record_ok (f->store, mend_command_start_session (session));
  g_assert_true (mend_store_get_backlog (f->store, &backlog, &error));
  g_assert_cmpint (backlog.events_pending, ==, 1);
  g_assert_cmpint (backlog.event_bytes_pending, >, 0);
  g_assert_cmpint (backlog.events_parked, ==, 0);

  /* Any bytes do for the store: it names photos by their hash and does not decode them. */
  temp = mend_store_new_photo_temp (f->store, &error);
  g_assert_no_error (error);
  g_file_set_contents (temp, "not really a JPEG, but 33 bytes.", -1, &error);
  g_assert_no_error (error);
  g_assert_true (mend_store_adopt_photo_temp (f->store, temp, &sha256, &bytes, &error));
  g_assert_no_error (error);
  photo_id = mend_test_record_ok (
      f->store, mend_command_photo (session, NULL, MEND_PHOTO_ROLE_BEFORE, sha256, bytes, 4, 3));
  g_assert_true (mend_store_get_backlog (f->store, &after, &error));
  g_assert_cmpint (after.events_pending, ==, 2);
  g_assert_cmpint (after.event_bytes_pending, >, backlog.event_bytes_pending);
  g_assert_cmpint (after.photos_pending, ==, 1);
  g_assert_cmpint (after.photo_bytes_pending, ==, bytes);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/store-ui-queries/supervisors", test_supervisors_demo);
  g_test_add ("/store-ui-queries/history", Fixture, NULL, fixture_set_up, test_history,
              fixture_tear_down);
  g_test_add ("/store-ui-queries/history-notes", Fixture, NULL, fixture_set_up, test_history_notes,
              fixture_tear_down);
  g_test_add ("/store-ui-queries/backlog", Fixture, NULL, fixture_set_up, test_backlog,
              fixture_tear_down);
  return g_test_run ();
}
