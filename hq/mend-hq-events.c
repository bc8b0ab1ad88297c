/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

#include "mend-wire.h"

/* POST /api/v1/events (PROTOCOL.md section 10): each event of a batch checked against the
 * device's chain as HQ holds it, the whole batch in one transaction. HQ's team rules (step 6)
 * are not in this slice: an event that joins the chain is stored. */

typedef struct
{
  PGconn *conn;
  const char *device_id;
  gint64 head_seq;
  char *head_hash;
  gboolean broken;
  gint64 first_bad_seq;
  char *chain_message;
} Chain;

static void
chain_break (Chain *chain, gint64 seq, const char *message)
{
  if (chain->broken)
    return;
  chain->broken = TRUE;
  chain->first_bad_seq = seq > 0 ? seq : chain->head_seq + 1;
  chain->chain_message = g_strdup (message);
}

static gboolean
insert_event (Chain *chain, const MendWireEvent *event, GError **error)
{
  MendEventFields fields;
  g_autoptr (GBytes) canonical = NULL;
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, event->seq);
  g_autoptr (PGresult) result = NULL;
  gsize canonical_length;
  const char *canonical_data;

  mend_wire_event_get_fields (event, &fields);
  canonical = mend_canonical_event_bytes (&fields);
  canonical_data = g_bytes_get_data (canonical, &canonical_length);
  {
    const char *params[] = { chain->device_id, seq,         event->id,      event->kind,
                             event->prev_hash, event->hash, canonical_data, event->payload_json };
    const int lengths[] = { 0, 0, 0, 0, 0, 0, (int)canonical_length, 0 };
    const int formats[] = { 0, 0, 0, 0, 0, 0, 1, 0 };

    result = PQexecParams (chain->conn,
                           "INSERT INTO events (device, seq, id, kind, prev_hash, hash, canonical,"
                           " payload, status) VALUES ($1, $2::bigint, $3, $4, $5, $6, $7,"
                           " $8::jsonb, 'stored')",
                           8, NULL, params, lengths, formats, 0);
  }
  if (!mend_hq_db_check (result, PGRES_COMMAND_OK, error))
    return FALSE;
  chain->head_seq = event->seq;
  g_free (chain->head_hash);
  chain->head_hash = g_strdup (event->hash);
  return TRUE;
}

/* Steps 2–6 for one readable event; returns FALSE only on a database failure. */
static gboolean
check_event (Chain *chain, const MendWireEvent *event, MendWireResults *results, GError **error)
{
  const char *id_params[] = { event->id };
  g_autoptr (PGresult) held = NULL;
  g_autofree char *message = NULL;

  /* Step 3: an id HQ holds gets the answer it got the first time, whatever the chain. */
  held
      = PQexecParams (chain->conn, "SELECT device, hash, status, message FROM events WHERE id = $1",
                      1, NULL, id_params, NULL, NULL, 0);
  if (!mend_hq_db_check (held, PGRES_TUPLES_OK, error))
    return FALSE;
  if (PQntuples (held) == 1)
    {
      if (strcmp (PQgetvalue (held, 0, 0), chain->device_id) == 0
          && strcmp (PQgetvalue (held, 0, 1), event->hash) == 0)
        {
          if (strcmp (PQgetvalue (held, 0, 2), "stored") == 0)
            mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_DUPLICATE, NULL);
          else
            mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_INVALID,
                                   PQgetvalue (held, 0, 3));
          return TRUE;
        }
      message = g_strdup_printf ("HQ holds event %s with a different hash", event->id);
      mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_CONFLICT, message);
      chain_break (chain, event->seq, message);
      return TRUE;
    }

  if (chain->broken)
    {
      message = g_strdup_printf ("not stored: the chain is broken at seq %" G_GINT64_FORMAT,
                                 chain->first_bad_seq);
      mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_INVALID, message);
      return TRUE;
    }

  /* Step 4: a new id at a seq HQ already holds. */
  if (event->seq <= chain->head_seq)
    {
      g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, event->seq);
      const char *params[] = { chain->device_id, seq };
      g_autoptr (PGresult) at_seq = NULL;

      at_seq = PQexecParams (chain->conn,
                             "SELECT id FROM events WHERE device = $1 AND seq = $2::bigint", 2,
                             NULL, params, NULL, NULL, 0);
      if (!mend_hq_db_check (at_seq, PGRES_TUPLES_OK, error))
        return FALSE;
      message = g_strdup_printf ("seq %" G_GINT64_FORMAT " is already event %s", event->seq,
                                 PQntuples (at_seq) == 1 ? PQgetvalue (at_seq, 0, 0) : "?");
      mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_CONFLICT, message);
      chain_break (chain, event->seq, message);
      return TRUE;
    }

  /* Step 5: the event must follow the head exactly. */
  if (event->seq != chain->head_seq + 1 || strcmp (event->prev_hash, chain->head_hash) != 0)
    {
      message = g_strdup_printf ("chain break: expected seq %" G_GINT64_FORMAT " after hash %s",
                                 chain->head_seq + 1, chain->head_hash);
      mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_INVALID, message);
      chain_break (chain, event->seq, message);
      return TRUE;
    }

  /* Step 6. */
  if (!insert_event (chain, event, error))
    return FALSE;
  mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_STORED, NULL);
  return TRUE;
}

static gboolean
run_batch (Chain *chain, MendWireBatch *batch, MendWireResults *results, GError **error)
{
  const char *params[] = { chain->device_id };
  g_autoptr (PGresult) head = NULL;
  g_autoptr (PGresult) updated = NULL;
  g_autofree char *head_seq = NULL;

  if (!mend_hq_db_exec (chain->conn, "BEGIN", error))
    return FALSE;
  /* FOR UPDATE: two batches of one device (a retry racing its original) are checked one after
   * the other, never against the same head. */
  head = PQexecParams (chain->conn,
                       "SELECT head_seq, head_hash FROM devices WHERE id = $1 FOR UPDATE", 1, NULL,
                       params, NULL, NULL, 0);
  if (!mend_hq_db_check (head, PGRES_TUPLES_OK, error))
    return FALSE;
  if (PQntuples (head) != 1)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "the device vanished");
      return FALSE;
    }
  chain->head_seq = g_ascii_strtoll (PQgetvalue (head, 0, 0), NULL, 10);
  chain->head_hash = g_strdup (PQgetvalue (head, 0, 1));

  for (guint i = 0; i < batch->events->len; i++)
    {
      const MendWireEvent *event = g_ptr_array_index (batch->events, i);

      /* Step 1 (and 2: the decoder recomputed the hash from the values). */
      if (event->invalid == NULL && g_strcmp0 (event->device_id, chain->device_id) != 0)
        {
          g_autofree char *message
              = g_strdup_printf ("the event's device is not %s", chain->device_id);

          mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_INVALID, message);
          chain_break (chain, event->seq, message);
        }
      else if (event->invalid != NULL)
        {
          mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_INVALID, event->invalid);
          chain_break (chain, event->seq, event->invalid);
        }
      else if (!check_event (chain, event, results, error))
        return FALSE;
    }

  head_seq = g_strdup_printf ("%" G_GINT64_FORMAT, chain->head_seq);
  {
    const char *update_params[] = { chain->device_id, head_seq, chain->head_hash };

    updated = PQexecParams (chain->conn,
                            "UPDATE devices SET head_seq = $2::bigint, head_hash = $3,"
                            " last_seen = now() WHERE id = $1",
                            3, NULL, update_params, NULL, NULL, 0);
  }
  if (!mend_hq_db_check (updated, PGRES_COMMAND_OK, error))
    return FALSE;
  return mend_hq_db_exec (chain->conn, "COMMIT", error);
}

void
mend_hq_handle_events (PGconn *conn,
                       const MendHqDevice *device,
                       const MendHqRequest *request,
                       MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (MendWireBatch) batch = NULL;
  g_autoptr (MendWireResults) results = NULL;
  Chain chain = { conn, device->device_id, 0, NULL, FALSE, 0, NULL };

  batch = mend_wire_decode_events ((const char *)request->body->data, request->body->len, &error);
  if (batch == NULL)
    {
      mend_hq_answer_body_refused (answer, request, error);
      return;
    }
  if (strcmp (batch->device_id, device->device_id) != 0)
    {
      mend_hq_answer_error (answer, request, "forbidden",
                            "device_id is not the device this token was given to");
      return;
    }

  results = mend_wire_results_new ();
  if (!run_batch (&chain, batch, results, &error))
    {
      /* Nothing of the batch is kept, so nothing is half acknowledged. */
      PQclear (PQexec (conn, "ROLLBACK"));
      g_message ("request_id=%s event=batch_failed error=\"%s\"", request->request_id,
                 error->message);
      mend_hq_answer_error (answer, request, "internal", "the batch could not be stored");
    }
  else
    {
      results->chain_ok = !chain.broken;
      results->head_seq = chain.head_seq;
      g_free (results->head_hash);
      results->head_hash = g_strdup (chain.head_hash);
      results->first_bad_seq = chain.first_bad_seq;
      g_free (results->chain_message);
      results->chain_message = g_strdup (chain.chain_message);
      if (chain.broken)
        g_message ("request_id=%s event=chain_break device=%s first_bad_seq=%" G_GINT64_FORMAT,
                   request->request_id, device->device_id, chain.first_bad_seq);
      mend_hq_answer_json (answer, MHD_HTTP_OK, mend_wire_encode_results (results));
    }
  g_free (chain.head_hash);
  g_free (chain.chain_message);
}
