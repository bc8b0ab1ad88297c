/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-engine.h"

#include <string.h>

#include "mend-demo.h"
#include "mend-sync-engine-private.h"
#include "mend-sync-token.h"
#include "mend-wire.h"

/* Enrolment and one pass: events, then photos (mend-sync-engine-photos.c), then the manifest.
 * The rule of PROTOCOL.md section 13.1 holds throughout: only HQ's own answer, read and
 * checked, changes what the store says HQ holds; every other outcome (no answer, a cut, a
 * 5xx, a captive portal's page) changes nothing and ends the pass as "waiting". */

enum
{
  SIGNAL_PROGRESS,
  N_SIGNALS,
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (MendSyncEngine, mend_sync_engine, G_TYPE_OBJECT)

#define JSON_TYPE "application/json"

const char *
mend_sync_state_to_string (MendSyncState state)
{
  switch (state)
    {
    case MEND_SYNC_STATE_COMPLETE:
      return "complete";
    case MEND_SYNC_STATE_PARKED:
      return "parked";
    case MEND_SYNC_STATE_WAITING:
      return "waiting";
    case MEND_SYNC_STATE_REENROL:
      return "reenrol";
    default:
      g_assert_not_reached ();
    }
}

void
mend_sync_report_free (MendSyncReport *report)
{
  if (report == NULL)
    return;
  g_free (report->stopped);
  g_clear_pointer (&report->counts, mend_sync_counts_free);
  g_free (report);
}

static void
pass_free (MendSyncPass *pass)
{
  g_clear_object (&pass->client);
  if (pass->token != NULL)
    {
      memset (pass->token, 0, strlen (pass->token));
      g_free (pass->token);
    }
  g_free (pass->team_id);
  g_clear_pointer (&pass->report, mend_sync_report_free);
  g_clear_pointer (&pass->batch, g_ptr_array_unref);
  g_clear_pointer (&pass->photos, g_ptr_array_unref);
  g_clear_object (&pass->stream);
  g_clear_pointer (&pass->purge_ranges, g_array_unref);
  g_free (pass);
}

/* Every answer carries HQ's Date: the last one says how far off the device's clock is. */
void
mend_sync_pass_note_response (MendSyncPass *pass, const MendHttpResponse *response)
{
  MendSyncReport *report = pass->report;

  if (!response->has_date)
    return;
  report->has_clock_skew = TRUE;
  report->clock_warning
      = mend_wire_clock_skew_ms (response->date_ms, response->received_ms, &report->clock_skew_ms);
}

void
mend_sync_pass_progress (MendSyncPass *pass)
{
  g_signal_emit (pass->engine, signals[SIGNAL_PROGRESS], 0);
}

/* HQ's own sentence about a refusal, or the status when the body is not HQ's error object. */
char *
mend_sync_refusal_text (const MendHttpResponse *response)
{
  g_autoptr (MendWireRefusal) refusal = NULL;
  gsize length = 0;
  const char *body = g_bytes_get_data (response->body, &length);

  if (mend_http_response_is_json (response) && body != NULL)
    refusal = mend_wire_decode_error (body, length, NULL);
  if (refusal != NULL)
    return g_strdup_printf ("HQ answered %ld %s: %s", response->status, refusal->code,
                            refusal->message);
  return g_strdup_printf ("HQ answered %ld without its error object (a proxy or a captive "
                          "portal?)",
                          response->status);
}

/* How the pass went, for the store's enrolment row (last attempt, success, clock). */
typedef struct
{
  gint64 at_ms;
  gboolean success;
  char *last_error;
  gboolean has_clock_skew;
  gint64 clock_skew_ms;
} PassRecord;

static void
pass_record_free (PassRecord *record)
{
  g_free (record->last_error);
  g_free (record);
}

static gboolean
pass_record_write (MendStore *store, gpointer data, GError **error)
{
  PassRecord *record = data;

  return mend_store_sync_record_pass (store, record->at_ms, record->success, record->last_error,
                                      record->has_clock_skew, record->clock_skew_ms, record->at_ms,
                                      error);
}

static void
pass_recorded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  GError *error = NULL;

  if (!mend_sync_pass_write_finish (result, NULL, &error))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  pass->engine->running = FALSE;
  mend_sync_pass_progress (pass);
  g_task_return_pointer (task, g_steal_pointer (&pass->report),
                         (GDestroyNotify)mend_sync_report_free);
}

static void
pass_finish (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncEngine *self = pass->engine;
  MendSyncReport *report = pass->report;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  GError *error = NULL;
  MendSyncCounts *counts;
  PassRecord *record;

  counts = mend_store_sync_get_counts (self->store, &error);
  if (counts == NULL)
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  report->counts = counts;
  if (pass->client != NULL)
    report->bytes_sent = mend_http_client_get_bytes_sent (pass->client);
  enrolment = mend_store_sync_get_enrolment (self->store, NULL);
  if (enrolment != NULL && enrolment->reenrol_needed)
    report->state = MEND_SYNC_STATE_REENROL;
  else if (report->stopped != NULL || counts->events_pending > 0 || counts->photos_waiting > 0)
    report->state = MEND_SYNC_STATE_WAITING;
  else if (counts->events_parked > 0 || counts->photos_problem > 0 || counts->photos_held > 0)
    report->state = MEND_SYNC_STATE_PARKED;
  else
    report->state = MEND_SYNC_STATE_COMPLETE;

  record = g_new0 (PassRecord, 1);
  record->at_ms = g_get_real_time () / 1000;
  record->success = report->stopped == NULL && report->state != MEND_SYNC_STATE_REENROL;
  record->last_error = g_strdup (report->stopped);
  record->has_clock_skew = report->has_clock_skew;
  record->clock_skew_ms = report->clock_skew_ms;
  mend_sync_pass_write (task, pass_record_write, record, (GDestroyNotify)pass_record_free,
                        pass_recorded_cb);
}

/**
 * mend_sync_pass_stop:
 * @state: %MEND_SYNC_STATE_REENROL when HQ refused the token, else %MEND_SYNC_STATE_WAITING
 *
 * Ends the pass early with the reason, leaving the store as HQ last said.
 */
void
mend_sync_pass_stop (GTask *task, MendSyncState state, const char *format, ...)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  va_list args;

  g_clear_pointer (&pass->report->stopped, g_free);
  va_start (args, format);
  pass->report->stopped = g_strdup_vprintf (format, args);
  va_end (args);
  g_info ("sync stopped: %s", pass->report->stopped);
  if (state == MEND_SYNC_STATE_REENROL)
    {
      GError *error = NULL;

      if (!mend_store_sync_set_reenrol_needed (pass->engine->store, &error))
        {
          mend_sync_pass_fail (task, error);
          return;
        }
    }
  pass_finish (task);
}

/* A failure of the device itself (its store, its token file): the pass ends with an error. */
void
mend_sync_pass_fail (GTask *task, GError *error)
{
  MendSyncPass *pass = g_task_get_task_data (task);

  pass->engine->running = FALSE;
  g_task_return_error (task, error);
}

/**
 * mend_sync_pass_transfer_failed:
 * @error: (transfer full): why the request did not complete
 * @what: what the pass was doing, for the message
 *
 * A transfer that did not complete, or was cancelled: cancelling ends the pass with the error;
 * anything else (the network) stops it to wait and try again. Every request of a pass ends
 * here when it gets no answer.
 */
void
mend_sync_pass_transfer_failed (GTask *task, GError *error, const char *what)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "%s: %s", what, error->message);
  g_error_free (error);
}

static guint
retry_after (const MendHttpResponse *response)
{
  const char *value = mend_http_response_header (response, "retry-after");
  guint64 seconds = 0;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 0, 24 * 3600, &seconds, NULL))
    return (guint)seconds;
  return 0;
}

/**
 * mend_sync_pass_token_refused:
 * @what: what the pass was doing, for the message
 *
 * HQ answered 401: the device's token is no longer good, and only enrolling again helps.
 */
void
mend_sync_pass_token_refused (GTask *task, const char *what)
{
  mend_sync_pass_stop (task, MEND_SYNC_STATE_REENROL,
                       "%s: HQ no longer accepts this device's token (revoked?); enrol it "
                       "again with a new code",
                       what);
}

/* The answers every endpoint shares: the token refused, HQ busy or down, anything that is not
 * HQ. Returns TRUE when it ended the pass. */
gboolean
mend_sync_pass_common_refusal (GTask *task, const MendHttpResponse *response, const char *what)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autofree char *text = NULL;

  if (response->status == 401)
    {
      mend_sync_pass_token_refused (task, what);
      return TRUE;
    }
  if (response->status == 429 || response->status >= 500)
    {
      pass->report->retry_after_s = retry_after (response);
      text = mend_sync_refusal_text (response);
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "%s: %s", what, text);
      return TRUE;
    }
  return FALSE;
}

/* Pull: GET /api/v1/manifest (PROTOCOL.md section 12). */

static gboolean
manifest_write (MendStore *store, gpointer data, GError **error)
{
  MendWireManifest *manifest = data;

  return mend_store_sync_apply_manifest (store, manifest->reference, manifest->deleted,
                                         manifest->full, manifest->cursor, manifest->hq_public_key,
                                         manifest->team_name, error);
}

static void
manifest_applied_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  GError *error = NULL;

  if (!mend_sync_pass_write_finish (result, NULL, &error))
    {
      /* A manifest the store refuses changes nothing; HQ has to send a better one. */
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "applying HQ's manifest: %s",
                           error->message);
      g_error_free (error);
      return;
    }
  pass->report->manifest_applied = TRUE;
  pass_finish (task);
}

static void
pull_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (MendHttpResponse) response = NULL;
  g_autoptr (MendWireManifest) manifest = NULL;
  GError *error = NULL;
  gsize length = 0;
  const char *body;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      mend_sync_pass_transfer_failed (task, error, "pulling the manifest");
      return;
    }
  mend_sync_pass_note_response (pass, response);
  if (mend_sync_pass_common_refusal (task, response, "pulling the manifest"))
    return;
  if (response->status != 200)
    {
      g_autofree char *text = mend_sync_refusal_text (response);
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "pulling the manifest: %s", text);
      return;
    }
  body = g_bytes_get_data (response->body, &length);
  if (!mend_http_response_is_json (response)
      || (manifest = mend_wire_decode_manifest (body != NULL ? body : "", length, &error)) == NULL)
    {
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING,
                           "pulling the manifest: the answer is not HQ's manifest (%s)",
                           error != NULL ? error->message : "not JSON");
      g_clear_error (&error);
      return;
    }
  if (manifest->team_id != NULL && g_strcmp0 (manifest->team_id, pass->team_id) != 0)
    {
      /* Another team's data on this device would be a leak and a muddle: take none of it. */
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING,
                           "pulling the manifest: HQ sent team %s's data, but this device is "
                           "enrolled in team %s; nothing was applied",
                           manifest->team_id, pass->team_id);
      return;
    }
  mend_sync_pass_write (task, manifest_write, g_steal_pointer (&manifest),
                        (GDestroyNotify)mend_wire_manifest_free, manifest_applied_cb);
}

void
mend_sync_pass_pull (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autofree char *path = NULL;
  GError *error = NULL;

  enrolment = mend_store_sync_get_enrolment (pass->engine->store, &error);
  if (enrolment == NULL)
    {
      mend_sync_pass_fail (task, error != NULL
                                     ? error
                                     : g_error_new (MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED,
                                                    "The store is no longer enrolled"));
      return;
    }
  if (enrolment->manifest_cursor != NULL)
    {
      g_autofree char *escaped = g_uri_escape_string (enrolment->manifest_cursor, NULL, FALSE);
      path = g_strconcat ("/api/v1/manifest?since=", escaped, NULL);
    }
  else
    path = g_strdup ("/api/v1/manifest");
  mend_http_client_request_async (pass->client, "GET", path, pass->token, NULL, NULL, NULL,
                                  MEND_WIRE_MAX_MANIFEST_BYTES, g_task_get_cancellable (task),
                                  pull_done, g_object_ref (task));
}

/* Store writes off the calling thread. Each commits with an fsync (synchronous=FULL), which
 * on a handheld's flash can take tens of milliseconds; in the app the engine runs on the main
 * thread, so the write goes to a thread and the pass waits for it there instead. The store's
 * write lock keeps it one writer at a time with the UI's own records. A pass makes one write
 * at a time, so they land in order. */

typedef struct
{
  MendSyncWriteFunc func;
  gpointer data;
  GDestroyNotify free_data;
} Write;

static void
write_free (Write *write)
{
  if (write->free_data != NULL)
    write->free_data (write->data);
  g_free (write);
}

static void
write_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Write *write = task_data;
  GError *error = NULL;

  if (write->func (MEND_STORE (source), write->data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * mend_sync_pass_write:
 * @task: the pass; @callback gets a reference to it as its user data
 *
 * Runs @func on a worker thread. Not cancellable: a write that started commits or fails.
 */
void
mend_sync_pass_write (GTask *task,
                      MendSyncWriteFunc func,
                      gpointer data,
                      GDestroyNotify free_data,
                      GAsyncReadyCallback callback)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (GTask) write_task = NULL;
  Write *write = g_new0 (Write, 1);

  write->func = func;
  write->data = data;
  write->free_data = free_data;
  write_task = g_task_new (pass->engine->store, NULL, callback, g_object_ref (task));
  g_task_set_source_tag (write_task, mend_sync_pass_write);
  g_task_set_task_data (write_task, write, (GDestroyNotify)write_free);
  g_task_run_in_thread (write_task, write_in_thread);
}

/**
 * mend_sync_pass_write_finish:
 * @out_data: (out) (optional) (transfer none): the data given to mend_sync_pass_write()
 */
gboolean
mend_sync_pass_write_finish (GAsyncResult *result, gpointer *out_data, GError **error)
{
  Write *write = g_task_get_task_data (G_TASK (result));

  if (out_data != NULL)
    *out_data = write->data;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Push: POST /api/v1/events (PROTOCOL.md sections 10 and 13.1). */

static void push_next (GTask *task);

/* HQ's answer to one batch, held until the store has settled it on its thread. */
typedef struct
{
  MendWireResults *results; /* the messages the outcomes point into */
  MendSyncOutcome *outcomes;
  guint n_outcomes;
} Settle;

static void
settle_free (Settle *settle)
{
  g_clear_pointer (&settle->results, mend_wire_results_free);
  g_free (settle->outcomes);
  g_free (settle);
}

static gboolean
settle_write (MendStore *store, gpointer data, GError **error)
{
  Settle *settle = data;

  return mend_store_sync_settle_events (store, settle->outcomes, settle->n_outcomes, error);
}

static void
settled_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  GError *error = NULL;

  if (!mend_sync_pass_write_finish (result, NULL, &error))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  pass->engine->progress.events_done += pass->batch->len;
  mend_sync_pass_progress (pass);
  push_next (task);
}

/* Takes @results; the batch (whose ids the outcomes name) lives until push_next(). */
static void
settle_batch (GTask *task, MendWireResults *results)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  Settle *settle = g_new0 (Settle, 1);

  settle->results = results;
  settle->outcomes = g_new0 (MendSyncOutcome, pass->batch->len);
  settle->n_outcomes = pass->batch->len;
  for (guint i = 0; i < pass->batch->len; i++)
    {
      const MendWireResult *result = g_ptr_array_index (results->results, i);
      const MendEventRow *row = g_ptr_array_index (pass->batch, i);
      MendSyncOutcome *outcome = &settle->outcomes[i];

      outcome->event_id = row->id;
      outcome->parked = !mend_wire_status_acknowledges (result->status);
      outcome->message
          = result->message != NULL ? result->message : mend_wire_status_to_string (result->status);
      if (outcome->parked)
        {
          pass->report->events_parked++;
          g_info ("event %" G_GINT64_FORMAT " parked by HQ (%s): %s", row->seq,
                  mend_wire_status_to_string (result->status), outcome->message);
        }
      else
        pass->report->events_acknowledged++;
    }
  mend_sync_pass_write (task, settle_write, settle, (GDestroyNotify)settle_free, settled_cb);
}

static void
push_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (MendHttpResponse) response = NULL;
  g_autoptr (MendWireResults) results = NULL;
  GError *error = NULL;
  gsize length = 0;
  const char *body;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      mend_sync_pass_transfer_failed (task, error, "sending events");
      return;
    }
  mend_sync_pass_note_response (pass, response);
  if (mend_sync_pass_common_refusal (task, response, "sending events"))
    return;
  if (response->status == 413 && pass->batch->len > 1)
    {
      /* Smaller batches for the rest of the pass; the events stay pending meanwhile. */
      pass->batch_size = MAX (1, pass->batch->len / 2);
      g_info ("HQ found a batch of %u events too large; sending %u at a time", pass->batch->len,
              pass->batch_size);
      push_next (task);
      return;
    }
  if (response->status != 200)
    {
      g_autofree char *text = mend_sync_refusal_text (response);

      /* 400, 403, 415 for a whole batch are a bug on one side or the other; the events stay
       * pending and the pass ends so a person can see why. */
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "sending events: %s", text);
      return;
    }

  body = g_bytes_get_data (response->body, &length);
  if (!mend_http_response_is_json (response)
      || (results = mend_wire_decode_results (body != NULL ? body : "", length, &error)) == NULL
      || !mend_wire_results_check (results, pass->batch, &error))
    {
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING,
                           "sending events: a 200 that is not HQ's answer to the batch, so "
                           "nothing was acknowledged (%s)",
                           error != NULL ? error->message : "not JSON: a captive portal?");
      g_clear_error (&error);
      return;
    }
  settle_batch (task, g_steal_pointer (&results));
}

static void
push_next (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendStore *store = pass->engine->store;
  g_autoptr (GBytes) body = NULL;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      pass->engine->running = FALSE;
      return;
    }
  g_clear_pointer (&pass->batch, g_ptr_array_unref);
  pass->batch = mend_store_sync_pending_events (store, pass->batch_size, &error);
  if (pass->batch == NULL)
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  if (pass->batch->len == 0)
    {
      mend_sync_pass_photos (task);
      return;
    }

  body = mend_wire_encode_events (mend_store_get_device_id (store), pass->batch, &error);
  if (body == NULL && g_error_matches (error, MEND_WIRE_ERROR, MEND_WIRE_ERROR_TOO_LARGE)
      && pass->batch->len > 1)
    {
      g_clear_error (&error);
      pass->batch_size = MAX (1, pass->batch->len / 2);
      push_next (task);
      return;
    }
  if (body == NULL)
    {
      /* An event that no longer matches its own hash: the store is damaged, and sending it
       * would only have HQ call it tampered. A person has to look (mendctl verify). */
      g_prefix_error (&error, "Cannot send the events as they are; run “mendctl verify”: ");
      mend_sync_pass_fail (task, error);
      return;
    }
  mend_http_client_request_async (pass->client, "POST", "/api/v1/events", pass->token, JSON_TYPE,
                                  body, NULL, MEND_WIRE_MAX_RESULTS_BYTES,
                                  g_task_get_cancellable (task), push_done, g_object_ref (task));
}

/**
 * mend_sync_engine_run_async:
 *
 * One pass: every pending event in seq order, then every photo whose event HQ holds, then the
 * purges HQ has not heard of (sync/PROTOCOL.md section 14), then the manifest. It stops at the
 * first answer that is not HQ's or says to wait; the report says where things stand. Errors are
 * only the device's own (no enrolment, a token file others can read, the store) and cancellation.
 */
void
mend_sync_engine_run_async (MendSyncEngine *self,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (MendSyncEnrolment) enrolment = NULL;
  g_autoptr (MendSyncCounts) counts = NULL;
  g_autofree char *token_path = NULL;
  MendSyncPass *pass;
  GError *error = NULL;

  g_return_if_fail (MEND_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_sync_engine_run_async);
  if (self->running)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "A sync pass is running");
      return;
    }

  pass = g_new0 (MendSyncPass, 1);
  pass->engine = self;
  pass->report = g_new0 (MendSyncReport, 1);
  pass->batch_size = self->batch_size;
  pass->chunk_size = self->chunk_size;
  g_task_set_task_data (task, pass, (GDestroyNotify)pass_free);

  enrolment = mend_store_sync_get_enrolment (self->store, &error);
  if (enrolment == NULL)
    {
      g_task_return_error (task, error != NULL
                                     ? error
                                     : g_error_new (MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_ENROLLED,
                                                    "This device is not enrolled: "
                                                    "enrol it with “mendctl enrol”"));
      return;
    }
  pass->team_id = g_strdup (enrolment->team_id);
  token_path = mend_sync_token_path (mend_store_get_path (self->store));
  pass->token = mend_sync_token_load (token_path, &error);
  if (pass->token == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  pass->client = mend_http_client_new (enrolment->hq_url, enrolment->ca_file, &error);
  if (pass->client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  mend_http_client_set_timeouts (pass->client, self->connect_timeout_s, self->low_speed_time_s);
  counts = mend_store_sync_get_counts (self->store, &error);
  if (counts == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  self->running = TRUE;
  self->progress = (MendSyncProgress){
    .events_total = counts->events_pending,
    .photos_total = counts->photos_waiting,
    .bytes_total = counts->bytes_waiting,
  };
  mend_sync_pass_progress (pass);

  if (enrolment->reenrol_needed)
    {
      /* HQ refused the token before: asking again with it would change nothing. */
      mend_sync_pass_stop (task, MEND_SYNC_STATE_REENROL,
                           "HQ refused this device's token; enrol it again with a new code");
      return;
    }
  push_next (task);
}

/**
 * mend_sync_engine_run_finish:
 *
 * Returns: (transfer full): what the pass did and where things stand.
 */
MendSyncReport *
mend_sync_engine_run_finish (MendSyncEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Enrolment: POST /api/v1/devices/enrol (PROTOCOL.md section 9). */

typedef struct
{
  MendHttpClient *client;
  char *hq_url;
  char *ca_file;
} Enrol;

static void
enrol_free (Enrol *enrol)
{
  g_clear_object (&enrol->client);
  g_free (enrol->hq_url);
  g_free (enrol->ca_file);
  g_free (enrol);
}

static void
enrol_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncEngine *self = g_task_get_source_object (task);
  Enrol *enrol = g_task_get_task_data (task);
  g_autoptr (MendHttpResponse) response = NULL;
  g_autoptr (MendWireEnrolment) enrolment = NULL;
  g_autofree char *token_path = NULL;
  GError *error = NULL;
  gsize length = 0;
  const char *body;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (response->status != 201)
    {
      g_autofree char *text = mend_sync_refusal_text (response);
      int code = response->status == 401 || response->status == 403 || response->status == 409
                     ? MEND_SYNC_ERROR_REFUSED
                 : response->status == 429 || response->status >= 500
                     ? MEND_SYNC_ERROR_UNAVAILABLE
                     : MEND_SYNC_ERROR_NOT_PROTOCOL;

      g_task_return_new_error (task, MEND_SYNC_ERROR, code, "Enrolment refused: %s", text);
      return;
    }
  body = g_bytes_get_data (response->body, &length);
  if (!mend_http_response_is_json (response)
      || (enrolment = mend_wire_decode_enrolment (body != NULL ? body : "", length, &error))
             == NULL)
    {
      g_task_return_new_error (task, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_PROTOCOL,
                               "The answer to the enrolment is not HQ's (%s)",
                               error != NULL ? error->message : "not JSON");
      g_clear_error (&error);
      return;
    }
  if (g_strcmp0 (enrolment->device_id, mend_store_get_device_id (self->store)) != 0)
    {
      g_task_return_new_error (task, MEND_SYNC_ERROR, MEND_SYNC_ERROR_NOT_PROTOCOL,
                               "HQ enrolled device %s, not this one", enrolment->device_id);
      return;
    }

  /* The token first: a store that says "enrolled" always has its token beside it. */
  token_path = mend_sync_token_path (mend_store_get_path (self->store));
  if (!mend_sync_token_save (token_path, enrolment->token, &error)
      || !mend_store_sync_set_enrolment (self->store, enrol->hq_url, enrol->ca_file,
                                         enrolment->team_id, enrolment->team_name,
                                         enrolment->hq_public_key, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, mend_store_sync_get_enrolment (self->store, NULL),
                         (GDestroyNotify)mend_sync_enrolment_free);
}

/**
 * mend_sync_engine_enrol_async:
 * @code: the one-time code HQ's administrator made for the team
 * @name: (nullable): how HQ shows this device
 * @ca_file: (nullable): CAs to trust for HQ, kept for every later pass
 *
 * Exchanges the code for a token, kept in a private file beside the store. A store holding
 * demo data is refused before HQ is asked, so the code is not used up.
 */
void
mend_sync_engine_enrol_async (MendSyncEngine *self,
                              const char *hq_url,
                              const char *code,
                              const char *name,
                              const char *ca_file,
                              GCancellable *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autofree char *absolute_ca = NULL;
  Enrol *enrol;
  GError *error = NULL;

  g_return_if_fail (MEND_IS_SYNC_ENGINE (self));
  g_return_if_fail (hq_url != NULL && code != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, mend_sync_engine_enrol_async);

  if (mend_store_is_demo (self->store))
    {
      g_task_return_new_error (task, MEND_SYNC_ERROR, MEND_SYNC_ERROR_DEMO_STORE,
                               "This store holds demo data (from “mendctl demo”); an enrolled "
                               "device takes all its reference data from HQ. Start from a fresh "
                               "store (another --db path) to enrol");
      return;
    }
  if (ca_file != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (ca_file);
      absolute_ca = g_file_get_path (file);
    }

  enrol = g_new0 (Enrol, 1);
  enrol->hq_url = g_strdup (hq_url);
  enrol->ca_file = g_steal_pointer (&absolute_ca);
  g_task_set_task_data (task, enrol, (GDestroyNotify)enrol_free);
  enrol->client = mend_http_client_new (hq_url, enrol->ca_file, &error);
  if (enrol->client == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  mend_http_client_set_timeouts (enrol->client, self->connect_timeout_s, self->low_speed_time_s);
  body = mend_wire_encode_enrol_request (code, mend_store_get_device_id (self->store), name);
  mend_http_client_request_async (enrol->client, "POST", "/api/v1/devices/enrol", NULL, JSON_TYPE,
                                  body, NULL, MEND_WIRE_MAX_ENROL_BYTES, cancellable, enrol_done,
                                  g_object_ref (task));
}

/**
 * mend_sync_engine_enrol_finish:
 *
 * Returns: (transfer full): the enrolment as the store now holds it.
 */
MendSyncEnrolment *
mend_sync_engine_enrol_finish (MendSyncEngine *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The engine object. */

MendStore *
mend_sync_engine_get_store (MendSyncEngine *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_ENGINE (self), NULL);

  return self->store;
}

/**
 * mend_sync_engine_set_batch_size:
 * @batch_size: events per request, 1 to %MEND_WIRE_MAX_EVENTS
 */
void
mend_sync_engine_set_batch_size (MendSyncEngine *self, guint batch_size)
{
  g_return_if_fail (MEND_IS_SYNC_ENGINE (self));
  g_return_if_fail (batch_size >= 1 && batch_size <= MEND_WIRE_MAX_EVENTS);

  self->batch_size = batch_size;
}

/**
 * mend_sync_engine_set_chunk_size:
 * @chunk_size: photo bytes per PATCH (the protocol's device sends 512 KiB)
 */
void
mend_sync_engine_set_chunk_size (MendSyncEngine *self, gsize chunk_size)
{
  g_return_if_fail (MEND_IS_SYNC_ENGINE (self));
  g_return_if_fail (chunk_size >= 1 && chunk_size <= 4 * 1024 * 1024);

  self->chunk_size = chunk_size;
}

void
mend_sync_engine_set_timeouts (MendSyncEngine *self,
                               guint connect_timeout_s,
                               guint low_speed_time_s)
{
  g_return_if_fail (MEND_IS_SYNC_ENGINE (self));
  g_return_if_fail (connect_timeout_s > 0 && low_speed_time_s > 0);

  self->connect_timeout_s = connect_timeout_s;
  self->low_speed_time_s = low_speed_time_s;
}

/**
 * mend_sync_engine_set_send_photos:
 * @send_photos: FALSE to leave photos waiting in the next passes (a metered network); events
 *   and the manifest still go
 */
void
mend_sync_engine_set_send_photos (MendSyncEngine *self, gboolean send_photos)
{
  g_return_if_fail (MEND_IS_SYNC_ENGINE (self));

  self->send_photos = !!send_photos;
}

gboolean
mend_sync_engine_is_running (MendSyncEngine *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_ENGINE (self), FALSE);

  return self->running;
}

/**
 * mend_sync_engine_get_progress:
 *
 * Returns: (transfer none): the running pass's counts, or the last pass's; valid until the
 *   next pass starts. Read it in a ::progress handler.
 */
const MendSyncProgress *
mend_sync_engine_get_progress (MendSyncEngine *self)
{
  g_return_val_if_fail (MEND_IS_SYNC_ENGINE (self), NULL);

  return &self->progress;
}

static void
mend_sync_engine_dispose (GObject *object)
{
  MendSyncEngine *self = MEND_SYNC_ENGINE (object);

  g_clear_object (&self->store);

  G_OBJECT_CLASS (mend_sync_engine_parent_class)->dispose (object);
}

static void
mend_sync_engine_class_init (MendSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = mend_sync_engine_dispose;

  /**
   * MendSyncEngine::progress:
   *
   * A pass started, moved on (a batch answered, a chunk confirmed) or ended; read
   * mend_sync_engine_get_progress().
   */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
mend_sync_engine_init (MendSyncEngine *self)
{
  self->batch_size = MEND_SYNC_DEFAULT_BATCH;
  self->send_photos = TRUE;
  self->chunk_size = MEND_SYNC_CHUNK_BYTES;
  self->connect_timeout_s = 20;
  self->low_speed_time_s = 30;
}

/**
 * mend_sync_engine_new:
 *
 * Returns: (transfer full): an engine for @store. Passes run on the thread-default main context
 *   of the thread that starts them.
 */
MendSyncEngine *
mend_sync_engine_new (MendStore *store)
{
  MendSyncEngine *self;

  g_return_val_if_fail (MEND_IS_STORE (store), NULL);

  self = g_object_new (MEND_TYPE_SYNC_ENGINE, NULL);
  self->store = g_object_ref (store);
  return self;
}
