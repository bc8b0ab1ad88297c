/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-sync"

#include "config.h"

#include "mend-sync-engine-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mend-wire.h"

/* Photos: HEAD /api/v1/blobs/{sha256} for the offset HQ holds (when an upload is being resumed),
 * then PATCH from there in chunks (PROTOCOL.md section 11). Only an Upload-Offset from HQ moves the
 * stored offset, only Upload-Complete: ?1 marks a photo uploaded. A photo whose file is gone, or no
 * longer hashes to its name, is recorded as a problem and skipped from then on. */

#define OFFSET_OCTETS "application/offset+octet-stream"
/* An HQ that keeps answering 409 with offsets that do not let the upload move is not followed
 * forever. */
#define MAX_OFFSET_MISMATCHES 3
#define MIN_CHUNK_BYTES       (16 * 1024)

static void photo_next (GTask *task);
static void photo_send_chunk (GTask *task);
static void check_hash (GTask *task);

static MendSyncPhoto *
current_photo (MendSyncPass *pass)
{
  return g_ptr_array_index (pass->photos, pass->photo_index);
}

static void
photo_skip (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);

  g_clear_object (&pass->stream);
  pass->photo_index++;
  photo_next (task);
}

/* The photo cannot go as it is: say why, once, and go on with the others. */
static void
photo_problem (GTask *task, const char *problem)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  GError *error = NULL;

  g_message ("photo %s cannot be sent: %s", photo->sha256, problem);
  if (!mend_store_sync_set_photo_problem (pass->engine->store, photo->sha256, problem, &error))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  photo_skip (task);
}

/* Where HQ stands on one photo, held until the store has it (on a thread: one fsync per
 * chunk), and what the pass does next. */
typedef enum
{
  AFTER_OFFSET_CONTINUE, /* the next chunk, or the next photo when complete */
  AFTER_OFFSET_CHECK_HASH,
} AfterOffset;

typedef struct
{
  char *sha256;
  gint64 offset;
  gboolean complete;
  AfterOffset after;
} Offset;

static void
offset_free (Offset *offset)
{
  g_free (offset->sha256);
  g_free (offset);
}

static gboolean
offset_write (MendStore *store, gpointer data, GError **error)
{
  Offset *offset = data;

  return mend_store_sync_set_photo_offset (store, offset->sha256, offset->offset, offset->complete,
                                           error);
}

static void
offset_stored_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  gpointer data = NULL;
  Offset *stored;
  GError *error = NULL;

  if (!mend_sync_pass_write_finish (result, &data, &error))
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  stored = data;
  if (stored->offset > photo->uploaded_offset)
    pass->engine->progress.bytes_done += stored->offset - photo->uploaded_offset;
  photo->uploaded_offset = stored->offset;
  pass->offset = stored->offset;
  if (stored->complete)
    {
      pass->report->photos_uploaded++;
      pass->engine->progress.photos_done++;
    }
  mend_sync_pass_progress (pass);
  if (stored->after == AFTER_OFFSET_CHECK_HASH)
    check_hash (task);
  else if (stored->complete)
    photo_skip (task);
  else
    photo_send_chunk (task);
}

/* Stores the offset HQ confirmed for the current photo, then goes on as @after says. */
static void
store_offset (GTask *task, gint64 offset, gboolean complete, AfterOffset after)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  Offset *stored = g_new0 (Offset, 1);

  stored->sha256 = g_strdup (current_photo (pass)->sha256);
  stored->offset = offset;
  stored->complete = complete;
  stored->after = after;
  mend_sync_pass_write (task, offset_write, stored, (GDestroyNotify)offset_free, offset_stored_cb);
}

/* Reads Upload-Offset (and Upload-Complete) from HQ's answer. */
static gboolean
read_offset (const MendHttpResponse *response,
             const MendSyncPhoto *photo,
             gint64 *out_offset,
             gboolean *out_complete)
{
  const char *complete = mend_http_response_header (response, "upload-complete");

  if (!mend_wire_parse_upload_offset (mend_http_response_header (response, "upload-offset"),
                                      out_offset, NULL)
      || *out_offset > photo->bytes)
    return FALSE;
  *out_complete = FALSE;
  if (complete != NULL && !mend_wire_parse_upload_complete (complete, out_complete, NULL))
    return FALSE;
  return TRUE;
}

/* After a 422: does the file still hash to its name? Read in a worker thread. */
static void
hash_file_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const char *path = data;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileInputStream) stream = NULL;
  g_autofree guint8 *buffer = g_malloc (64 * 1024);
  GError *error = NULL;
  gssize n;

  stream = g_file_read (file, cancellable, &error);
  if (stream == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  while ((n = g_input_stream_read (G_INPUT_STREAM (stream), buffer, 64 * 1024, cancellable, &error))
         > 0)
    g_checksum_update (checksum, buffer, n);
  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_strdup (g_checksum_get_string (checksum)), g_free);
}

static void
hash_checked (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = g_task_propagate_pointer (G_TASK (result), &error);

  if (hash == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    mend_sync_pass_fail (task, g_steal_pointer (&error));
  else if (hash == NULL)
    {
      g_autofree char *problem
          = g_strdup_printf ("its file could not be read (%s)", error->message);
      photo_problem (task, problem);
    }
  else if (!g_str_equal (hash, photo->sha256))
    photo_problem (task, "its file no longer matches its hash (damaged or replaced)");
  else if (pass->restarted)
    photo_problem (task, "HQ refused its hash twice although the file matches it");
  else
    {
      /* The file is right: HQ's partial copy was not. Once more from the start. */
      pass->restarted = TRUE;
      photo_send_chunk (task);
    }
}

static void
check_hash (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  g_autoptr (GTask) hashing
      = g_task_new (NULL, g_task_get_cancellable (task), hash_checked, g_object_ref (task));

  g_task_set_task_data (hashing, g_strdup (current_photo (pass)->path), g_free);
  g_task_run_in_thread (hashing, hash_file_thread);
}

static void
patch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  g_autoptr (MendHttpResponse) response = NULL;
  GError *error = NULL;
  gint64 offset;
  gboolean complete;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_autofree char *what = g_strdup_printf ("sending photo %s", photo->sha256);

      mend_sync_pass_transfer_failed (task, error, what);
      return;
    }
  mend_sync_pass_note_response (pass, response);

  switch (response->status)
    {
    case 204:
      if (!read_offset (response, photo, &offset, &complete) || offset < pass->offset)
        {
          mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING,
                               "sending photo %s: a 204 without a usable Upload-Offset is not "
                               "HQ's answer",
                               photo->sha256);
          return;
        }
      pass->offset_mismatches = 0;
      store_offset (task, offset, complete, AFTER_OFFSET_CONTINUE);
      return;

    case 409:
      if (!read_offset (response, photo, &offset, &complete)
          || ++pass->offset_mismatches > MAX_OFFSET_MISMATCHES)
        {
          mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING,
                               "sending photo %s: HQ and the device do not agree on the offset",
                               photo->sha256);
          return;
        }
      /* HQ holds a different amount (an answer was lost): go on from where HQ stands. */
      store_offset (task, offset, complete, AFTER_OFFSET_CONTINUE);
      return;

    case 422:
      /* HQ hashed the whole file and it was not its name; HQ dropped its copy. */
      store_offset (task, 0, FALSE, AFTER_OFFSET_CHECK_HASH);
      return;

    case 413:
      if (pass->chunk_size > MIN_CHUNK_BYTES)
        {
          pass->chunk_size = MAX (MIN_CHUNK_BYTES, pass->chunk_size / 2);
          photo_send_chunk (task);
          return;
        }
      break;

    case 401:
      mend_sync_pass_token_refused (task, "sending photos");
      return;

    default:
      break;
    }

  {
    g_autofree char *text = mend_sync_refusal_text (response);

    if (response->status == 429 || response->status >= 500 || response->status < 400)
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "sending photo %s: %s", photo->sha256,
                           text);
    else
      {
        /* HQ refuses this photo for now (403: no event of the team names it yet, 404); it
         * stays waiting and the others go on. */
        g_info ("photo %s: %s", photo->sha256, text);
        g_clear_pointer (&pass->report->stopped, g_free);
        pass->report->stopped = g_strdup_printf ("sending photo %s: %s", photo->sha256, text);
        photo_skip (task);
      }
  }
}

static void patch_chunk (GTask *task, GBytes *chunk);

static void
chunk_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  g_autoptr (GBytes) chunk = NULL;
  g_autoptr (GError) error = NULL;
  gsize wanted = (gsize)MIN ((gint64)pass->chunk_size, photo->bytes - pass->offset);

  chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  if (chunk == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          mend_sync_pass_fail (task, g_steal_pointer (&error));
          return;
        }
      {
        g_autofree char *problem
            = g_strdup_printf ("its file could not be read (%s)", error->message);
        photo_problem (task, problem);
      }
      return;
    }
  if (g_bytes_get_size (chunk) != wanted)
    {
      photo_problem (task, "its file is shorter than when it was taken: it no longer matches "
                           "its hash");
      return;
    }
  patch_chunk (task, chunk);
}

/* Sends @chunk, the bytes from the pass's offset on, as one PATCH. */
static void
patch_chunk (GTask *task, GBytes *chunk)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  g_autofree char *path = NULL;
  g_autofree char *offset_header = NULL;
  g_autofree char *length_header = NULL;

  path = mend_wire_blob_path (photo->sha256);
  offset_header = g_strdup_printf ("Upload-Offset: %" G_GINT64_FORMAT, pass->offset);
  length_header = g_strdup_printf ("Upload-Length: %" G_GINT64_FORMAT, photo->bytes);
  {
    const char *const headers[] = { offset_header, length_header, NULL };

    mend_http_client_request_async (pass->client, "PATCH", path, pass->token, OFFSET_OCTETS, chunk,
                                    headers, MEND_WIRE_MAX_ERROR_BYTES,
                                    g_task_get_cancellable (task), patch_done, g_object_ref (task));
  }
}

static void
photo_send_chunk (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  gsize wanted = (gsize)MIN ((gint64)pass->chunk_size, photo->bytes - pass->offset);
  GError *error = NULL;

  if (pass->stream == NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_path (photo->path);

      pass->stream = g_file_read (file, NULL, &error);
      if (pass->stream == NULL)
        {
          g_autofree char *problem
              = g_strdup_printf ("its file could not be opened (%s)", error->message);
          g_error_free (error);
          photo_problem (task, problem);
          return;
        }
    }
  if (!g_seekable_seek (G_SEEKABLE (pass->stream), pass->offset, G_SEEK_SET, NULL, &error))
    {
      g_autofree char *problem
          = g_strdup_printf ("its file could not be read (%s)", error->message);
      g_error_free (error);
      photo_problem (task, problem);
      return;
    }
  /* Nothing left to read is the empty PATCH at offset = length (a lost last answer). GIO
   * refuses a read of zero bytes, so that one is sent without reading. */
  if (wanted == 0)
    {
      g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);

      patch_chunk (task, empty);
      return;
    }
  g_input_stream_read_bytes_async (G_INPUT_STREAM (pass->stream), wanted, G_PRIORITY_DEFAULT,
                                   g_task_get_cancellable (task), chunk_read, g_object_ref (task));
}

static void
head_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo = current_photo (pass);
  g_autoptr (MendHttpResponse) response = NULL;
  GError *error = NULL;
  gint64 offset = 0;
  gboolean complete = FALSE;

  response = mend_http_client_request_finish (MEND_HTTP_CLIENT (source), result, &error);
  if (response == NULL)
    {
      g_autofree char *what = g_strdup_printf ("asking HQ about photo %s", photo->sha256);

      mend_sync_pass_transfer_failed (task, error, what);
      return;
    }
  mend_sync_pass_note_response (pass, response);
  if (response->status == 401)
    {
      mend_sync_pass_token_refused (task, "sending photos");
      return;
    }
  if (response->status == 404)
    {
      /* HQ holds nothing of it (or dropped an old partial copy): from the start. */
      offset = 0;
    }
  else if (response->status != 200 || !read_offset (response, photo, &offset, &complete))
    {
      g_autofree char *text = mend_sync_refusal_text (response);

      pass->report->retry_after_s = 0;
      mend_sync_pass_stop (task, MEND_SYNC_STATE_WAITING, "asking HQ about photo %s: %s",
                           photo->sha256, text);
      return;
    }
  store_offset (task, offset, complete, AFTER_OFFSET_CONTINUE);
}

static void
photo_next (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  MendSyncPhoto *photo;
  g_autofree char *path = NULL;
  GStatBuf st;

  if (g_task_return_error_if_cancelled (task))
    {
      pass->engine->running = FALSE;
      return;
    }
  if (pass->photo_index >= pass->photos->len)
    {
      mend_sync_pass_purges (task);
      return;
    }
  photo = current_photo (pass);
  pass->offset = photo->uploaded_offset;
  pass->offset_mismatches = 0;
  pass->restarted = FALSE;
  pass->chunk_size = pass->engine->chunk_size;

  /* Cheap checks first; the hash is checked only if HQ refuses the finished upload. */
  if (g_stat (photo->path, &st) != 0)
    {
      g_autofree char *problem = g_strdup_printf (
          "its file is gone (%s)", errno == ENOENT ? "no such file" : g_strerror (errno));
      photo_problem (task, problem);
      return;
    }
  if ((gint64)st.st_size != photo->bytes)
    {
      g_autofree char *problem
          = g_strdup_printf ("its file is %" G_GINT64_FORMAT " bytes, not %" G_GINT64_FORMAT
                             ": it no longer matches its hash",
                             (gint64)st.st_size, photo->bytes);
      photo_problem (task, problem);
      return;
    }

  /* A photo never started goes straight to its first PATCH: should HQ hold some of it after
   * all (an answer lost), its 409 says where to go on. One resumed after a cut asks first. */
  if (photo->uploaded_offset == 0)
    {
      photo_send_chunk (task);
      return;
    }
  path = mend_wire_blob_path (photo->sha256);
  mend_http_client_request_async (pass->client, "HEAD", path, pass->token, NULL, NULL, NULL,
                                  MEND_WIRE_MAX_ERROR_BYTES, g_task_get_cancellable (task),
                                  head_done, g_object_ref (task));
}

/**
 * mend_sync_pass_photos:
 *
 * Sends every photo whose event HQ holds, one after the other, then reports purges (and then
 * pulls the manifest).
 */
void
mend_sync_pass_photos (GTask *task)
{
  MendSyncPass *pass = g_task_get_task_data (task);
  GError *error = NULL;

  if (!pass->engine->send_photos)
    {
      mend_sync_pass_purges (task);
      return;
    }
  pass->photos = mend_store_sync_photos_waiting (pass->engine->store, &error);
  if (pass->photos == NULL)
    {
      mend_sync_pass_fail (task, error);
      return;
    }
  pass->photo_index = 0;
  photo_next (task);
}
