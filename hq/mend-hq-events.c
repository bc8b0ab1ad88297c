/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"

#include "config.h"

#include "mend-hq-private.h"

#include <string.h>

#include "mend-wire.h"

/* POST /api/v1/events (PROTOCOL.md section 10): each event of a batch checked against the
 * device's chain as HQ holds it, the whole batch in one transaction. An event that joins the
 * chain then meets HQ's rules (step 6, mend-hq-rules.c): stored, or kept as invalid. */

typedef struct
{
  PGconn *conn;
  const char *device_id;
  const char *team_id;
  gint64 head_seq;
  char *head_hash;
  gboolean broken;
  gint64 first_bad_seq;
  char *chain_message;
  /* A batch costs a few statements rather than a few per event: the ids HQ already holds are
   * read at once (held: id → Held), and the events that join the chain are written at once
   * at the end (pending: Pending; pending_seq: seq → id). Both live for one batch only. */
  GHashTable *held;
  GPtrArray *pending;
  GHashTable *pending_seq;
} Chain;

/* What HQ holds of one event id. */
typedef struct
{
  char *device;
  char *hash;
  char *status;
  char *message; /* "" when none */
} Held;

/* An event that joined the chain in this batch, to be written by build_insert()'s INSERT. */
typedef struct
{
  const MendWireEvent *event;
  char *refusal; /* NULL when stored */
} Pending;

static void
held_free (Held *held)
{
  g_free (held->device);
  g_free (held->hash);
  g_free (held->status);
  g_free (held->message);
  g_free (held);
}

static void
pending_free (Pending *pending)
{
  g_free (pending->refusal);
  g_free (pending);
}

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
insert_event (Chain *chain, const MendWireEvent *event, const char *refusal, GError **error)
{
  Pending *pending = g_new0 (Pending, 1);
  Held *held = g_new0 (Held, 1);

  pending->event = event;
  pending->refusal = g_strdup (refusal);
  g_ptr_array_add (chain->pending, pending);
  /* A later event of the same batch with this id or seq sees it as HQ holding it. */
  held->device = g_strdup (chain->device_id);
  held->hash = g_strdup (event->hash);
  held->status = g_strdup (refusal == NULL ? "stored" : "invalid");
  held->message = g_strdup (refusal != NULL ? refusal : "");
  g_hash_table_replace (chain->held, g_strdup (event->id), held);
  g_hash_table_replace (chain->pending_seq, g_memdup2 (&event->seq, sizeof event->seq),
                        g_strdup (event->id));
  chain->head_seq = event->seq;
  g_free (chain->head_hash);
  chain->head_hash = g_strdup (event->hash);
  return TRUE;
}

/* The multi-row INSERT of every event that joined the chain in this batch; its parameters
 * live in @insert until it is freed. */
typedef struct
{
  GString *sql;
  GPtrArray *owned;
  GPtrArray *canonicals;
  GPtrArray *values;
  GArray *lengths;
  GArray *formats;
} Insert;

static void
insert_clear (Insert *insert)
{
  if (insert->sql != NULL)
    g_string_free (insert->sql, TRUE);
  g_clear_pointer (&insert->owned, g_ptr_array_unref);
  g_clear_pointer (&insert->canonicals, g_ptr_array_unref);
  g_clear_pointer (&insert->values, g_ptr_array_unref);
  g_clear_pointer (&insert->lengths, g_array_unref);
  g_clear_pointer (&insert->formats, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Insert, insert_clear)

static void
build_insert (Chain *chain, Insert *insert, MendHqStatement *out_statement)
{
  insert->sql = g_string_new ("INSERT INTO events (device, seq, id, kind, prev_hash,"
                              " hash, canonical, payload, status, message) VALUES ");
  insert->owned = g_ptr_array_new_with_free_func (g_free);
  insert->canonicals = g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref);
  insert->values = g_ptr_array_new ();
  insert->lengths = g_array_new (FALSE, TRUE, sizeof (int));
  insert->formats = g_array_new (FALSE, TRUE, sizeof (int));
  for (guint i = 0; i < chain->pending->len; i++)
    {
      const Pending *pending = g_ptr_array_index (chain->pending, i);
      const MendWireEvent *event = pending->event;
      MendEventFields fields;
      GBytes *canonical;
      char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, event->seq);
      gsize canonical_length;
      const char *row[10];
      guint base = i * 10;

      mend_wire_event_get_fields (event, &fields);
      canonical = mend_canonical_event_bytes (&fields);
      g_ptr_array_add (insert->canonicals, canonical);
      g_ptr_array_add (insert->owned, seq);
      row[0] = chain->device_id;
      row[1] = seq;
      row[2] = event->id;
      row[3] = event->kind;
      row[4] = event->prev_hash;
      row[5] = event->hash;
      row[6] = g_bytes_get_data (canonical, &canonical_length);
      row[7] = event->payload_json;
      row[8] = pending->refusal == NULL ? "stored" : "invalid";
      row[9] = pending->refusal;
      for (guint k = 0; k < 10; k++)
        {
          int length = k == 6 ? (int)canonical_length : 0;
          int format = k == 6 ? 1 : 0;

          g_ptr_array_add (insert->values, (gpointer)row[k]);
          g_array_append_val (insert->lengths, length);
          g_array_append_val (insert->formats, format);
        }
      g_string_append_printf (insert->sql,
                              "%s($%u, $%u::bigint, $%u, $%u, $%u, $%u, $%u, $%u::jsonb, $%u,"
                              " $%u)",
                              i > 0 ? ", " : "", base + 1, base + 2, base + 3, base + 4, base + 5,
                              base + 6, base + 7, base + 8, base + 9, base + 10);
    }
  *out_statement = (MendHqStatement){
    insert->sql->str,
    (int)insert->values->len,
    (const char *const *)insert->values->pdata,
    (const int *)insert->lengths->data,
    (const int *)insert->formats->data,
  };
}

/* The query for what HQ holds of every readable id of @batch; FALSE when there is none. */
static gboolean
build_held_query (MendWireBatch *batch, GString *sql, GPtrArray *ids)
{
  g_string_append (sql, "SELECT id, device, hash, status, message FROM events WHERE id IN (");
  for (guint i = 0; i < batch->events->len; i++)
    {
      const MendWireEvent *event = g_ptr_array_index (batch->events, i);

      if (event->invalid != NULL || event->id == NULL)
        continue;
      g_ptr_array_add (ids, event->id);
      g_string_append_printf (sql, "%s$%u", ids->len > 1 ? ", " : "", ids->len);
    }
  g_string_append_c (sql, ')');
  return ids->len > 0;
}

static void
apply_held (Chain *chain, PGresult *result)
{
  for (int row = 0; row < PQntuples (result); row++)
    {
      Held *held = g_new0 (Held, 1);

      held->device = g_strdup (PQgetvalue (result, row, 1));
      held->hash = g_strdup (PQgetvalue (result, row, 2));
      held->status = g_strdup (PQgetvalue (result, row, 3));
      held->message = g_strdup (PQgetvalue (result, row, 4));
      g_hash_table_replace (chain->held, g_strdup (PQgetvalue (result, row, 0)), held);
    }
}

/* Checks each result of a pipeline in turn, so the first failure is the one reported. */
static gboolean
check_all (PGresult **results, const ExecStatusType *expected, guint n, GError **error)
{
  for (guint i = 0; i < n; i++)
    if (!mend_hq_db_check (results[i], expected[i], error))
      return FALSE;
  return TRUE;
}

static void
clear_all (PGresult **results, guint n)
{
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&results[i], PQclear);
}

/* Steps 2–6 for one readable event; returns FALSE only on a database failure. */
static gboolean
check_event (Chain *chain, const MendWireEvent *event, MendWireResults *results, GError **error)
{
  const Held *held = g_hash_table_lookup (chain->held, event->id);
  g_autofree char *message = NULL;

  /* Step 3: an id HQ holds gets the answer it got the first time, whatever the chain. */
  if (held != NULL)
    {
      if (strcmp (held->device, chain->device_id) == 0 && strcmp (held->hash, event->hash) == 0)
        {
          if (strcmp (held->status, "stored") == 0)
            mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_DUPLICATE, NULL);
          else
            mend_wire_results_add (results, event->id, MEND_WIRE_STATUS_INVALID, held->message);
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
      const char *joined = g_hash_table_lookup (chain->pending_seq, &event->seq);
      g_autoptr (PGresult) at_seq = NULL;

      if (joined == NULL)
        {
          at_seq = PQexecParams (chain->conn,
                                 "SELECT id FROM events WHERE device = $1 AND seq = $2::bigint", 2,
                                 NULL, params, NULL, NULL, 0);
          if (!mend_hq_db_check (at_seq, PGRES_TUPLES_OK, error))
            return FALSE;
          joined = PQntuples (at_seq) == 1 ? PQgetvalue (at_seq, 0, 0) : "?";
        }
      message
          = g_strdup_printf ("seq %" G_GINT64_FORMAT " is already event %s", event->seq, joined);
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

  /* Step 6: the event joins the chain either way; a rule's refusal is kept with it. */
  if (!mend_hq_rules_check (chain->conn, chain->team_id, event, &message, error)
      || !insert_event (chain, event, message, error))
    return FALSE;
  mend_wire_results_add (results, event->id,
                         message == NULL ? MEND_WIRE_STATUS_STORED : MEND_WIRE_STATUS_INVALID,
                         message);
  return TRUE;
}

/* A batch costs two round trips to PostgreSQL besides the token's: the transaction's start,
 * the device's head and the ids HQ holds go in one pipeline, the rows, the new head and the
 * commit in another. Only an event that needs HQ's reference data or meets a seq HQ already
 * holds asks more, in between. */
static gboolean
run_batch (Chain *chain, MendWireBatch *batch, MendWireResults *results, GError **error)
{
  const char *params[] = { chain->device_id };
  g_autoptr (GString) held_sql = g_string_new (NULL);
  g_autoptr (GPtrArray) ids = g_ptr_array_new ();
  g_auto (Insert) insert = { NULL };
  g_autofree char *head_seq = NULL;
  g_autoptr (GHashTable) held
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)held_free);
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func ((GDestroyNotify)pending_free);
  g_autoptr (GHashTable) pending_seq
      = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  MendHqStatement start[3] = {
    { "BEGIN", 0, NULL, NULL, NULL },
    /* FOR UPDATE: two batches of one device (a retry racing its original) are checked one
     * after the other, never against the same head. */
    { "SELECT head_seq, head_hash FROM devices WHERE id = $1 FOR UPDATE", 1, params, NULL, NULL },
    { NULL, 0, NULL, NULL, NULL },
  };
  const ExecStatusType start_expected[] = { PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_TUPLES_OK };
  MendHqStatement finish[3];
  ExecStatusType finish_expected[3];
  PGresult *answers[3] = { NULL, NULL, NULL };
  guint n;
  gboolean ok;

  chain->held = held;
  chain->pending = pending;
  chain->pending_seq = pending_seq;

  n = 2;
  if (build_held_query (batch, held_sql, ids))
    start[n++] = (MendHqStatement){ held_sql->str, (int)ids->len, (const char *const *)ids->pdata,
                                    NULL, NULL };
  if (!mend_hq_db_pipeline (chain->conn, start, n, answers, error))
    return FALSE;
  ok = check_all (answers, start_expected, n, error);
  if (ok && PQntuples (answers[1]) != 1)
    {
      g_set_error (error, MEND_HQ_ERROR, MEND_HQ_ERROR_NOT_FOUND, "the device vanished");
      ok = FALSE;
    }
  if (ok)
    {
      chain->head_seq = g_ascii_strtoll (PQgetvalue (answers[1], 0, 0), NULL, 10);
      chain->head_hash = g_strdup (PQgetvalue (answers[1], 0, 1));
      if (n == 3)
        apply_held (chain, answers[2]);
    }
  clear_all (answers, n);
  if (!ok)
    return FALSE;

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

    n = 0;
    if (chain->pending->len > 0)
      {
        build_insert (chain, &insert, &finish[n]);
        finish_expected[n++] = PGRES_COMMAND_OK;
      }
    finish[n] = (MendHqStatement){ "UPDATE devices SET head_seq = $2::bigint, head_hash = $3,"
                                   " last_seen = now() WHERE id = $1",
                                   3, update_params, NULL, NULL };
    finish_expected[n++] = PGRES_COMMAND_OK;
    finish[n] = (MendHqStatement){ "COMMIT", 0, NULL, NULL, NULL };
    finish_expected[n++] = PGRES_COMMAND_OK;
    if (!mend_hq_db_pipeline (chain->conn, finish, n, answers, error))
      return FALSE;
  }
  ok = check_all (answers, finish_expected, n, error);
  clear_all (answers, n);
  return ok;
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
  Chain chain = { conn, device->device_id, device->team_id, 0, NULL, FALSE, 0, NULL };

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
      /* Counted once the batch is committed, so a rolled-back batch counts nothing. */
      for (guint i = 0; i < results->results->len; i++)
        {
          const MendWireResult *result = g_ptr_array_index (results->results, i);

          mend_hq_metrics_event (mend_wire_status_to_string (result->status));
        }
      if (chain.broken)
        mend_hq_metrics_chain_break ();
      if (chain.broken)
        g_message ("request_id=%s event=chain_break device=%s first_bad_seq=%" G_GINT64_FORMAT,
                   request->request_id, device->device_id, chain.first_bad_seq);
      mend_hq_answer_json (answer, MHD_HTTP_OK, mend_wire_encode_results (results));
    }
  g_free (chain.head_hash);
  g_free (chain.chain_message);
}
