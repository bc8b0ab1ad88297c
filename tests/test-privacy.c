/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-test"

#include "config.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "mend-demo.h"
#include "mend-names.h"
#include "mend-rows.h"
#include "mend-rules.h"
#include "mend-seal.h"
#include "mend-store-retention.h"
#include "mend-store-seal.h"
#include "mend-store-ui-queries.h"
#include "mend-time.h"
#include "mend-sync-token.h"
#include "mend-test-reliability.h"
#include "mend-wire-payload.h"
#include "test-sync-util.h"

/* Personal data on a device that can be lost (DESIGN.md section 9), end to end against a real
 * mend-hq on a throwaway PostgreSQL: notes kept plainly by a device never enrolled and sealed at
 * enrolment, notes sealed as they are recorded, pushed by the real sync engine, opened on the
 * dashboard for logged-in staff, still opened after a key rotation; a referrer alert's details
 * the same way, and refused at HQ when they are not a sealed box; the device's names dropped
 * outside the window; retention purges reported to HQ; HQ's breach report and its one-action
 * revoke; and, last, every log the run wrote (mend-hq's, mendctl's standard error) searched for
 * names, case references, notes and alert details. */

#define STAFF    "privacy-officer"
#define PASSWORD "correct horse battery"

/* Notes recorded in this run: none may be found in a device's store file or in any log. */
#define NOTE_BEFORE_ENROL_1 "Worked well; asked about more hours"
#define NOTE_BEFORE_ENROL_2 "Disclosed a personal matter"
#define NOTE_AFTER_ENROL    "Needs <gloves> & boots, size 9"
#define NOTE_AFTER_ROTATE   "Third note, sealed to the rotated key"
/* Details for a referrer: the same rules as notes. */
#define ALERT_BEFORE_ENROL "Missed medication; referrer to call <today>"
#define ALERT_AFTER_ENROL  "Said they are moving house next week"

static SyncDevice device;
static char *old_key_id;
static char *stderr_log; /* this process's standard error, which mend-hq inherits */
static GString *mendctl_stderr;

/* Raw bytes ----------------------------------------------------------------------------- */

static gboolean
file_holds (const char *path, const char *text)
{
  g_autofree char *bytes = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &bytes, &length, NULL))
    return FALSE;
  /* The file is binary: searched byte by byte, past any NUL. */
  for (gsize i = 0, n = strlen (text); i + n <= length; i++)
    if (bytes[i] == text[0] && memcmp (bytes + i, text, n) == 0)
      return TRUE;
  return FALSE;
}

/* The store, its write-ahead log and its shared memory file. */
static gboolean
store_holds (const char *path, const char *text)
{
  const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (file_holds (file, text))
        return TRUE;
    }
  return FALSE;
}

/* mendctl, its standard error kept for the log search --------------------------------- */

static char *
mendctl (const char *db, const char *const *args, int *out_status)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (char *)g_getenv ("MENDCTL"));
  g_ptr_array_add (argv, "--db");
  g_ptr_array_add (argv, (char *)db);
  for (; *args != NULL; args++)
    g_ptr_array_add (argv, (char *)*args);
  g_ptr_array_add (argv, NULL);
  process
      = g_subprocess_newv ((const char *const *)argv->pdata,
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);
  g_string_append (mendctl_stderr, err);
  *out_status = g_subprocess_get_exit_status (process);
  return out;
}

/* A browser with a cookie jar ------------------------------------------------------------ */

typedef struct
{
  long status;
  GString *body;
  char *location;
} Page;

static void
page_free (Page *page)
{
  g_string_free (page->body, TRUE);
  g_free (page->location);
  g_free (page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Page, page_free)

static CURL *browser;

static size_t
body_cb (char *data, size_t size, size_t n, void *user_data)
{
  g_string_append_len (((Page *)user_data)->body, data, size * n);
  return size * n;
}

static size_t
header_cb (char *data, size_t size, size_t n, void *user_data)
{
  Page *page = user_data;

  if (g_ascii_strncasecmp (data, "Location: ", 10) == 0)
    {
      g_free (page->location);
      page->location = g_strchomp (g_strndup (data + 10, size * n - 10));
    }
  return size * n;
}

static Page *
browse (const char *method, const char *path, const char *form)
{
  Page *page = g_new0 (Page, 1);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", sync_test_hq->port, path);
  struct curl_slist *list = curl_slist_append (NULL, "Expect:");

  page->body = g_string_new (NULL);
  curl_easy_reset (browser);
  curl_easy_setopt (browser, CURLOPT_COOKIEFILE, "");
  curl_easy_setopt (browser, CURLOPT_URL, url);
  curl_easy_setopt (browser, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (browser, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (browser, CURLOPT_CUSTOMREQUEST, method);
  if (form != NULL)
    {
      list = curl_slist_append (list, "Content-Type: application/x-www-form-urlencoded");
      curl_easy_setopt (browser, CURLOPT_POSTFIELDS, form);
    }
  curl_easy_setopt (browser, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt (browser, CURLOPT_WRITEFUNCTION, body_cb);
  curl_easy_setopt (browser, CURLOPT_WRITEDATA, page);
  curl_easy_setopt (browser, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt (browser, CURLOPT_HEADERDATA, page);
  g_assert_cmpint (curl_easy_perform (browser), ==, CURLE_OK);
  curl_easy_getinfo (browser, CURLINFO_RESPONSE_CODE, &page->status);
  curl_slist_free_all (list);
  return page;
}

static char *
csrf_of (Page *page)
{
  const char *marker = "name=\"csrf\" value=\"";
  const char *start = strstr (page->body->str, marker);

  g_assert_nonnull (start);
  start += strlen (marker);
  return g_strndup (start, strchr (start, '"') - start);
}

static char *
form (const char *const *pairs)
{
  GString *out = g_string_new (NULL);

  for (; pairs[0] != NULL; pairs += 2)
    {
      g_autofree char *value = g_uri_escape_string (pairs[1], NULL, FALSE);

      g_string_append_printf (out, "%s%s=%s", out->len > 0 ? "&" : "", pairs[0], value);
    }
  return g_string_free (out, FALSE);
}

static void
log_in (void)
{
  g_autoptr (Page) login = browse ("GET", "/login", NULL);
  g_autofree char *csrf = csrf_of (login);
  g_autofree char *body
      = form ((const char *const[]){ "csrf", csrf, "name", STAFF, "password", PASSWORD, NULL });
  g_autoptr (Page) done = browse ("POST", "/login", body);

  g_assert_cmpint (done->status, ==, 303);
}

/* Sealed-note form, on its own ---------------------------------------------------------- */

static void
test_seal_unit (void)
{
  guint8 pk[32], sk[32], other_pk[32], other_sk[32];
  char pk64[64], other64[64];
  g_autofree char *long_note = NULL;
  g_autofree char *sealed = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *key_id = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) payload = json_object_new ();
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *redacted = NULL;

  g_assert_cmpint (sodium_init (), >=, 0);
  crypto_box_keypair (pk, sk);
  crypto_box_keypair (other_pk, other_sk);
  sodium_bin2base64 (pk64, sizeof pk64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
  sodium_bin2base64 (other64, sizeof other64, other_pk, 32, sodium_base64_VARIANT_ORIGINAL);

  /* The longest note the rules allow, of four-byte characters, seals and opens whole. */
  {
    GString *text = g_string_new (NULL);

    for (int i = 0; i < MEND_NOTES_MAX_CHARS; i++)
      g_string_append (text, "\xf0\x9f\x8c\xb3");
    long_note = g_string_free (text, FALSE);
  }
  sealed = mend_seal_text (pk64, long_note, &error);
  g_assert_no_error (error);
  g_assert_true (mend_seal_check_ciphertext (sealed, NULL));
  opened = mend_seal_open (pk, sk, sealed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (opened, ==, long_note);
  g_clear_pointer (&opened, g_free);

  /* Another key, a damaged box, garbage and a bad key are refused with a reason. */
  opened = mend_seal_open (other_pk, other_sk, sealed, &error);
  g_assert_null (opened);
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);
  sealed[10] = sealed[10] == 'A' ? 'B' : 'A';
  g_assert_null (mend_seal_open (pk, sk, sealed, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (mend_seal_check_ciphertext ("not base64 at all!", NULL));
  g_assert_false (mend_seal_check_ciphertext ("AAAA", NULL));
  g_assert_null (mend_seal_text ("c2hvcnQ=", "x", &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Key ids: 16 hex digits of the public key's digest, the same from bytes and base64. */
  key_id = mend_seal_key_id (pk);
  g_assert_cmpuint (strlen (key_id), ==, 16);
  g_assert_cmpuint (strspn (key_id, "0123456789abcdef"), ==, 16);
  {
    g_autofree char *again = mend_seal_key_id_from_base64 (pk64, NULL);
    g_autofree char *other = mend_seal_key_id_from_base64 (other64, NULL);

    g_assert_cmpstr (again, ==, key_id);
    g_assert_cmpstr (other, !=, key_id);
  }

  /* A sealed payload has no plain notes; listings say a sealed note exists. */
  json_object_set_string_member (payload, "outcome", "ATTC");
  g_assert_true (mend_seal_payload_notes (payload, "Secret words", pk64, NULL));
  g_assert_false (json_object_has_member (payload, "notes"));
  g_assert_cmpstr (json_object_get_string_member (payload, MEND_SEAL_KEY_MEMBER), ==, key_id);
  node = json_node_init_object (json_node_alloc (), payload);
  payload_json = json_to_string (node, FALSE);
  g_assert_null (strstr (payload_json, "Secret words"));
  g_assert_true (mend_seal_payload_has_sealed_note (payload_json));
  redacted = mend_payload_redact (payload_json);
  g_assert_nonnull (strstr (redacted, "\"notes\":\"" MEND_SEAL_PLACEHOLDER "\""));
  g_assert_null (strstr (redacted, MEND_SEAL_MEMBER));
  g_assert_true (mend_seal_payload_notes (payload, NULL, pk64, NULL));
  g_assert_true (json_object_get_null_member (payload, "notes"));
  g_assert_false (json_object_has_member (payload, MEND_SEAL_MEMBER));
}

/* Section 5 at HQ: the sealed form is accepted, a mixed or damaged one refused. */
static void
test_seal_wire (void)
{
  guint8 pk[32], sk[32];
  char pk64[64];
  g_autofree char *sealed = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *good = NULL;
  g_autoptr (GError) error = NULL;
  const char *base = "\"alert_referrer\":false,\"arrived_at\":1764147900000,\"behaviour\":\"good\","
                     "\"finished_at\":1764162300000,\"outcome\":\"ATTC\",\"penalty_minutes\":0,"
                     "\"quality\":\"good\",\"sensitive\":false";

  crypto_box_keypair (pk, sk);
  sodium_bin2base64 (pk64, sizeof pk64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
  sealed = mend_seal_text (pk64, "Opened only at HQ", NULL);
  key_id = mend_seal_key_id (pk);

  good
      = g_strdup_printf ("{%s,\"notes_key\":\"%s\",\"notes_sealed\":\"%s\"}", base, key_id, sealed);
  g_assert_true (mend_wire_check_payload ("attendance.checked_out", "s", "p", good, &error));
  g_assert_no_error (error);
  /* The longest note the rules allow, of four-byte characters, sealed: within the payload
   * limit and accepted. */
  {
    GString *text = g_string_new (NULL);
    g_autofree char *long_sealed = NULL;
    g_autofree char *longest = NULL;

    for (int i = 0; i < MEND_NOTES_MAX_CHARS; i++)
      g_string_append (text, "\xf0\x9f\x8c\xb3");
    long_sealed = mend_seal_text (pk64, text->str, &error);
    g_assert_no_error (error);
    g_string_free (text, TRUE);
    longest = g_strdup_printf ("{%s,\"notes_key\":\"%s\",\"notes_sealed\":\"%s\"}", base, key_id,
                               long_sealed);
    g_assert_cmpuint (strlen (longest), <=, MEND_WIRE_MAX_PAYLOAD_BYTES);
    g_assert_true (mend_wire_check_payload ("attendance.checked_out", "s", "p", longest, &error));
    g_assert_no_error (error);
  }
  {
    g_autofree char *absent
        = g_strdup_printf ("{\"notes_key\":\"%s\",\"notes_sealed\":\"%s\"}", key_id, sealed);

    g_assert_true (mend_wire_check_payload ("attendance.absent", "s", "p", absent, &error));
    g_assert_no_error (error);
  }
  {
    struct
    {
      const char *payload;
      const char *message;
    } bad[] = {
      { g_strdup_printf ("{%s,\"notes\":\"plain\",\"notes_key\":\"%s\",\"notes_sealed\":\"%s\"}",
                         base, key_id, sealed),
        "must be absent" },
      { g_strdup_printf ("{%s,\"notes_sealed\":\"%s\"}", base, sealed), "notes_key" },
      { g_strdup_printf ("{%s,\"notes_key\":\"NOTHEX\",\"notes_sealed\":\"%s\"}", base, sealed),
        "16 lowercase hex" },
      { g_strdup_printf ("{%s,\"notes_key\":\"%s\",\"notes_sealed\":\"@@@@\"}", base, key_id),
        "base64" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_false (
            mend_wire_check_payload ("attendance.checked_out", "s", "p", bad[i].payload, &error));
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, bad[i].message));
        g_clear_error (&error);
        g_free ((char *)bad[i].payload);
      }
  }
}

/* A referrer alert's details: sealed the same way and checked at HQ by the same payload rules. */
static void
test_alert_wire (void)
{
  guint8 pk[32], sk[32];
  char pk64[64];
  g_autofree char *sealed = NULL;
  g_autofree char *note = NULL;
  g_autofree char *key_id = NULL;
  g_autofree char *good = NULL;
  g_autofree char *opened = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) payload = json_object_new ();
  const char *base = "\"alert_referrer\":true,\"arrived_at\":1764147900000,\"behaviour\":\"good\","
                     "\"finished_at\":1764162300000,\"outcome\":\"ATTC\",\"penalty_minutes\":0,"
                     "\"quality\":\"good\",\"sensitive\":false";

  crypto_box_keypair (pk, sk);
  sodium_bin2base64 (pk64, sizeof pk64, pk, 32, sodium_base64_VARIANT_ORIGINAL);
  key_id = mend_seal_key_id (pk);

  /* The device's form: sealed when the key is known, plain before, absent when none. */
  g_assert_true (mend_seal_payload_alert_details (payload, ALERT_AFTER_ENROL, pk64, &error));
  g_assert_no_error (error);
  g_assert_false (json_object_has_member (payload, MEND_SEAL_ALERT_PLAIN_MEMBER));
  g_assert_cmpstr (json_object_get_string_member (payload, MEND_SEAL_ALERT_KEY_MEMBER), ==, key_id);
  sealed = g_strdup (json_object_get_string_member (payload, MEND_SEAL_ALERT_MEMBER));
  opened = mend_seal_open (pk, sk, sealed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (opened, ==, ALERT_AFTER_ENROL);
  g_assert_true (mend_seal_payload_alert_details (payload, "plain", NULL, NULL));
  g_assert_cmpstr (json_object_get_string_member (payload, MEND_SEAL_ALERT_PLAIN_MEMBER), ==,
                   "plain");
  g_assert_false (json_object_has_member (payload, MEND_SEAL_ALERT_MEMBER));
  g_assert_true (mend_seal_payload_alert_details (payload, NULL, pk64, NULL));
  g_assert_false (json_object_has_member (payload, MEND_SEAL_ALERT_PLAIN_MEMBER));
  g_assert_false (json_object_has_member (payload, MEND_SEAL_ALERT_MEMBER));

  good = g_strdup_printf (
      "{%s,\"notes\":null,\"alert_details_key\":\"%s\",\"alert_details_sealed\":\"%s\"}", base,
      key_id, sealed);
  g_assert_true (mend_wire_check_payload ("attendance.checked_out", "s", "p", good, &error));
  g_assert_no_error (error);
  g_assert_true (mend_seal_payload_has_sealed_alert_details (good));
  {
    g_autofree char *redacted = mend_payload_redact (good);

    g_assert_nonnull (strstr (redacted, "\"alert_details\":\"" MEND_SEAL_ALERT_PLACEHOLDER "\""));
    g_assert_null (strstr (redacted, MEND_SEAL_ALERT_MEMBER));
  }

  /* The longest note and the longest details, both of four-byte characters and sealed, fit
   * one event's payload and are accepted. */
  {
    GString *text = g_string_new (NULL);
    g_autofree char *long_details = NULL;
    g_autofree char *longest = NULL;

    for (int i = 0; i < MEND_NOTES_MAX_CHARS; i++)
      g_string_append (text, "\xf0\x9f\x8c\xb3");
    note = mend_seal_text (pk64, text->str, &error);
    g_assert_no_error (error);
    g_string_truncate (text, MEND_ALERT_DETAILS_MAX_CHARS * 4);
    long_details = mend_seal_text (pk64, text->str, &error);
    g_assert_no_error (error);
    longest = g_strdup_printf ("{%s,\"alert_details_key\":\"%s\",\"alert_details_sealed\":\"%s\","
                               "\"notes_key\":\"%s\",\"notes_sealed\":\"%s\"}",
                               base, key_id, long_details, key_id, note);
    g_assert_cmpuint (strlen (longest), <=, MEND_WIRE_MAX_PAYLOAD_BYTES);
    g_assert_true (mend_wire_check_payload ("attendance.checked_out", "s", "p", longest, &error));
    g_assert_no_error (error);
    g_string_free (text, TRUE);
  }
  {
    struct
    {
      const char *payload;
      const char *message;
    } bad[] = {
      /* Ciphertext HQ cannot take: not base64, shorter than a sealed box, longer than the
       * longest details sealed (a note's worth). */
      { g_strdup_printf (
            "{%s,\"notes\":null,\"alert_details_key\":\"%s\",\"alert_details_sealed\":\"@@@@\"}",
            base, key_id),
        "base64" },
      { g_strdup_printf (
            "{%s,\"notes\":null,\"alert_details_key\":\"%s\",\"alert_details_sealed\":\"AAAA\"}",
            base, key_id),
        "base64" },
      { g_strdup_printf (
            "{%s,\"notes\":null,\"alert_details_key\":\"%s\",\"alert_details_sealed\":\"%s\"}",
            base, key_id, note),
        "alert_details_sealed" },
      { g_strdup_printf ("{%s,\"notes\":null,\"alert_details_key\":\"NOTHEX0000000000\","
                         "\"alert_details_sealed\":\"%s\"}",
                         base, sealed),
        "16 lowercase hex" },
      { g_strdup_printf ("{%s,\"notes\":null,\"alert_details_sealed\":\"%s\"}", base, sealed),
        "alert_details_key" },
      { g_strdup_printf ("{%s,\"notes\":null,\"alert_details_key\":\"%s\"}", base, key_id),
        "needs" },
      { g_strdup_printf (
            "{%s,\"notes\":null,\"alert_details\":\"plain\",\"alert_details_key\":\"%s\","
            "\"alert_details_sealed\":\"%s\"}",
            base, key_id, sealed),
        "must be absent" },
      { g_strdup_printf ("{%s,\"notes\":null,\"alert_details\":7}", base), "must be a string" },
      /* Details with no alert: the device's own check-out rule refuses them. */
      { g_strdup_printf ("{\"alert_details_key\":\"%s\",\"alert_details_sealed\":\"%s\","
                         "\"alert_referrer\":false,\"arrived_at\":1764147900000,"
                         "\"behaviour\":\"good\",\"finished_at\":1764162300000,"
                         "\"outcome\":\"ATTC\",\"penalty_minutes\":0,\"quality\":\"good\","
                         "\"sensitive\":false,\"notes\":null}",
                         key_id, sealed),
        "tell the referrer" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_false (
            mend_wire_check_payload ("attendance.checked_out", "s", "p", bad[i].payload, &error));
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, bad[i].message));
        g_clear_error (&error);
        g_free ((char *)bad[i].payload);
      }
  }
}

/* The purge report's bodies (sync/PROTOCOL.md section 14), through the one codec both sides use:
 * what the device encodes HQ decodes as it was, in requests of at most the limit; and reports
 * out of order, overlapping, empty or of the wrong shape are refused with the reason. */
static void
test_purge_wire (void)
{
  g_autoptr (GArray) ranges = g_array_new (FALSE, FALSE, sizeof (MendPurgeRange));
  g_autoptr (GBytes) body = NULL;
  g_autoptr (MendWirePurges) decoded = NULL;
  g_autoptr (GBytes) state = NULL;
  g_autoptr (GError) error = NULL;
  const char *device_id = "0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a";
  const char *negative = "{\"events_purged\":-1,\"last_purged_at\":null}";
  gint64 events = -1, last_ms = -1;
  gsize length = 0;
  const char *text;

  for (guint i = 0; i < MEND_WIRE_MAX_PURGE_RANGES + 5; i++)
    {
      MendPurgeRange range = { 10 * i + 1, 10 * i + 1 + i % 7, 1764147900000 + i };

      g_array_append_val (ranges, range);
    }
  body = mend_wire_encode_purges (device_id, ranges, 5, MEND_WIRE_MAX_PURGE_RANGES);
  text = g_bytes_get_data (body, &length);
  decoded = mend_wire_decode_purges (text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (decoded->device_id, ==, device_id);
  g_assert_cmpuint (decoded->ranges->len, ==, MEND_WIRE_MAX_PURGE_RANGES);
  for (guint i = 0; i < decoded->ranges->len; i++)
    {
      const MendPurgeRange *got = &g_array_index (decoded->ranges, MendPurgeRange, i);
      const MendPurgeRange *sent = &g_array_index (ranges, MendPurgeRange, i + 5);

      g_assert_cmpint (got->first_seq, ==, sent->first_seq);
      g_assert_cmpint (got->last_seq, ==, sent->last_seq);
      g_assert_cmpint (got->purged_at_ms, ==, sent->purged_at_ms);
    }

  state = mend_wire_encode_purge_state (12, 1764147900000);
  text = g_bytes_get_data (state, &length);
  g_assert_true (mend_wire_decode_purge_state (text, length, &events, &last_ms, &error));
  g_assert_no_error (error);
  g_assert_cmpint (events, ==, 12);
  g_assert_cmpint (last_ms, ==, 1764147900000);
  g_clear_pointer (&state, g_bytes_unref);
  state = mend_wire_encode_purge_state (0, 0);
  text = g_bytes_get_data (state, &length);
  g_assert_true (mend_wire_decode_purge_state (text, length, &events, &last_ms, &error));
  g_assert_cmpint (events, ==, 0);
  g_assert_cmpint (last_ms, ==, 0);
  /* A captive portal's page, or a count below zero, is not HQ's answer. */
  g_assert_false (mend_wire_decode_purge_state ("<html>", 6, &events, &last_ms, &error));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
  g_clear_error (&error);
  g_assert_false (
      mend_wire_decode_purge_state (negative, strlen (negative), &events, &last_ms, &error));
  g_assert_nonnull (strstr (error->message, "negative"));
  g_assert_error (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_MALFORMED);
  g_clear_error (&error);

  {
    struct
    {
      const char *body;
      const char *message;
    } bad[] = {
      { "{\"device_id\":\"0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\",\"purged\":[{\"first_seq\":5,"
        "\"last_seq\":6,\"purged_at\":1},{\"first_seq\":1,\"last_seq\":2,\"purged_at\":1}]}",
        "overlaps or comes before" },
      { "{\"device_id\":\"0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\",\"purged\":[{\"first_seq\":3,"
        "\"last_seq\":2,\"purged_at\":1}]}",
        "first_seq ≤ last_seq" },
      { "{\"device_id\":\"0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\",\"purged\":[{\"first_seq\":1,"
        "\"last_seq\":2,\"purged_at\":0}]}",
        "purged_at" },
      { "{\"device_id\":\"0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\",\"purged\":[{\"first_seq\":1,"
        "\"last_seq\":2.5,\"purged_at\":1}]}",
        "last_seq" },
      { "{\"device_id\":\"0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\",\"purged\":[7]}", "object" },
      { "{\"device_id\":\"0b7c6a52-7d7e-4c1e-9b1a-3f4e5d6c7b8a\",\"purged\":{}}", "purged" },
      { "{\"device_id\":\"NOT-A-UUID\",\"purged\":[{\"first_seq\":1,\"last_seq\":1,"
        "\"purged_at\":1}]}",
        "device_id" },
      { "[]", "" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (MendWirePurges) refused
            = mend_wire_decode_purges (bad[i].body, strlen (bad[i].body), &error);

        g_assert_null (refused);
        g_assert_nonnull (error);
        g_assert_nonnull (strstr (error->message, bad[i].message));
        g_clear_error (&error);
      }
  }
}

/* The round trip ------------------------------------------------------------------------ */

static void
check_out_with_note (int session, int person, const char *note)
{
  g_autofree char *session_id = mend_test_session_id (session);
  g_autofree char *person_id = mend_test_participant_id (session, person);
  MendCheckOut out = { .outcome = "ATTC", .quality = "good", .behaviour = "good", .notes = note };

  g_free (mend_test_record_ok (device.store, mend_command_check_out (session_id, person_id, &out)));
}

static gint64
hq_count (const char *sql, const char *param)
{
  return mend_test_hq_count (sync_test_hq, sql, param);
}

static void
test_notes_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) photos = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  g_autofree char *session0 = mend_test_session_id (0);
  const char *device_id;
  gint64 n = 0;
  int status;

  sync_device_open (&device, NULL);
  device_id = mend_store_get_device_id (device.store);

  /* Never enrolled: the notes are kept plainly, and the raw file shows them, so the searches
   * below would see them if they were there. */
  photos = sync_device_record_day (&device, 0, 0, 0);
  g_assert_true (store_holds (device.path, NOTE_BEFORE_ENROL_1));

  /* Enrolment seals them, writes the chain again and leaves no trace of the text. */
  sync_device_enrol_ok (&device);
  g_assert_false (store_holds (device.path, NOTE_BEFORE_ENROL_1));
  g_assert_false (store_holds (device.path, NOTE_BEFORE_ENROL_2));
  g_assert_true (mend_store_verify (device.store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (n, >, 0);

  /* Recorded now, a note is sealed before the event is made; the page can say so. */
  {
    g_autofree char *session_id = mend_test_session_id (0);
    g_autofree char *person_id = mend_test_participant_id (0, SYNC_TEST_PEOPLE - 1);
    MendCheckOut out
        = { .outcome = "ATTC", .quality = "good", .behaviour = "good", .notes = NOTE_AFTER_ENROL };
    g_autofree char *event_id
        = mend_test_record_ok (device.store, mend_command_check_out (session_id, person_id, &out));
    gboolean sealed = FALSE;

    g_assert_true (mend_store_event_has_sealed_note (device.store, event_id, &sealed, &error));
    g_assert_no_error (error);
    g_assert_true (sealed);
    g_assert_false (
        mend_store_event_has_sealed_note (device.store, "no-such-event", &sealed, &error));
    g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
    g_clear_error (&error);
  }
  g_assert_false (store_holds (device.path, "gloves"));
  events = mend_store_list_events (device.store, session0, &error);
  g_assert_no_error (error);
  {
    guint sealed = 0;

    for (guint i = 0; i < events->len; i++)
      {
        MendEventRow *row = g_ptr_array_index (events, i);

        sealed += strstr (row->payload, MEND_SEAL_PLACEHOLDER) != NULL;
        g_assert_null (strstr (row->payload, MEND_SEAL_MEMBER));
      }
    g_assert_cmpuint (sealed, ==, 3);
  }
  {
    const char *const args[] = { "events", "--session", session0, NULL };
    g_autofree char *out = mendctl (device.path, args, &status);

    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (out, "sealed note"));
    g_assert_null (strstr (out, "gloves"));
  }

  /* The real sync engine pushes them; HQ holds only ciphertext, under the key it sent. */
  report = sync_device_run_ok (&device);
  g_assert_cmpint (sync_device_count (&device, "pending"), ==, 0);
  enrolment = mend_store_sync_get_enrolment (device.store, &error);
  g_assert_no_error (error);
  old_key_id = mend_seal_key_id_from_base64 (enrolment->hq_public_key, &error);
  g_assert_no_error (error);
  g_assert_cmpint (hq_count ("SELECT count(*) FROM events WHERE device = $1"
                             " AND payload ? 'notes_sealed' AND NOT payload ? 'notes'",
                             device_id),
                   ==, 3);
  g_assert_cmpint (
      hq_count ("SELECT count(*) FROM events WHERE payload ->> 'notes_key' = $1", old_key_id), ==,
      3);
  g_assert_cmpint (hq_count ("SELECT count(*) FROM events WHERE payload::text ~ $1"
                             " OR convert_from(canonical, 'UTF8') ~ $1",
                             "Worked well|personal matter|gloves"),
                   ==, 0);

  /* Staff logged in read them on the session's page, escaped. */
  {
    const char *const add[] = { "user", "add", STAFF, "--password", PASSWORD, NULL };
    g_autofree char *path = g_strdup_printf ("/session?id=%s", session0);
    g_autoptr (Page) before_login = browse ("GET", path, NULL);
    g_autoptr (Page) page = NULL;

    g_free (mend_test_hq_admin (sync_test_hq, add));
    g_assert_cmpint (before_login->status, ==, 303);
    g_assert_null (strstr (before_login->body->str, "Worked well"));
    log_in ();
    page = browse ("GET", path, NULL);
    g_assert_cmpint (page->status, ==, 200);
    g_assert_nonnull (strstr (page->body->str, NOTE_BEFORE_ENROL_1));
    g_assert_nonnull (strstr (page->body->str, NOTE_BEFORE_ENROL_2));
    g_assert_nonnull (strstr (page->body->str, "Needs &lt;gloves&gt; &amp; boots, size 9"));
    g_assert_null (strstr (page->body->str, "<gloves>"));
  }
}

static void
test_key_rotation (void)
{
  const char *const rotate[] = { "keys", "rotate", NULL };
  const char *const list[] = { "keys", "list", NULL };
  g_autofree char *new_key_id = mend_test_hq_admin (sync_test_hq, rotate);
  g_autofree char *keys = NULL;
  g_autofree char *session1 = mend_test_session_id (1);
  g_autofree char *session0 = mend_test_session_id (0);
  g_autoptr (MendSyncReport) pull = NULL;
  g_autoptr (MendSyncReport) push = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *device_key = NULL;

  g_assert_cmpuint (strlen (new_key_id), ==, 16);
  g_assert_cmpstr (new_key_id, !=, old_key_id);
  keys = mend_test_hq_admin (sync_test_hq, list);
  g_assert_nonnull (strstr (keys, old_key_id));
  g_assert_nonnull (strstr (keys, new_key_id));
  g_assert_null (strstr (keys, "secret"));
  g_assert_cmpint (hq_count ("SELECT count(*) FROM hq_keys WHERE retired_at IS NULL", NULL), ==, 1);
  /* Migration 0005 names a key that existed before it the way mend_seal_key_id() does. */
  g_assert_cmpint (hq_count ("SELECT count(*) FROM hq_keys"
                             " WHERE key_id = substr(encode(sha256(public_key), 'hex'), 1, 16)",
                             NULL),
                   ==, 2);

  /* The next manifest carries the new key; notes from then on are sealed to it. */
  pull = sync_device_run_ok (&device);
  enrolment = mend_store_sync_get_enrolment (device.store, &error);
  g_assert_no_error (error);
  device_key = mend_seal_key_id_from_base64 (enrolment->hq_public_key, NULL);
  g_assert_cmpstr (device_key, ==, new_key_id);
  {
    g_autofree char *person = mend_test_participant_id (1, 0);

    g_free (mend_test_record_ok (device.store, mend_command_start_session (session1)));
    g_free (mend_test_record_ok (device.store, mend_command_check_in (session1, person)));
    check_out_with_note (1, 0, NOTE_AFTER_ROTATE);
  }
  push = sync_device_run_ok (&device);
  g_assert_cmpint (
      hq_count ("SELECT count(*) FROM events WHERE payload ->> 'notes_key' = $1", new_key_id), ==,
      1);

  /* Old notes open with the retired key, the new one with the current key. */
  {
    g_autofree char *path0 = g_strdup_printf ("/session?id=%s", session0);
    g_autofree char *path1 = g_strdup_printf ("/session?id=%s", session1);
    g_autoptr (Page) page0 = browse ("GET", path0, NULL);
    g_autoptr (Page) page1 = browse ("GET", path1, NULL);

    g_assert_nonnull (strstr (page0->body->str, NOTE_BEFORE_ENROL_1));
    g_assert_nonnull (strstr (page1->body->str, NOTE_AFTER_ROTATE));
    g_assert_null (strstr (page1->body->str, "cannot be opened"));
  }
  g_assert_false (store_holds (device.path, "rotated key"));
}

/* Names: HQ sent none for the session two days on, and the device dropped the ones it had;
 * case references stay. */
static char *
roster_names (MendStore *store, int session)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *session_id = mend_test_session_id (session);
  g_autoptr (GPtrArray) roster = mend_store_list_roster (store, session_id, &error);
  GString *names = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < roster->len; i++)
    {
      MendRosterRow *row = g_ptr_array_index (roster, i);

      g_assert_nonnull (row->case_ref);
      g_string_append_printf (names, "%s%s", names->len > 0 ? "," : "",
                              row->name != NULL ? row->name : "-");
    }
  return g_string_free (names, FALSE);
}

/* A request to HQ's device API with the device's own token, outside the engine: what a device
 * with a bug, or an attacker holding a token, could send. */
static long
device_request (SyncDevice *d, const char *method, const char *path, const char *body, GString *out)
{
  g_autofree char *token_path = mend_sync_token_path (d->path);
  g_autofree char *token = mend_sync_token_load (token_path, NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", sync_test_hq->port, path);
  g_autofree char *auth = g_strdup_printf ("Authorization: Bearer %s", token);
  struct curl_slist *list = curl_slist_append (NULL, auth);
  CURL *curl = curl_easy_init ();
  long status = 0;

  g_assert_nonnull (token);
  list = curl_slist_append (list, "Content-Type: application/json");
  list = curl_slist_append (list, "Expect:");
  curl_easy_setopt (curl, CURLOPT_URL, url);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt (curl, CURLOPT_CUSTOMREQUEST, method);
  if (body != NULL)
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, body_cb);
  {
    Page page = { .body = out };

    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &page);
    g_assert_cmpint (curl_easy_perform (curl), ==, CURLE_OK);
  }
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup (curl);
  curl_slist_free_all (list);
  return status;
}

static long
api_request (const char *method, const char *path, const char *body, GString *out)
{
  return device_request (&device, method, path, body, out);
}

/* What the device says of a person's check-out details for the referrer: their form only. */
static MendHistoryNote
alert_form (SyncDevice *d, const char *person_id, const char *event_id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = mend_store_list_person_history (d->store, person_id, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const MendHistoryRow *row = g_ptr_array_index (rows, i);

      if (g_str_equal (row->event_id, event_id))
        return row->alert_details;
    }
  g_assert_not_reached ();
}

/* Details for a referrer, end to end on a second device of the team: kept plainly before
 * enrolment and sealed by it, sealed as recorded after it, never in the store file, pushed by
 * the real engine and opened on the session's page at HQ. */
static void
test_alert_round_trip (void)
{
  SyncDevice second = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncReport) report = NULL;
  g_autoptr (GPtrArray) events = NULL;
  g_autofree char *session2 = mend_test_session_id (2);
  g_autofree char *person0 = mend_test_participant_id (2, 0);
  g_autofree char *person1 = mend_test_participant_id (2, 1);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  MendCheckOut out = { .outcome = "ATTC", .quality = "good", .behaviour = "good" };
  gboolean sealed = FALSE;
  const char *device_id;
  gint64 n = 0;

  sync_device_open (&second, NULL);
  device_id = mend_store_get_device_id (second.store);
  g_free (mend_test_record_ok (second.store, mend_command_start_session (session2)));
  g_free (mend_test_record_ok (second.store, mend_command_check_in (session2, person0)));
  g_free (mend_test_record_ok (second.store, mend_command_check_in (session2, person1)));

  /* Details go only with an alert, and are short. */
  {
    g_autoptr (MendCommand) unasked = NULL;
    g_autoptr (MendCommand) too_long = NULL;
    GString *text = g_string_new (NULL);

    out.alert_details = "No alert was asked for";
    unasked = mend_command_check_out (session2, person0, &out);
    g_assert_null (mend_store_record (second.store, unasked, &error));
    g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_ALERT_DETAILS_WITHOUT_ALERT);
    g_clear_error (&error);
    for (int i = 0; i <= MEND_ALERT_DETAILS_MAX_CHARS; i++)
      g_string_append_c (text, 'x');
    out.alert_referrer = TRUE;
    out.alert_details = text->str;
    too_long = mend_command_check_out (session2, person0, &out);
    g_assert_null (mend_store_record (second.store, too_long, &error));
    g_assert_error (error, MEND_RULE_ERROR, MEND_RULE_ALERT_DETAILS_TOO_LONG);
    g_clear_error (&error);
    g_string_free (text, TRUE);
  }

  /* Never enrolled: kept plainly, and the device says so, without the text. */
  out.alert_details = ALERT_BEFORE_ENROL;
  before = mend_test_record_ok (second.store, mend_command_check_out (session2, person0, &out));
  g_assert_true (store_holds (second.path, ALERT_BEFORE_ENROL));
  g_assert_cmpint (alert_form (&second, person0, before), ==, MEND_HISTORY_NOTE_PLAIN);

  /* Enrolment seals them with the notes, writes the chain again, leaves no trace. */
  sync_device_enrol_ok (&second);
  g_assert_false (store_holds (second.path, ALERT_BEFORE_ENROL));
  g_assert_true (mend_store_verify (second.store, &n, &error));
  g_assert_no_error (error);
  g_assert_cmpint (alert_form (&second, person0, before), ==, MEND_HISTORY_NOTE_SEALED);
  g_assert_true (mend_store_event_has_sealed_alert_details (second.store, before, &sealed, &error));
  g_assert_no_error (error);
  g_assert_true (sealed);

  /* Enrolled: sealed before the event is made. */
  out.alert_details = ALERT_AFTER_ENROL;
  after = mend_test_record_ok (second.store, mend_command_check_out (session2, person1, &out));
  g_assert_true (mend_store_event_has_sealed_alert_details (second.store, after, &sealed, &error));
  g_assert_no_error (error);
  g_assert_true (sealed);
  g_assert_cmpint (alert_form (&second, person1, after), ==, MEND_HISTORY_NOTE_SEALED);
  g_assert_false (store_holds (second.path, "moving house"));
  events = mend_store_list_events (second.store, session2, &error);
  g_assert_no_error (error);
  {
    guint placeholders = 0;

    for (guint i = 0; i < events->len; i++)
      {
        MendEventRow *row = g_ptr_array_index (events, i);

        placeholders += strstr (row->payload, MEND_SEAL_ALERT_PLACEHOLDER) != NULL;
        g_assert_null (strstr (row->payload, MEND_SEAL_ALERT_MEMBER));
        g_assert_null (strstr (row->payload, "moving house"));
      }
    g_assert_cmpuint (placeholders, ==, 2);
  }

  /* Pushed by the real engine: HQ holds ciphertext only, and opens it for its staff. */
  report = sync_device_run_ok (&second);
  g_assert_cmpint (sync_device_count (&second, "pending"), ==, 0);
  g_assert_cmpint (sync_device_count (&second, "parked"), ==, 0);
  g_assert_cmpint (
      hq_count ("SELECT count(*) FROM events WHERE device = $1 AND status = 'stored'"
                " AND payload ? 'alert_details_sealed' AND NOT payload ? 'alert_details'",
                device_id),
      ==, 2);
  g_assert_cmpint (hq_count ("SELECT count(*) FROM events WHERE payload::text ~ $1"
                             " OR convert_from(canonical, 'UTF8') ~ $1",
                             "Missed medication|moving house"),
                   ==, 0);
  {
    g_autofree char *path = g_strdup_printf ("/session?id=%s", session2);
    g_autoptr (Page) page = browse ("GET", path, NULL);

    g_assert_cmpint (page->status, ==, 200);
    g_assert_nonnull (strstr (page->body->str, "Referrer alerts"));
    g_assert_nonnull (
        strstr (page->body->str, "Missed medication; referrer to call &lt;today&gt;"));
    g_assert_nonnull (strstr (page->body->str, ALERT_AFTER_ENROL));
    g_assert_null (strstr (page->body->str, "<today>"));
  }

  /* Details whose ciphertext is not a sealed box (a damaged or hostile device, the event's hash
   * made good): HQ refuses that record by the payload rule, saying why, and keeps it out of the
   * team's data. */
  {
    g_autofree char *person2 = mend_test_participant_id (2, 2);
    g_autoptr (GPtrArray) pending = NULL;
    g_autoptr (GBytes) body = NULL;
    g_autoptr (GString) answer = g_string_new (NULL);
    g_autoptr (JsonParser) parser = json_parser_new ();
    g_autofree char *damaged = NULL;
    MendEventFields fields;
    MendEventRow *row;

    out.alert_details = "Never to reach HQ";
    g_free (mend_test_record_ok (second.store, mend_command_check_in (session2, person2)));
    g_free (mend_test_record_ok (second.store, mend_command_check_out (session2, person2, &out)));
    pending = mend_store_sync_pending_events (second.store, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (pending->len, ==, 2);
    row = g_ptr_array_index (pending, 1);
    g_assert_true (json_parser_load_from_data (parser, row->payload, -1, NULL));
    json_object_set_string_member (json_node_get_object (json_parser_get_root (parser)),
                                   MEND_SEAL_ALERT_MEMBER, "bm90IGEgc2VhbGVkIGJveA==");
    damaged = mend_canonical_json (json_parser_get_root (parser), NULL);
    g_free (row->payload);
    row->payload = g_strdup (damaged);
    mend_event_row_get_fields (row, device_id, &fields);
    g_free (row->hash);
    row->hash = mend_event_hash (row->prev_hash, &fields);
    body = mend_wire_encode_events (device_id, pending, &error);
    g_assert_no_error (error);
    g_assert_cmpint (
        device_request (&second, "POST", "/api/v1/events", g_bytes_get_data (body, NULL), answer),
        ==, 200);
    g_assert_nonnull (strstr (answer->str, "\"status\":\"invalid\""));
    g_assert_nonnull (strstr (answer->str, "alert_details_sealed"));
    g_assert_nonnull (strstr (answer->str, "base64"));
    g_assert_cmpint (hq_count ("SELECT count(*) FROM events WHERE device = $1"
                               " AND status = 'invalid' AND kind = 'attendance.checked_out'",
                               device_id),
                     ==, 1);
    mend_test_reliability_row ("referrer details that are not a sealed box", 1,
                               MEND_RELIABILITY_REFUSED);
  }

  /* Retention takes the sealed details with the rest of a check-out's free text. */
  {
    MendRetentionResult purge = { 0 };
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;

    g_assert_true (mend_store_retention_purge (
        second.store, mend_store_retention_cutoff (g_get_real_time () / 1000 + 1000, 0), FALSE,
        &purge, &error));
    g_assert_no_error (error);
    g_assert_cmpint (purge.events, >, 0);
    g_assert_cmpint (sqlite3_open_v2 (second.path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_prepare_v2 (db,
                                         "SELECT count(*), sum(json_type(payload, "
                                         "'$.alert_details_sealed') IS NOT NULL) FROM events "
                                         "WHERE kind = 'attendance.checked_out' AND purged_at "
                                         "IS NOT NULL",
                                         -1, &stmt, NULL),
                     ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 2);
    g_assert_cmpint (sqlite3_column_int (stmt, 1), ==, 0);
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    g_assert_cmpint (alert_form (&second, person0, before), ==, MEND_HISTORY_NOTE_NONE);
  }
  sync_device_close (&second, NULL);
}

static void
test_names_on_device (void)
{
  g_autofree char *today = roster_names (device.store, 0);
  g_autofree char *tomorrow = roster_names (device.store, 1);
  g_autofree char *later = roster_names (device.store, 2);

  g_assert_cmpstr (today, ==, "Person 0-0,Person 0-1,Person 0-2,Person 0-3");
  g_assert_cmpstr (tomorrow, ==, "Person 1-0,Person 1-1,Person 1-2,Person 1-3");
  g_assert_cmpstr (later, ==, "-,-,-,-");
}

/* The store function the app calls at start, on a store that never synced. */
static void
test_names_dropped_at_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (MendStore) store = mend_test_store_new (dir, 3, 2, MEND_STORE_OPEN_DEFAULT);
  g_autofree char *restricted = mend_test_participant_id (0, 1);
  g_autofree char *sql = NULL;
  guint dropped = 0;
  sqlite3 *db = NULL;

  /* A restricted person given a name by mistake loses it too (set with the store closed). */
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sql = g_strdup_printf ("UPDATE participants SET restricted = 1 WHERE id = '%s'", restricted);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);

  g_assert_true (store_holds (path, "Person 2-0"));
  g_assert_true (mend_store_drop_names (store, mend_time_now_ms (), &dropped, &error));
  g_assert_no_error (error);
  /* Gone from the file's bytes, not only from the table. */
  g_assert_false (store_holds (path, "Person 2-0"));
  g_assert_false (store_holds (path, "Person 2-1"));
  g_assert_false (store_holds (path, "Person 0-1"));
  g_assert_true (store_holds (path, "Person 0-0"));
  /* Session 2 (two days on): both people; session 0: the restricted one. */
  g_assert_cmpuint (dropped, ==, 3);
  {
    g_autofree char *s0 = roster_names (store, 0);
    g_autofree char *s1 = roster_names (store, 1);
    g_autofree char *s2 = roster_names (store, 2);

    g_assert_cmpstr (s0, ==, "Person 0-0,-");
    g_assert_cmpstr (s1, ==, "Person 1-0,Person 1-1");
    g_assert_cmpstr (s2, ==, "-,-");
  }
  /* Two days later, today's and tomorrow's people have gone out of the window as well. */
  g_assert_true (
      mend_store_drop_names (store, mend_time_now_ms () + 2 * 24 * 3600 * 1000, &dropped, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (dropped, ==, 3);
  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

/* The breach report ---------------------------------------------------------------------- */

static gint64
hq_purged (const char *device_id)
{
  return hq_count ("SELECT count(*) FROM device_purges WHERE device = $1", device_id);
}

/* The fields of one person's line of `mend-hq admin device report`. */
static char **
report_line (const char *report, const char *case_ref)
{
  g_auto (GStrv) lines = g_strsplit (report, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);

      if (g_strv_length (f) == 14 && strcmp (f[1], case_ref) == 0)
        return g_steal_pointer (&f);
    }
  g_assert_not_reached ();
}

/* The device's purges reach HQ (sync/PROTOCOL.md section 14): not before it has synced, resent
 * after a pass that could not reach HQ, once only, refused when they name records HQ never
 * got; and the breach report says per person and session what is purged and what is held. */
static void
test_purge_report (void)
{
  const char *device_id = mend_store_get_device_id (device.store);
  const char *const args[] = { "device", "report", device_id, NULL };
  g_autofree char *session1 = mend_test_session_id (1);
  g_autofree char *person = mend_test_participant_id (1, 1);
  g_autofree char *url = sync_test_url ();
  g_autofree char *report = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ranges = NULL;
  MendRetentionResult purge = { 0 };
  gint64 own = 0;

  g_assert_cmpint (sync_device_count (&device, "pending"), ==, 0);
  g_assert_cmpint (hq_purged (device_id), ==, 0);

  /* Everything HQ holds is purged; one record made after it is not. */
  g_assert_true (mend_store_retention_purge (
      device.store, mend_store_retention_cutoff (g_get_real_time () / 1000 + 1000, 0), FALSE,
      &purge, &error));
  g_assert_no_error (error);
  g_assert_cmpint (purge.events, >, 0);
  g_free (mend_test_record_ok (device.store, mend_command_check_in (session1, person)));
  g_assert_true (mend_store_retention_count_purged (device.store, &own, &error));
  g_assert_no_error (error);
  g_assert_cmpint (own, ==, purge.events);
  ranges = mend_store_retention_purged_ranges (device.store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ranges->len, ==, 1);
  g_assert_cmpint (g_array_index (ranges, MendPurgeRange, 0).first_seq, ==, 1);
  g_assert_cmpint (g_array_index (ranges, MendPurgeRange, 0).last_seq, ==, own);

  /* Not synced yet: HQ still counts everything as held. */
  report = mend_test_hq_admin (sync_test_hq, args);
  {
    g_auto (GStrv) f = report_line (report, "T/00000/00");

    g_assert_true (g_str_has_prefix (f[13], "3 of 3 records still held as of the last sync on 20"));
  }
  g_clear_pointer (&report, g_free);

  /* A pass that cannot reach HQ reports nothing and loses nothing; the next one reports all. */
  sync_device_point_at (&device, "http://127.0.0.1:1");
  {
    g_autoptr (MendSyncReport) failed = sync_device_run_ok (&device);

    g_assert_cmpint (failed->state, !=, MEND_SYNC_STATE_COMPLETE);
    g_assert_cmpint (failed->purge_runs_sent, ==, 0);
  }
  g_assert_cmpint (hq_purged (device_id), ==, 0);
  sync_device_point_at (&device, url);
  {
    g_autoptr (MendSyncReport) pass = sync_device_run_ok (&device);

    g_assert_cmpint (pass->state, ==, MEND_SYNC_STATE_COMPLETE);
    g_assert_cmpint (pass->purge_runs_sent, ==, 1);
  }
  g_assert_cmpint (hq_purged (device_id), ==, own);
  mend_test_reliability_row ("a purge report while HQ cannot be reached", 1,
                             MEND_RELIABILITY_NOTHING_LOST);
  /* Counts agree: the next pass asks and sends nothing. */
  {
    g_autoptr (MendSyncReport) pass = sync_device_run_ok (&device);

    g_assert_cmpint (pass->purge_runs_sent, ==, 0);
  }

  /* HQ forgets part of it (a restored backup): the device sends all its runs again, and what
   * HQ still held is not counted twice. */
  g_assert_cmpint (hq_count ("WITH gone AS (DELETE FROM device_purges WHERE device = $1"
                             " AND seq > 2 RETURNING 1) SELECT count(*) FROM gone",
                             device_id),
                   ==, own - 2);
  {
    g_autoptr (MendSyncReport) pass = sync_device_run_ok (&device);

    g_assert_cmpint (pass->purge_runs_sent, ==, 1);
  }
  g_assert_cmpint (hq_purged (device_id), ==, own);

  /* Refused whole, with a clear message: records HQ never got, overlapping runs, bad form. */
  {
    struct
    {
      const char *body;
      long status;
      const char *message;
    } bad[] = {
      { "{\"device_id\":\"DEVICE\",\"purged\":[{\"first_seq\":1,\"last_seq\":99999,"
        "\"purged_at\":1764147900000}]}",
        400, "holds no event seq" },
      { "{\"device_id\":\"DEVICE\",\"purged\":[{\"first_seq\":1,\"last_seq\":3,"
        "\"purged_at\":1},{\"first_seq\":3,\"last_seq\":4,\"purged_at\":1}]}",
        400, "overlaps" },
      { "{\"device_id\":\"DEVICE\",\"purged\":[{\"first_seq\":0,\"last_seq\":3,"
        "\"purged_at\":1}]}",
        400, "first_seq" },
      { "{\"device_id\":\"DEVICE\",\"purged\":[]}", 413, "1 to 1000" },
      { "{\"device_id\":\"00000000-0000-4000-8000-000000000000\",\"purged\":[{\"first_seq\":1,"
        "\"last_seq\":1,\"purged_at\":1}]}",
        403, "device_id" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_auto (GStrv) parts = g_strsplit (bad[i].body, "DEVICE", -1);
        g_autofree char *body = g_strjoinv (device_id, parts);
        g_autoptr (GString) answer = g_string_new (NULL);

        g_assert_cmpint (api_request ("POST", "/api/v1/purges", body, answer), ==, bad[i].status);
        g_assert_nonnull (strstr (answer->str, bad[i].message));
        g_assert_cmpint (hq_purged (device_id), ==, own);
      }
    mend_test_reliability_row ("a purge report naming records HQ never got", G_N_ELEMENTS (bad),
                               MEND_RELIABILITY_REFUSED);
  }
  /* Sent twice by hand: the same answer, nothing added. */
  {
    g_autofree char *body = g_strdup_printf ("{\"device_id\":\"%s\",\"purged\":[{\"first_seq\":1,"
                                             "\"last_seq\":2,\"purged_at\":1764147900000}]}",
                                             device_id);
    g_autofree char *expected = g_strdup_printf ("\"events_purged\":%" G_GINT64_FORMAT, own);
    g_autoptr (GString) answer = g_string_new (NULL);
    g_autoptr (GString) state = g_string_new (NULL);

    g_assert_cmpint (api_request ("POST", "/api/v1/purges", body, answer), ==, 200);
    g_assert_nonnull (strstr (answer->str, expected));
    g_assert_cmpint (api_request ("GET", "/api/v1/purges", NULL, state), ==, 200);
    g_assert_cmpstr (state->str, ==, answer->str);
    g_assert_cmpint (api_request ("PUT", "/api/v1/purges", "{}", state), ==, 405);
  }

  /* The breach report: purged with its date for the people and sessions whose every record
   * went; held as of the last sync where a record is left. */
  report = mend_test_hq_admin (sync_test_hq, args);
  {
    g_auto (GStrv) gone = report_line (report, "T/00000/00");
    g_auto (GStrv) held = report_line (report, "T/00001/01");

    g_assert_cmpstr (gone[11], ==, "3");
    g_assert_cmpuint (strlen (gone[12]), ==, 20);
    g_assert_true (g_str_has_prefix (gone[13], "purged from the device on 20"));
    g_assert_true (g_str_has_suffix (gone[13], gone[12]));
    g_assert_true (
        g_str_has_prefix (held[13], "1 of 1 records still held as of the last sync on 20"));
  }
  {
    g_autofree char *session0 = mend_test_session_id (0);
    g_autofree char *line0 = g_strdup_printf ("\n%s\t", session0);
    g_autofree char *line1 = g_strdup_printf ("\n%s\t", session1);
    const char *s0 = strstr (report, line0);
    const char *s1 = strstr (report, line1);
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    g_assert_nonnull (strstr (report, "\nsessions\t"));
    g_assert_nonnull (s0);
    g_assert_nonnull (s1);
    first = g_strndup (s0 + 1, strcspn (s0 + 1, "\n"));
    second = g_strndup (s1 + 1, strcspn (s1 + 1, "\n"));
    g_assert_nonnull (strstr (first, "\tpurged from the device on 20"));
    g_assert_nonnull (strstr (second, " records still held as of the last sync on 20"));
  }
  {
    g_autofree char *path = g_strdup_printf ("/devices/report?id=%s", device_id);
    g_autoptr (Page) page = browse ("GET", path, NULL);

    g_assert_cmpint (page->status, ==, 200);
    g_assert_nonnull (strstr (page->body->str, "Sessions it recorded"));
    g_assert_nonnull (strstr (page->body->str, "purged from the device on 20"));
    g_assert_nonnull (strstr (page->body->str, "records still held as of the last sync on 20"));
  }
}

static void
test_breach_report (void)
{
  const char *device_id = mend_store_get_device_id (device.store);
  const char *const args[] = { "device", "report", device_id, NULL };
  g_autofree char *report = NULL;
  g_autofree char *path = g_strdup_printf ("/devices/report?id=%s", device_id);
  g_auto (GStrv) lines = NULL;
  guint people = 0, named = 0;

  /* One person's only session in the window loses them; another leaves HQ altogether. The
   * device's next pass takes the name away and removes the other, and HQ records both. */
  {
    g_autofree char *session = mend_test_session_id (1);
    g_autofree char *unassigned = mend_test_participant_id (1, 3);
    g_autofree char *removed = mend_test_participant_id (1, 2);
    const char *const unassign[]
        = { "assign", "--session", session, "--person", unassigned, "--remove", NULL };
    const char *const remove[] = { "person", "remove", removed, NULL };
    g_autoptr (MendSyncReport) pass = NULL;

    g_free (mend_test_hq_admin (sync_test_hq, unassign));
    g_free (mend_test_hq_admin (sync_test_hq, remove));
    pass = sync_device_run_ok (&device);
  }
  report = mend_test_hq_admin (sync_test_hq, args);
  lines = g_strsplit (report, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);

      if (g_strv_length (f) != 14 || !g_str_has_prefix (f[1], "T/"))
        continue;
      people++;
      /* Everyone's case reference went; names only for today's and tomorrow's sessions. */
      g_assert_cmpuint (strlen (f[3]), ==, 20);
      if (g_str_has_prefix (f[1], "T/00002/"))
        g_assert_cmpstr (f[5], ==, "");
      else
        {
          g_assert_cmpuint (strlen (f[5]), ==, 20);
          named++;
        }
      g_assert_cmpuint (strlen (f[7]), ==, strcmp (f[1], "T/00001/03") == 0 ? 20 : 0);
      g_assert_cmpuint (strlen (f[8]), ==, strcmp (f[1], "T/00001/02") == 0 ? 20 : 0);
      g_assert_cmpstr (f[2], ==,
                       g_str_has_prefix (f[1], "T/00002/") || strcmp (f[1], "T/00001/03") == 0
                               || strcmp (f[1], "T/00001/02") == 0
                           ? "no"
                           : "yes");
      /* The records the device sent back are counted per person. */
      if (strcmp (f[1], "T/00000/03") == 0)
        g_assert_cmpint (atoi (f[9]), >=, 3);
    }
  g_assert_cmpuint (people, ==, SYNC_TEST_SESSIONS * SYNC_TEST_PEOPLE);
  g_assert_cmpuint (named, ==, 2 * SYNC_TEST_PEOPLE);
  g_assert_nonnull (strstr (report, "revoked\t\n"));
  g_assert_nonnull (strstr (report, "what the device reported purging by its last sync"));

  {
    g_autoptr (Page) page = browse ("GET", path, NULL);
    g_autoptr (Page) missing = browse ("GET", "/devices/report?id=no-such-device", NULL);
    g_autoptr (Page) forged = NULL;
    g_autoptr (Page) revoked = NULL;
    g_autoptr (Page) after = NULL;
    g_autofree char *csrf = NULL;
    g_autofree char *body = NULL;

    g_assert_cmpint (page->status, ==, 200);
    g_assert_nonnull (strstr (page->body->str, "T/00002/03"));
    g_assert_nonnull (strstr (page->body->str, "Person 0-0"));
    g_assert_nonnull (strstr (page->body->str, "Revoke this device now"));
    g_assert_cmpint (missing->status, ==, 404);

    /* Without the form's token the revoke is refused and changes nothing. */
    body = form ((const char *const[]){ "device", device_id, "back", "report", NULL });
    forged = browse ("POST", "/devices/revoke", body);
    g_assert_cmpint (forged->status, ==, 403);
    g_assert_cmpint (
        hq_count ("SELECT count(*) FROM devices WHERE id = $1 AND revoked_at IS NULL", device_id),
        ==, 1);

    /* One action from the report revokes, and the report says so. */
    csrf = csrf_of (page);
    g_free (body);
    body
        = form ((const char *const[]){ "csrf", csrf, "device", device_id, "back", "report", NULL });
    revoked = browse ("POST", "/devices/revoke", body);
    g_assert_cmpint (revoked->status, ==, 303);
    g_assert_cmpstr (revoked->location, ==, path);
    g_assert_cmpint (hq_count ("SELECT count(*) FROM devices WHERE id = $1 AND revoked_at IS NOT "
                               "NULL",
                               device_id),
                     ==, 1);
    after = browse ("GET", path, NULL);
    g_assert_nonnull (strstr (after->body->str, "revoked 20"));
    g_assert_null (strstr (after->body->str, "Revoke this device now"));
  }
}

/* Enrolment that cannot seal changes nothing ------------------------------------------- */

static MendStore *
store_with_plain_note (const char *dir)
{
  MendStore *store = mend_test_store_new (dir, 1, 2, MEND_STORE_OPEN_DEFAULT);
  g_autofree char *session = mend_test_session_id (0);
  g_autofree char *person = mend_test_participant_id (0, 0);
  MendCheckOut out
      = { .outcome = "ATTC", .quality = "good", .behaviour = "good", .notes = NOTE_BEFORE_ENROL_2 };

  g_free (mend_test_record_ok (store, mend_command_start_session (session)));
  g_free (mend_test_record_ok (store, mend_command_check_in (session, person)));
  g_free (mend_test_record_ok (store, mend_command_check_out (session, person, &out)));
  return store;
}

static void
assert_not_enrolled (MendStore *store, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = mend_store_sync_get_enrolment (store, &error);

  g_assert_no_error (error);
  g_assert_null (enrolment);
  g_assert_true (mend_store_verify (store, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (store_holds (path, NOTE_BEFORE_ENROL_2));
}

static void
test_seal_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "mend.db", NULL);
  g_autoptr (MendStore) store = store_with_plain_note (dir);
  guint8 pk[32], sk[32];
  char pk64[64];
  sqlite3 *db = NULL;

  crypto_box_keypair (pk, sk);
  sodium_bin2base64 (pk64, sizeof pk64, pk, 32, sodium_base64_VARIANT_ORIGINAL);

  /* A key that is not a key: refused, and the store is as it was. */
  g_assert_false (mend_store_sync_set_enrolment (store, "http://127.0.0.1:9", NULL, "team", "Team",
                                                 "bm90IGEga2V5", &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_clear_error (&error);
  assert_not_enrolled (store, path);

  /* HQ already answered for an event after the plain note (set with the store closed, as no
   * path of the app does): sealing would break the chain HQ holds, so enrolment is refused. */
  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "UPDATE events SET sync_state = 'acknowledged' "
                                 "WHERE seq = (SELECT max(seq) FROM events)",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  store = mend_store_open (path, MEND_STORE_OPEN_DEFAULT, &error);
  g_assert_no_error (error);
  g_assert_false (mend_store_sync_set_enrolment (store, "http://127.0.0.1:9", NULL, "team", "Team",
                                                 pk64, &error));
  g_assert_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "already answered"));
  g_clear_error (&error);
  assert_not_enrolled (store, path);

  g_clear_object (&store);
  mend_test_remove_tree (dir);
}

/* mendctl status reports the storage check, in text and JSON. */
static void
test_status_storage (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "mend.db", NULL);
  const char *const init[] = { "init", NULL };
  const char *const text[] = { "status", NULL };
  const char *const json[] = { "status", "--json", NULL };
  g_autofree char *out = NULL;
  g_autoptr (JsonNode) node = NULL;
  JsonObject *object;
  int status;

  g_free (mendctl (db, init, &status));
  g_assert_cmpint (status, ==, 0);
  out = mendctl (db, text, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "Storage:"));
  g_free (out);
  out = mendctl (db, json, &status);
  g_assert_cmpint (status, ==, 0);
  node = json_from_string (out, &error);
  g_assert_no_error (error);
  object = json_node_get_object (node);
  g_assert_true (json_object_has_member (object, "storage_encrypted"));
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "storage")), >, 0);
  g_test_message ("this machine: %s", json_object_get_string_member (object, "storage"));
  mend_test_remove_tree (dir);
}

/* Nothing personal in any log ---------------------------------------------------------- */

/* Only the demo's people are wanted here, not its supervisors' PIN hashes. */
static char *
no_pin_hash (const MendDemoSupervisor *supervisor, gpointer user_data, GError **error)
{
  return g_strdup ("$argon2id$unused");
}

static void
test_logs (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) needles = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonObject) demo = mend_demo_reference (no_pin_hash, NULL, &error);
  g_autofree char *dir = mend_test_temp_dir ();
  g_autofree char *db = g_build_filename (dir, "demo.db", NULL);
  g_autofree char *server_log = NULL;
  int status;

  g_assert_no_error (error);
  /* A demo store driven through the usual commands, a refusal among them, their standard
   * error kept. */
  {
    g_autofree char *session = mend_demo_session_id ("spring-rise", 0);
    const char *const commands[][9] = {
      { "demo", NULL },
      { "status", NULL },
      { "sessions", NULL },
      { "roster", session, NULL },
      { "start", session, "--at", "09:00", NULL },
      { "check-in", session, "KTG/26/0417", "--at", "09:00", NULL },
      { "check-in", session, "KTG/26/0417", "--at", "09:00", NULL },
      { "check-out", session, "KTG/26/0417", "--outcome", "ATTC", "--notes", NOTE_AFTER_ROTATE,
        NULL },
      { "events", NULL },
      { "verify", NULL },
      { "export", "--format", "csv", NULL },
    };
    const int expected[] = { 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 };

    G_STATIC_ASSERT (G_N_ELEMENTS (commands) == G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
      {
        g_free (mendctl (db, commands[i], &status));
        g_assert_cmpint (status, ==, expected[i]);
      }
  }

  /* The demo's people and this run's people, by name and case reference, and the notes. */
  {
    JsonArray *people = json_object_get_array_member (demo, "participants");

    for (guint i = 0; i < json_array_get_length (people); i++)
      {
        JsonObject *p = json_array_get_object_element (people, i);
        const char *name = json_object_get_string_member_with_default (p, "display_name", NULL);

        g_ptr_array_add (needles, g_strdup (json_object_get_string_member (p, "case_ref")));
        if (name != NULL)
          g_ptr_array_add (needles, g_strdup (name));
      }
    g_assert_cmpuint (needles->len, >, 4);
  }
  for (int s = 0; s < SYNC_TEST_SESSIONS; s++)
    for (int p = 0; p < SYNC_TEST_PEOPLE; p++)
      {
        g_ptr_array_add (needles, g_strdup_printf ("Person %d-%d", s, p));
        g_ptr_array_add (needles, g_strdup_printf ("T/%05d/%02d", s, p));
      }
  g_ptr_array_add (needles, g_strdup (NOTE_BEFORE_ENROL_1));
  g_ptr_array_add (needles, g_strdup (ALERT_BEFORE_ENROL));
  g_ptr_array_add (needles, g_strdup (ALERT_AFTER_ENROL));
  g_ptr_array_add (needles, g_strdup (NOTE_BEFORE_ENROL_2));
  g_ptr_array_add (needles, g_strdup ("gloves"));
  g_ptr_array_add (needles, g_strdup (NOTE_AFTER_ROTATE));

  /* mend-hq's own log is this process's standard error, which it inherited. */
  fsync (STDERR_FILENO);
  g_assert_true (g_file_get_contents (stderr_log, &server_log, NULL, &error));
  g_assert_nonnull (strstr (server_log, "event=manifest"));
  g_assert_nonnull (strstr (server_log, "event=device_revoked"));
  g_test_message ("searched %" G_GSIZE_FORMAT " bytes of mend-hq log and %" G_GSIZE_FORMAT
                  " bytes of mendctl standard error for %u names, case references and notes",
                  strlen (server_log), mendctl_stderr->len, needles->len);
  for (guint i = 0; i < needles->len; i++)
    {
      const char *needle = g_ptr_array_index (needles, i);

      if (strstr (server_log, needle) != NULL || strstr (mendctl_stderr->str, needle) != NULL)
        g_error ("a log holds personal data (entry %u of the list)", i);
    }
  mend_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *log_dir = NULL;
  int saved_stderr, fd, result;

  /* This process's standard error goes to a file mend-hq inherits, so its log can be
   * searched; it is copied back to the real standard error at the end. */
  log_dir = g_dir_make_tmp ("mend-privacy-XXXXXX", NULL);
  stderr_log = g_build_filename (log_dir, "stderr.log", NULL);
  fd = open (stderr_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  saved_stderr = dup (STDERR_FILENO);
  dup2 (fd, STDERR_FILENO);
  close (fd);
  mendctl_stderr = g_string_new (NULL);

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* Test paths are numbered: GLib runs them in path order, and each builds on the one before. */
  g_test_message ("standard error (mend-hq's log) goes to %s until the end", stderr_log);
  curl_global_init (CURL_GLOBAL_DEFAULT);
  browser = curl_easy_init ();
  sync_test_hq_start ();

  g_test_add_func ("/privacy/1-seal-unit", test_seal_unit);
  g_test_add_func ("/privacy/2-seal-wire", test_seal_wire);
  g_test_add_func ("/privacy/25-alert-wire", test_alert_wire);
  g_test_add_func ("/privacy/26-purge-wire", test_purge_wire);
  g_test_add_func ("/privacy/3-notes-round-trip", test_notes_round_trip);
  g_test_add_func ("/privacy/4-key-rotation", test_key_rotation);
  g_test_add_func ("/privacy/45-alert-round-trip", test_alert_round_trip);
  g_test_add_func ("/privacy/5-names-on-device", test_names_on_device);
  g_test_add_func ("/privacy/6-names-dropped-at-start", test_names_dropped_at_start);
  g_test_add_func ("/privacy/65-purge-report", test_purge_report);
  g_test_add_func ("/privacy/7-breach-report", test_breach_report);
  g_test_add_func ("/privacy/75-seal-refused", test_seal_refused);
  g_test_add_func ("/privacy/76-status-storage", test_status_storage);
  g_test_add_func ("/privacy/8-logs", test_logs);
  result = g_test_run ();

  if (device.store != NULL)
    sync_device_close (&device, NULL);
  sync_test_hq_stop ();
  curl_easy_cleanup (browser);
  {
    g_autofree char *text = NULL;
    gsize length = 0;

    dup2 (saved_stderr, STDERR_FILENO);
    if (g_file_get_contents (stderr_log, &text, &length, NULL) && length > 0
        && write (STDERR_FILENO, text, length) < 0)
      result = 1;
  }
  g_unlink (stderr_log);
  g_rmdir (log_dir);
  g_string_free (mendctl_stderr, TRUE);
  g_free (old_key_id);
  g_free (stderr_log);
  return result;
}
