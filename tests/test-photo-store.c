/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-photo-store"

#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "mend-photo.h"
#include "mend-rules.h"
#include "mend-test-photo-store.h"
#include "mend-test-util.h"

/* Photos in the store: temp files adopted under their SHA-256, one file per image however
 * often it is taken, photo.taken events that never name a missing file, the markers of photos
 * waiting for their event, and verify. The failures a supervisor meets (leftovers of a crash, a
 * folder that cannot be written, a full disk) are in test-photo-store-faults.c. The fixture has
 * two sessions of two people: p00000-xx are assigned to s00000 only, p00001-xx to s00001
 * only. */

static gint64
count_photo_rows (MendStore *store)
{
  g_autoptr (GError) error = NULL;
  gint64 n = -1;

  g_assert_true (mend_store_verify_photos (store, &n, &error));
  g_assert_no_error (error);
  return n;
}

static char *
photo_files_for (const char *sha256)
{
  return g_strdup_printf ("%.2s/%s.jpg", sha256, sha256);
}

static void
test_roles (void)
{
  static const struct
  {
    MendPhotoRole role;
    const char *name;
  } roles[] = {
    { MEND_PHOTO_ROLE_BEFORE, "before" },
    { MEND_PHOTO_ROLE_AFTER, "after" },
    { MEND_PHOTO_ROLE_EVIDENCE, "evidence" },
  };
  MendPhotoRole role = MEND_PHOTO_ROLE_AFTER;

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_assert_cmpstr (mend_photo_role_to_string (roles[i].role), ==, roles[i].name);
      g_assert_true (mend_photo_role_from_string (roles[i].name, &role));
      g_assert_cmpint (role, ==, roles[i].role);
    }
  g_assert_null (mend_photo_role_to_string ((MendPhotoRole)7));
  role = MEND_PHOTO_ROLE_AFTER;
  g_assert_false (mend_photo_role_from_string ("Before", &role));
  g_assert_false (mend_photo_role_from_string ("", &role));
  g_assert_false (mend_photo_role_from_string (NULL, &role));
  g_assert_cmpint (role, ==, MEND_PHOTO_ROLE_AFTER);

  g_assert_true (mend_photo_sha256_is_valid (
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
  g_assert_false (mend_photo_sha256_is_valid (
      "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
  g_assert_false (mend_photo_sha256_is_valid (
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
  g_assert_false (mend_photo_sha256_is_valid (
      "../../../../../../../../../../../../../../../../../etc/passwd.x"));
  g_assert_false (mend_photo_sha256_is_valid (NULL));
}

static void
test_adopt (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (1, 200 * 1024 + 17);
  g_autoptr (GError) error = NULL;
  g_autofree char *expected = sha256_of (jpeg);
  g_autofree char *temp = NULL;
  g_autofree char *temp_name = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *path = NULL;
  g_autofree char *subdir = NULL;
  g_autofree char *folder = g_path_get_dirname (f->path);
  g_autofree char *photos = g_build_filename (folder, "photos", NULL);
  g_autofree char *contents = NULL;
  gsize length = 0;
  gint64 bytes = 0;
  GStatBuf st;

  /* The folder is beside the store, and made only when the first photo needs it. */
  g_assert_cmpstr (mend_store_get_photos_dir (f->store), ==, photos);
  g_assert_false (g_file_test (photos, G_FILE_TEST_EXISTS));

  temp = mend_store_new_photo_temp (f->store, &error);
  g_assert_no_error (error);
  temp_name = g_path_get_basename (temp);
  g_assert_true (g_str_has_prefix (temp_name, ".tmp-"));
  g_assert_true (g_str_has_suffix (temp_name, ".jpg"));
  g_assert_cmpuint (strlen (temp_name), ==, strlen (".tmp-XXXXXX.jpg"));
  g_assert_cmpint (g_stat (photos, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (temp, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_assert_cmpint (write_in_place (temp, jpeg), ==, 0);
  g_assert_true (mend_store_adopt_photo_temp (f->store, temp, &sha256, &bytes, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sha256, ==, expected);
  g_assert_cmpint (bytes, ==, g_bytes_get_size (jpeg));

  /* photos/<aa>/<sha256>.jpg, the temp gone. */
  path = mend_store_photo_path (f->store, sha256);
  subdir = g_strdup_printf ("%s/%.2s", photos, sha256);
  g_assert_true (g_str_has_prefix (path, subdir));
  g_assert_true (g_str_has_suffix (path, ".jpg"));
  g_assert_false (g_file_test (temp, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
  g_assert_cmpint (g_stat (subdir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* Adopting alone records nothing. */
  g_assert_cmpuint (count_events (f->store), ==, 0);
  g_assert_cmpint (count_photo_rows (f->store), ==, 0);
}

static void
test_adopt_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *temp = mend_store_new_photo_temp (f->store, &error);
  g_autofree char *sha256 = NULL;
  g_autofree char *files = NULL;

  g_assert_no_error (error);
  g_assert_false (mend_store_adopt_photo_temp (f->store, temp, &sha256, NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_assert_null (sha256);
  files = photo_files (f->store);
  g_assert_cmpstr (files, ==, "");
}

static void
test_same_image_twice (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (2, 40000);
  g_autoptr (GBytes) other = fake_jpeg (3, 40000);
  g_autofree char *first = store_photo (f->store, jpeg);
  g_autofree char *second = store_photo (f->store, jpeg);
  g_autofree char *third = store_photo (f->store, other);
  g_autofree char *files = photo_files (f->store);
  g_autofree char *expected_files = NULL;
  g_autofree char *file_a = photo_files_for (first);
  g_autofree char *file_b = photo_files_for (third);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GError) error = NULL;
  gint64 n = 0;

  g_assert_cmpstr (first, ==, second);
  g_assert_cmpstr (first, !=, third);
  expected_files = g_strcmp0 (file_a, file_b) < 0 ? g_strjoin (" ", file_a, file_b, NULL)
                                                  : g_strjoin (" ", file_b, file_a, NULL);
  g_assert_cmpstr (files, ==, expected_files);

  /* The same image taken as "before" and as "after": one file, one row, two events. */
  before = mend_test_record_ok (
      f->store, photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE, first, 40000));
  after = mend_test_record_ok (
      f->store, photo_command ("s00000", NULL, MEND_PHOTO_ROLE_AFTER, second, 40000));
  g_assert_cmpuint (count_events (f->store), ==, 2);
  g_assert_cmpint (count_photo_rows (f->store), ==, 1);

  photos = mend_store_list_photos (f->store, "s00000", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photos->len, ==, 2);
  g_assert_cmpstr (((MendPhotoRow *)photos->pdata[0])->event_id, ==, before);
  g_assert_cmpstr (((MendPhotoRow *)photos->pdata[1])->event_id, ==, after);
  g_assert_cmpstr (((MendPhotoRow *)photos->pdata[0])->path, ==,
                   ((MendPhotoRow *)photos->pdata[1])->path);

  g_assert_true (mend_store_verify (f->store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 2);
}

static void
test_record_without_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (4, 5000);
  g_autofree char *never_stored = sha256_of (jpeg);
  g_autoptr (GBytes) stored_jpeg = fake_jpeg (5, 6000);
  g_autofree char *stored = store_photo (f->store, stored_jpeg);
  g_autoptr (GError) error = NULL;
  g_autoptr (MendCommand) missing
      = photo_command ("s00000", NULL, MEND_PHOTO_ROLE_EVIDENCE, never_stored, 5000);
  g_autoptr (MendCommand) wrong_size
      = photo_command ("s00000", NULL, MEND_PHOTO_ROLE_EVIDENCE, stored, 5999);
  g_autoptr (MendCommand) bad_name = photo_command ("s00000", NULL, MEND_PHOTO_ROLE_EVIDENCE,
                                                    "../../../../../../../etc/passwd", 5000);
  g_autoptr (MendCommand) bad_role = photo_command ("s00000", NULL, (MendPhotoRole)9, stored, 6000);
  g_autoptr (MendCommand) no_pixels
      = mend_command_photo ("s00000", NULL, MEND_PHOTO_ROLE_AFTER, stored, 6000, 0, 1536);
  char *id;

  id = mend_store_record (f->store, missing, &error);
  g_assert_null (id);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "is missing"));
  g_assert_nonnull (strstr (error->message, never_stored));
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  id = mend_store_record (f->store, wrong_size, &error);
  g_assert_null (id);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);

  id = mend_store_record (f->store, bad_name, &error);
  g_assert_null (id);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);

  id = mend_store_record (f->store, bad_role, &error);
  g_assert_null (id);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);

  id = mend_store_record (f->store, no_pixels, &error);
  g_assert_null (id);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Nothing recorded: no event and no row. */
  g_assert_cmpuint (count_events (f->store), ==, 0);
  g_assert_cmpint (count_photo_rows (f->store), ==, 0);
}

static void
test_participant (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (6, 3000);
  g_autofree char *sha256 = store_photo (f->store, jpeg);
  g_autofree char *ok = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (MendCommand) not_assigned
      = photo_command ("s00000", "p00001-00", MEND_PHOTO_ROLE_EVIDENCE, sha256, 3000);
  g_autoptr (MendCommand) unknown_person
      = photo_command ("s00000", "nobody", MEND_PHOTO_ROLE_EVIDENCE, sha256, 3000);
  g_autoptr (MendCommand) unknown_session
      = photo_command ("no-such-session", NULL, MEND_PHOTO_ROLE_EVIDENCE, sha256, 3000);
  g_autoptr (GPtrArray) photos = NULL;

  g_assert_null (mend_store_record (f->store, not_assigned, &error));
  g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_NOT_ASSIGNED);
  g_assert_true (g_str_has_prefix (error->message, "Refused by rule attendance.not-assigned:"));
  g_clear_error (&error);

  /* A refused record takes its new photo with it; store it again for each try. */
  g_free (store_photo (f->store, jpeg));
  g_assert_null (mend_store_record (f->store, unknown_person, &error));
  g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_UNKNOWN_PARTICIPANT);
  g_clear_error (&error);

  g_free (store_photo (f->store, jpeg));
  g_assert_null (mend_store_record (f->store, unknown_session, &error));
  g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_UNKNOWN_SESSION);
  g_clear_error (&error);

  g_assert_cmpuint (count_events (f->store), ==, 0);
  g_assert_cmpint (count_photo_rows (f->store), ==, 0);

  /* Someone assigned, not checked in, in a session not started: allowed. */
  g_free (store_photo (f->store, jpeg));
  ok = mend_test_record_ok (
      f->store, photo_command ("s00000", "p00000-01", MEND_PHOTO_ROLE_EVIDENCE, sha256, 3000));
  photos = mend_store_list_photos (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photos->len, ==, 1);
  g_assert_cmpstr (((MendPhotoRow *)photos->pdata[0])->participant_id, ==, "p00000-01");
}

static void
test_any_session_state (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (7, 3000);
  g_autofree char *sha256 = store_photo (f->store, jpeg);
  g_autofree char *before_start = NULL;
  g_autofree char *running = NULL;
  g_autofree char *after_end = NULL;
  g_autofree char *start = NULL;
  g_autofree char *end = NULL;

  before_start = mend_test_record_ok (
      f->store, photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE, sha256, 3000));
  start = mend_test_record_ok (f->store, mend_command_start_session ("s00000"));
  running = mend_test_record_ok (
      f->store, photo_command ("s00000", NULL, MEND_PHOTO_ROLE_EVIDENCE, sha256, 3000));
  end = mend_test_record_ok (f->store, mend_command_end_session ("s00000"));
  after_end = mend_test_record_ok (
      f->store, photo_command ("s00000", NULL, MEND_PHOTO_ROLE_AFTER, sha256, 3000));
  g_assert_cmpuint (count_events (f->store), ==, 5);
}

static void
test_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg_a = fake_jpeg (8, 12345);
  g_autoptr (GBytes) jpeg_b = fake_jpeg (9, 23456);
  g_autofree char *a = store_photo (f->store, jpeg_a);
  g_autofree char *b = store_photo (f->store, jpeg_b);
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autofree char *id_c = NULL;
  g_autofree char *expected_payload = NULL;
  g_autofree char *path_a = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) all = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (GError) error = NULL;
  MendCommand *command;
  MendPhotoRow *row;
  MendFix fix;

  mend_fix_init (&fix, MEND_FIX_STATE_FIX, NULL);
  fix.mode = 3;
  fix.latitude = 0.5;
  fix.longitude = 0.25;
  fix.altitude = 12;
  fix.horizontal_error = 4;
  fix.satellites = 8;
  fix.age_ms = 300;
  command
      = mend_command_photo ("s00000", "p00000-00", MEND_PHOTO_ROLE_BEFORE, a, 12345, 2048, 1536);
  mend_command_set_fix (command, &fix);
  mend_command_set_occurred_at (command, 1764147900000);
  id_a = mend_test_record_ok (f->store, command);
  id_b = mend_test_record_ok (
      f->store, mend_command_photo ("s00000", NULL, MEND_PHOTO_ROLE_EVIDENCE, b, 23456, 800, 600));
  id_c = mend_test_record_ok (
      f->store, mend_command_photo ("s00001", NULL, MEND_PHOTO_ROLE_AFTER, b, 23456, 800, 600));

  photos = mend_store_list_photos (f->store, "s00000", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photos->len, ==, 2);

  row = photos->pdata[0];
  path_a = mend_store_photo_path (f->store, a);
  g_assert_cmpstr (row->event_id, ==, id_a);
  g_assert_cmpstr (row->sha256, ==, a);
  g_assert_cmpstr (row->path, ==, path_a);
  g_assert_true (g_path_is_absolute (row->path));
  g_assert_cmpint (row->role, ==, MEND_PHOTO_ROLE_BEFORE);
  g_assert_cmpstr (row->session_id, ==, "s00000");
  g_assert_cmpstr (row->participant_id, ==, "p00000-00");
  g_assert_cmpint (row->width, ==, 2048);
  g_assert_cmpint (row->height, ==, 1536);
  g_assert_cmpint (row->bytes, ==, 12345);
  g_assert_cmpint (row->occurred_at_ms, ==, 1764147900000);
  g_assert_cmpint (row->fix.state, ==, MEND_FIX_STATE_FIX);
  g_assert_cmpfloat_with_epsilon (row->fix.latitude, 0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (row->fix.longitude, 0.25, 1e-9);
  g_assert_cmpint (row->fix.satellites, ==, 8);
  g_assert_false (row->voided);

  row = photos->pdata[1];
  g_assert_cmpstr (row->event_id, ==, id_b);
  g_assert_cmpint (row->role, ==, MEND_PHOTO_ROLE_EVIDENCE);
  g_assert_null (row->participant_id);
  g_assert_cmpint (row->width, ==, 800);
  g_assert_cmpint (row->fix.state, ==, MEND_FIX_STATE_OFF);
  g_assert_true (isnan (row->fix.latitude));

  all = mend_store_list_photos (f->store, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpstr (((MendPhotoRow *)all->pdata[2])->event_id, ==, id_c);
  g_assert_cmpstr (((MendPhotoRow *)all->pdata[2])->session_id, ==, "s00001");

  /* The payload, in canonical form (sync/PROTOCOL.md, section 5). */
  events = mend_store_list_events (f->store, NULL, &error);
  g_assert_no_error (error);
  expected_payload = g_strdup_printf ("{\"bytes\":12345,\"height\":1536,\"role\":\"before\","
                                      "\"sha256\":\"%s\",\"width\":2048}",
                                      a);
  g_assert_cmpstr (((MendEventRow *)events->pdata[0])->kind, ==, "photo.taken");
  g_assert_cmpstr (((MendEventRow *)events->pdata[0])->payload, ==, expected_payload);
  g_assert_cmpstr (((MendEventRow *)events->pdata[0])->supervisor_id, ==, "sup-1");
}

static void
test_voided (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (10, 3000);
  g_autofree char *sha256 = store_photo (f->store, jpeg);
  g_autofree char *kept = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *void_id = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GError) error = NULL;

  kept = mend_test_record_ok (f->store,
                              photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE, sha256, 3000));
  wrong = mend_test_record_ok (
      f->store, photo_command ("s00000", "p00000-00", MEND_PHOTO_ROLE_EVIDENCE, sha256, 3000));
  void_id = mend_test_record_ok (f->store, mend_command_void (wrong, "wrong person"));

  photos = mend_store_list_photos (f->store, "s00000", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (photos->len, ==, 2);
  g_assert_cmpstr (((MendPhotoRow *)photos->pdata[0])->event_id, ==, kept);
  g_assert_false (((MendPhotoRow *)photos->pdata[0])->voided);
  g_assert_cmpstr (((MendPhotoRow *)photos->pdata[1])->event_id, ==, wrong);
  g_assert_true (((MendPhotoRow *)photos->pdata[1])->voided);

  /* The file stays: another event still shows it, and a voided record is kept as it was. */
  g_assert_true (g_file_test (((MendPhotoRow *)photos->pdata[1])->path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (mend_store_verify (f->store, NULL, &error));
  g_assert_no_error (error);
}

static void
test_verify (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg_a = fake_jpeg (13, 30000);
  g_autoptr (GBytes) jpeg_b = fake_jpeg (14, 31000);
  g_autofree char *a = store_photo (f->store, jpeg_a);
  g_autofree char *b = store_photo (f->store, jpeg_b);
  g_autofree char *path_a = mend_store_photo_path (f->store, a);
  g_autofree char *path_b = mend_store_photo_path (f->store, b);
  g_autofree char *moved = g_strconcat (path_a, ".moved", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *id_a = NULL;
  g_autofree char *id_b = NULL;
  g_autoptr (GError) error = NULL;
  gsize length = 0;
  gint64 n = 0;

  id_a = mend_test_record_ok (f->store,
                              photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE, a, 30000));
  id_b = mend_test_record_ok (f->store,
                              photo_command ("s00000", NULL, MEND_PHOTO_ROLE_AFTER, b, 31000));
  g_assert_true (mend_store_verify_photos (f->store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 2);
  g_assert_true (mend_store_verify (f->store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 2);

  /* A missing file. */
  g_assert_cmpint (g_rename (path_a, moved), ==, 0);
  g_assert_false (mend_store_verify (f->store, NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path_a));
  g_assert_nonnull (strstr (error->message, "missing"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (g_rename (moved, path_a), ==, 0);
  g_assert_true (mend_store_verify (f->store, NULL, &error));
  g_assert_no_error (error);

  /* An altered file: one byte changed, same size. */
  g_file_get_contents (path_b, &contents, &length, &error);
  g_assert_no_error (error);
  contents[length / 2] ^= 0x01;
  g_file_set_contents (path_b, contents, length, &error);
  g_assert_no_error (error);
  g_assert_false (mend_store_verify_photos (f->store, NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, path_b));
  g_assert_nonnull (strstr (error->message, "altered"));
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (mend_store_verify (f->store, NULL, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_CORRUPT);
  g_clear_error (&error);

  /* Storing the image again puts the good bytes back. */
  g_free (store_photo (f->store, jpeg_b));
  g_assert_true (mend_store_verify (f->store, NULL, &error));
  g_assert_no_error (error);
}

/* A photo whose record is refused does not stay: the folder holds only recorded photos. */
static void
test_refused_record_removes_photo (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (20, 6000);
  g_autoptr (GError) error = NULL;
  g_autofree char *sha256 = store_photo (f->store, jpeg);
  g_autofree char *path = mend_store_photo_path (f->store, sha256);
  g_autofree char *id = NULL;
  g_autofree char *refused = NULL;
  g_autoptr (MendCommand) wrong_person = NULL;

  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  wrong_person = photo_command ("s00000", "p00001-00", MEND_PHOTO_ROLE_EVIDENCE, sha256, 6000);
  refused = mend_store_record (f->store, wrong_person, &error);
  g_assert_null (refused);
  g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_NOT_ASSIGNED);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* Stored and recorded, then the same image again with a refused record: the file stays,
   * because the first event names it. */
  g_free (store_photo (f->store, jpeg));
  id = mend_test_record_ok (f->store,
                            photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE, sha256, 6000));
  g_free (store_photo (f->store, jpeg));
  g_clear_pointer (&refused, g_free);
  refused = mend_store_record (f->store, wrong_person, &error);
  g_assert_null (refused);
  g_clear_error (&error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_events (f->store), ==, 1);
}

/* The same image stored twice before either is recorded: a refused first record must not take
 * the file the second one will name. */
static void
test_same_image_waiting_twice (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (23, 4000);
  g_autofree char *first = store_photo (f->store, jpeg);
  g_autofree char *second = store_photo (f->store, jpeg);
  g_autofree char *path = mend_store_photo_path (f->store, first);
  g_autoptr (MendCommand) wrong_person
      = photo_command ("s00000", "p00001-00", MEND_PHOTO_ROLE_EVIDENCE, first, 4000);
  g_autofree char *refused = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpstr (first, ==, second);
  refused = mend_store_record (f->store, wrong_person, &error);
  g_assert_null (refused);
  g_clear_error (&error);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  id = mend_test_record_ok (f->store,
                            photo_command ("s00000", NULL, MEND_PHOTO_ROLE_BEFORE, second, 4000));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (mend_store_verify (f->store, NULL, &error));
  g_assert_no_error (error);
}

/* A crash after the commit and before the marker went: the photo is recorded, so it stays. */
static void
test_marker_of_recorded_photo (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) jpeg = fake_jpeg (22, 5000);
  g_autofree char *sha256 = store_photo (f->store, jpeg);
  g_autofree char *path = mend_store_photo_path (f->store, sha256);
  g_autofree char *marker = NULL;
  g_autofree char *id = NULL;
  g_autoptr (MendStore) again = NULL;
  g_autoptr (GError) error = NULL;

  id = mend_test_record_ok (f->store,
                            photo_command ("s00000", NULL, MEND_PHOTO_ROLE_AFTER, sha256, 5000));
  marker = g_strconcat (mend_store_get_photos_dir (f->store), "/.adopting-", sha256, NULL);
  g_file_set_contents (marker, "", 0, &error);
  g_assert_no_error (error);

  again = mend_store_open (f->path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_true (mend_store_verify (again, NULL, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  g_test_add_func ("/photo-store/roles", test_roles);
  ADD ("/photo-store/adopt", test_adopt);
  ADD ("/photo-store/adopt-empty", test_adopt_empty);
  ADD ("/photo-store/same-image-twice", test_same_image_twice);
  ADD ("/photo-store/record-without-file", test_record_without_file);
  ADD ("/photo-store/participant", test_participant);
  ADD ("/photo-store/any-session-state", test_any_session_state);
  ADD ("/photo-store/list", test_list);
  ADD ("/photo-store/voided", test_voided);
  ADD ("/photo-store/refused-record-removes-photo", test_refused_record_removes_photo);
  ADD ("/photo-store/marker-of-recorded-photo", test_marker_of_recorded_photo);
  ADD ("/photo-store/same-image-waiting-twice", test_same_image_waiting_twice);
  ADD ("/photo-store/verify", test_verify);
#undef ADD

  return g_test_run ();
}
