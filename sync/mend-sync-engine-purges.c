/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-engine-private.h"

#include "mend-store-retention.h"
#include "mend-wire.h"

/* Purge reports (sync/PROTOCOL.md section 14). The device keeps no record of what it has told
 * HQ: it asks HQ how many of its events HQ knows to be purged, and when that differs from its
 * own count, it sends every run of purged events it has. A report lost on the way is therefore
 * sent again on the next pass, and one sent twice changes nothing at HQ. A device that has
 * never purged asks nothing. */

#define PURGES_PATH "/api/v1/purges"
#define JSON_TYPE   "application/json"

static void send_next (GTask *task);

static gboolean
read_state (GTask *task, MendHttpResponse *response, gint64 *out_events)
{
  gsize length = 0;
  const char *body = g_bytes_get_data (response->body, &length);
  gint64 last_ms = 0;
  GError *error = NULL;

  if (!mend_http_response_is_json (response)
      || !mend_wire_decode_purge_state (body != NULL ? body : "", length, out_events, &last_ms,
                                        &error))
    {
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING,
                           "reporting purges: the answer is not HQ's (%s)",
                           error != NULL ? error->message : "not JSON");
      g_clear_error (&error);
      return FALSE;
    }
  return TRUE;
}

static void
sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (MendHttpResponse) response = NULL;
  GError *error = NULL;
  gint64 events = 0;
  guint n;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      mend_sync_pass_transfer_failed (task, error, "reporting purges");
      return;
    }
  mend_sync_pass_note_response (pass, response);
  if (mend_sync_pass_common_refusal (task, response, "reporting purges"))
    return;
  if (response->status != 200)
    {
      g_autofree char *text = mend_sync_refusal_text (response);

      /* A report HQ refuses is a bug on one side or the other; the records are not at stake
       * (HQ holds them), so the pass goes on and the report is made again next time. */
      g_message ("HQ refused the purge report: %s", text);
      mend_sync_pass_pull (task);
      return;
    }
  if (!read_state (task, response, &events))
    return;
  n = MIN (pass->purge_ranges->len - pass->purge_index, MEND_WIRE_MAX_PURGE_RANGES);
  pass->purge_index += n;
  pass->report->purge_runs_sent += n;
  send_next (task);
}

static void
send_next (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendStore *store = pass->engine->store;
  g_autoptr (GBytes) body = NULL;
  guint n;

  if (g_task_return_error_if_cancelled (task))
    {
      pass->engine->running = FALSE;
      return;
    }
  if (pass->purge_index >= pass->purge_ranges->len)
    {
      mend_sync_pass_pull (task);
      return;
    }
  n = MIN (pass->purge_ranges->len - pass->purge_index, MEND_WIRE_MAX_PURGE_RANGES);
  body = mend_wire_encode_purges (mend_store_get_device_id (store), pass->purge_ranges,
                                  pass->purge_index, n);
  mend_http_client_request_async (pass->client, "POST", PURGES_PATH, pass->token, JSON_TYPE, body,
                                  NULL, MEND_WIRE_MAX_ERROR_BYTES, g_task_get_cancellable (task),
                                  sent_cb, g_object_ref (task));
}

static void
state_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (MendHttpResponse) response = NULL;
  GError *error = NULL;
  gint64 hq_events = 0;
  gint64 own_events = 0;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      mend_sync_pass_transfer_failed (task, error, "reporting purges");
      return;
    }
  mend_sync_pass_note_response (pass, response);
  if (mend_sync_pass_common_refusal (task, response, "reporting purges"))
    return;
  if (response->status == 404)
    {
      /* An HQ from before purge reports: nothing to tell it, the rest of the pass goes on. */
      mend_sync_pass_pull (task);
      return;
    }
  if (response->status != 200)
    {
      g_autofree char *text = mend_sync_refusal_text (response);

      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "reporting purges: %s", text);
      return;
    }
  if (!read_state (task, response, &hq_events))
    return;
  if (!mend_store_retention_count_purged (pass->engine->store, &own_events, &error))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  if (hq_events == own_events)
    {
      mend_sync_pass_pull (task);
      return;
    }
  g_clear_pointer (&pass->purge_ranges, g_array_unref);
  pass->purge_ranges = mend_store_retention_purged_ranges (pass->engine->store, &error);
  if (pass->purge_ranges == NULL)
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  pass->purge_index = 0;
  send_next (task);
}

/**
 * mend_sync_pass_purges:
 *
 * Tells HQ about purges it has not heard of, then pulls the manifest.
 */
void
mend_sync_pass_purges (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 own_events = 0;

  if (g_task_return_error_if_cancelled (task))
    {
      pass->engine->running = FALSE;
      return;
    }
  if (!mend_store_retention_count_purged (pass->engine->store, &own_events, &error))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  if (own_events == 0)
    {
      mend_sync_pass_pull (task);
      return;
    }
  mend_http_client_request_async (pass->client, "GET", PURGES_PATH, pass->token, NULL, NULL, NULL,
                                  MEND_WIRE_MAX_ERROR_BYTES, g_task_get_cancellable (task),
                                  state_cb, g_object_ref (task));
}
