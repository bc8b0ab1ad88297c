/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-hq"
/* For sync_file_range(). */
#define _GNU_SOURCE

#include "config.h"

#include "mend-hq-private.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend-wire.h"

/* HEAD and PATCH /api/v1/blobs/{sha256} (PROTOCOL.md section 11): resumable photo uploads
 * into a content-addressed folder.
 *
 *   DIR/ab/ab12…ef          a whole, verified blob, named by its SHA-256
 *   DIR/partial/ab12…ef     an upload under way; its size is the offset HQ holds
 *   DIR/partial/ab12…ef.length   its Upload-Length, decimal
 *
 * The offset is the partial file's size rather than a row in PostgreSQL: each chunk is
 * appended and fsynced before the 204, so the file can never hold less than HQ acknowledged,
 * and there is no second record that a crash between two writes could leave disagreeing with
 * the bytes. Bytes of a chunk cut off half way stay: they are the right bytes at the right
 * offsets (TCP delivers them in order), the next HEAD reports them, and a client that sent
 * anything else would be caught by the hash at the end.
 *
 * An upload holds an exclusive flock() on its partial file from the first byte to the
 * answer. A second PATCH of the same blob (another device, or a retry racing its original)
 * does not wait for it: it gets 409 with the offset on disk and tries again. Whoever finishes
 * renames the partial file into place; the other finds the whole blob and is told it is
 * complete, so two uploads of one photo end with one good file.
 *
 * The SHA-256 is computed as the bytes arrive, and its state is kept in memory from one PATCH
 * to the next, so finishing a blob never reads it back. After a restart, or when the state was
 * dropped, it is rebuilt once from the bytes on disk. OpenSSL's SHA-256 is used because it
 * takes the CPU's SHA instructions where there are some (several times libsodium's speed). */

#define BLOB_PREFIX     "/api/v1/blobs/"
#define MAX_BLOB_BYTES  (32 * 1024 * 1024)
#define MAX_CHUNK_BYTES (4 * 1024 * 1024)

/* A hash of a partial file's first @offset bytes. */
typedef struct
{
  EVP_MD_CTX *ctx;
  gint64 offset;
} HashState;

struct _MendHqBlobUpload
{
  int fd;
  HashState *hash; /* covers the file up to start + received; NULL after a failed write */
  char sha256[65];
  gint64 start;    /* the offset the chunk starts at */
  gint64 length;   /* Upload-Length */
  gint64 received; /* bytes of this chunk written */
  gboolean past_length;
  gboolean past_chunk;
  gboolean finished;
  int write_errno; /* 0, or why a write failed */
};

static char *blob_dir;
static char *partial_dir;
static gint64 partial_ttl_s;
static GThread *sweeper;
static GMutex sweeper_lock;
static GCond sweeper_cond;
static gboolean stopping;
static gpointer sweeper_main (gpointer data);
static GMutex hash_lock;
static GHashTable *hash_states; /* sha256 → HashState, for uploads between two PATCHes */

static void
hash_state_free (HashState *state)
{
  EVP_MD_CTX_free (state->ctx);
  g_free (state);
}

/* Takes the kept state of @sha256 if it covers exactly @offset bytes; otherwise hashes the
 * file's first @offset bytes again. NULL if the file cannot be read. */
static HashState *
hash_state_take (const char *sha256, int fd, gint64 offset)
{
  HashState *state;
  gpointer key = NULL;
  g_autofree guint8 *buffer = NULL;
  gint64 position = 0;

  g_mutex_lock (&hash_lock);
  if (hash_states == NULL)
    hash_states
        = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)hash_state_free);
  state = NULL;
  if (g_hash_table_steal_extended (hash_states, sha256, &key, (gpointer *)&state))
    g_free (key);
  g_mutex_unlock (&hash_lock);
  if (state != NULL && state->offset == offset)
    return state;
  g_clear_pointer (&state, hash_state_free);

  state = g_new0 (HashState, 1);
  state->ctx = EVP_MD_CTX_new ();
  EVP_DigestInit_ex (state->ctx, EVP_sha256 (), NULL);
  buffer = g_malloc (1024 * 1024);
  while (position < offset)
    {
      ssize_t n = pread (fd, buffer, MIN (1024 * 1024, offset - position), position);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          hash_state_free (state);
          return NULL;
        }
      EVP_DigestUpdate (state->ctx, buffer, (size_t)n);
      position += n;
    }
  state->offset = offset;
  return state;
}

/* Keeps @state for the next PATCH of @sha256. */
static void
hash_state_keep (const char *sha256, HashState *state)
{
  g_mutex_lock (&hash_lock);
  /* Abandoned uploads would otherwise pile up; a dropped state is rebuilt from disk. */
  if (g_hash_table_size (hash_states) >= 4096)
    g_hash_table_remove_all (hash_states);
  g_hash_table_replace (hash_states, g_strdup (sha256), state);
  g_mutex_unlock (&hash_lock);
}

static void
hash_state_forget (const char *sha256)
{
  g_mutex_lock (&hash_lock);
  if (hash_states != NULL)
    g_hash_table_remove (hash_states, sha256);
  g_mutex_unlock (&hash_lock);
}

static gboolean
is_sha256 (const char *text)
{
  g_autofree char *path = mend_wire_blob_path (text);

  return path != NULL;
}

static char *
final_path (const char *sha256)
{
  char prefix[3] = { sha256[0], sha256[1], '\0' };

  return g_build_filename (blob_dir, prefix, sha256, NULL);
}

static char *
partial_path (const char *sha256, const char *suffix)
{
  g_autofree char *name = g_strconcat (sha256, suffix, NULL);

  return g_build_filename (partial_dir, name, NULL);
}

static gboolean
fsync_folder (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

static void
drop_partial (const char *sha256)
{
  g_autofree char *part = partial_path (sha256, "");
  g_autofree char *length = partial_path (sha256, ".length");

  unlink (part);
  unlink (length);
  hash_state_forget (sha256);
}

/* The Upload-Length recorded for @sha256, or -1 when there is none. */
static gint64
read_length (const char *sha256)
{
  g_autofree char *path = partial_path (sha256, ".length");
  g_autofree char *text = NULL;
  guint64 length;

  if (!g_file_get_contents (path, &text, NULL, NULL)
      || !g_ascii_string_to_unsigned (g_strstrip (text), 10, 0, MAX_BLOB_BYTES, &length, NULL))
    return -1;
  return (gint64)length;
}

/* Written to a temporary name, fsynced and renamed, so the length file is either whole or
 * absent; a partial file without one is started again. */
static gboolean
write_length (const char *sha256, gint64 length, GError **error)
{
  g_autofree char *path = partial_path (sha256, ".length");
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT "\n", length);

  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error))
    return FALSE;
  return TRUE;
}

/**
 * mend_hq_blobs_start:
 * @dir: the blob folder (created when missing)
 * @ttl_s: how long a partial upload may lie untouched
 *
 * Makes the folders and starts the thread that deletes abandoned partial uploads.
 */
gboolean
mend_hq_blobs_start (const char *dir, int ttl_s, GError **error)
{
  blob_dir = g_strdup (dir);
  partial_dir = g_build_filename (dir, "partial", NULL);
  partial_ttl_s = ttl_s;
  if (g_mkdir_with_parents (partial_dir, 0755) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot make %s: %s",
                   partial_dir, g_strerror (saved));
      return FALSE;
    }
  sweeper = g_thread_new ("blob-sweeper", sweeper_main, NULL);
  return TRUE;
}

void
mend_hq_blobs_stop (void)
{
  if (sweeper == NULL)
    return;
  g_mutex_lock (&sweeper_lock);
  stopping = TRUE;
  g_cond_signal (&sweeper_cond);
  g_mutex_unlock (&sweeper_lock);
  g_thread_join (g_steal_pointer (&sweeper));
}

/* Deletes one partial upload if it is still untouched for the whole time to live; an upload
 * holding the lock is being written, so it is left alone. */
static void
sweep_one (const char *name, gint64 now_s)
{
  g_autofree char *sha256 = g_strndup (name, 64);
  g_autofree char *path = partial_path (sha256, "");
  struct stat before, after;
  int fd;

  fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return;
  if (flock (fd, LOCK_EX | LOCK_NB) == 0 && fstat (fd, &before) == 0 && stat (path, &after) == 0
      && before.st_ino == after.st_ino && now_s - before.st_mtime >= partial_ttl_s)
    {
      drop_partial (sha256);
      mend_hq_metrics_partial_expired ();
      g_message ("event=blob_partial_expired sha256=%s bytes=%" G_GINT64_FORMAT, sha256,
                 (gint64)before.st_size);
    }
  close (fd);
}

static void
sweep (void)
{
  g_autoptr (GDir) folder = g_dir_open (partial_dir, 0, NULL);
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;
  const char *name;

  if (folder == NULL)
    return;
  while ((name = g_dir_read_name (folder)) != NULL)
    {
      g_autofree char *sha256 = g_strndup (name, 64);
      g_autofree char *path = NULL;
      g_autofree char *part = NULL;
      struct stat st;

      if (!is_sha256 (sha256))
        continue;
      if (strlen (name) == 64)
        {
          sweep_one (name, now_s);
          continue;
        }
      /* A length file whose partial file is gone (a crash between the two unlinks), or a
       * temporary file of g_file_set_contents left by a crash. */
      path = g_build_filename (partial_dir, name, NULL);
      part = partial_path (sha256, "");
      if (stat (path, &st) == 0 && now_s - st.st_mtime >= partial_ttl_s
          && !g_file_test (part, G_FILE_TEST_EXISTS))
        unlink (path);
    }
}

static gpointer
sweeper_main (gpointer data)
{
  /* Often enough that a partial never outlives its time by more than a fraction of it. */
  gint64 interval_us
      = CLAMP (partial_ttl_s * G_USEC_PER_SEC / 4, G_USEC_PER_SEC / 4, 60 * G_USEC_PER_SEC);

  g_mutex_lock (&sweeper_lock);
  while (!stopping)
    {
      g_mutex_unlock (&sweeper_lock);
      sweep ();
      g_mutex_lock (&sweeper_lock);
      g_cond_wait_until (&sweeper_cond, &sweeper_lock, g_get_monotonic_time () + interval_us);
    }
  g_mutex_unlock (&sweeper_lock);
  return NULL;
}

/* Teams known to hold a stored photo.taken event naming a blob ("team sha256"). A yes never
 * turns into a no (HQ keeps every stored event), so a yes is remembered and each later chunk
 * of the upload saves a database round trip; a no is always asked again. The token is still
 * checked on every request, so a revoked device is refused at once. */
static GMutex named_lock;
static GHashTable *named_blobs;

/* 1 when a stored photo.taken event of @team names @sha256, 0 when none does, -1 when the
 * database cannot say. */
static int
team_names_blob (PGconn *conn, const char *team, const char *sha256)
{
  const char *params[] = { team, sha256 };
  g_autoptr (PGresult) result = NULL;
  g_autofree char *key = g_strconcat (team, " ", sha256, NULL);
  gboolean known;

  g_mutex_lock (&named_lock);
  if (named_blobs == NULL)
    named_blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  known = g_hash_table_contains (named_blobs, key);
  g_mutex_unlock (&named_lock);
  if (known)
    return 1;

  result = PQexecParams (conn,
                         "SELECT EXISTS (SELECT 1 FROM events e JOIN devices d ON d.id = e.device"
                         " WHERE e.kind = 'photo.taken' AND e.status = 'stored'"
                         " AND e.payload ->> 'sha256' = $2 AND d.team = $1)",
                         2, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    return -1;
  if (PQgetvalue (result, 0, 0)[0] != 't')
    return 0;
  g_mutex_lock (&named_lock);
  if (g_hash_table_size (named_blobs) >= 100000)
    g_hash_table_remove_all (named_blobs);
  g_hash_table_add (named_blobs, g_steal_pointer (&key));
  g_mutex_unlock (&named_lock);
  return 1;
}

static void
set_offset (MendHqAnswer *answer, gint64 offset)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);

  mend_hq_answer_header (answer, "Upload-Offset", text);
}

static void
set_length (MendHqAnswer *answer, gint64 length)
{
  g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, length);

  mend_hq_answer_header (answer, "Upload-Length", text);
}

static void
answer_no_content (MendHqAnswer *answer, gint64 offset, gboolean complete)
{
  mend_hq_answer_json (answer, 204, NULL);
  set_offset (answer, offset);
  mend_hq_answer_header (answer, "Upload-Complete", complete ? "?1" : "?0");
}

/* What HEAD and PATCH both check first: the id, the folder, the database, the token and the
 * team's event naming the blob. Returns the id, or NULL with @answer set. */
static const char *
blob_prelude (PGconn *conn,
              struct MHD_Connection *connection,
              const MendHqRequest *request,
              MendHqAnswer *answer,
              gboolean is_head)
{
  const char *sha256 = request->path + strlen (BLOB_PREFIX);
  MendHqDevice device = { NULL, NULL };
  int named;

  if (!is_sha256 (sha256))
    {
      mend_hq_answer_error (answer, request, "bad_request",
                            "a blob is named by 64 lowercase hex digits");
      return NULL;
    }
  if (blob_dir == NULL)
    {
      mend_hq_answer_error (answer, request, "unavailable", "this HQ keeps no blobs");
      return NULL;
    }
  if (conn == NULL)
    {
      mend_hq_answer_error (answer, request, "unavailable", "the database is unreachable");
      return NULL;
    }
  if (!mend_hq_authenticate (conn, connection, request, &device, answer))
    return NULL;
  named = team_names_blob (conn, device.team_id, sha256);
  mend_hq_device_clear (&device);
  if (named < 0)
    {
      mend_hq_answer_error (answer, request, "unavailable", "the database cannot be read");
      return NULL;
    }
  if (named == 0)
    {
      if (is_head)
        mend_hq_answer_error (answer, request, "not_found", "HQ holds nothing of this blob");
      else
        mend_hq_answer_error (answer, request, "forbidden",
                              "no stored photo.taken event of your team names this blob");
      return NULL;
    }
  return sha256;
}

void
mend_hq_handle_blob_head (PGconn *conn,
                          struct MHD_Connection *connection,
                          const MendHqRequest *request,
                          MendHqAnswer *answer)
{
  const char *sha256 = blob_prelude (conn, connection, request, answer, TRUE);
  g_autofree char *whole = NULL;
  g_autofree char *part = NULL;
  struct stat st;
  gint64 length;

  if (sha256 == NULL)
    return;
  whole = final_path (sha256);
  part = partial_path (sha256, "");
  if (stat (whole, &st) == 0)
    {
      mend_hq_answer_json (answer, 200, NULL);
      set_offset (answer, st.st_size);
      set_length (answer, st.st_size);
      mend_hq_answer_header (answer, "Upload-Complete", "?1");
      return;
    }
  length = read_length (sha256);
  if (stat (part, &st) != 0 || length < 0)
    {
      mend_hq_answer_error (answer, request, "not_found", "HQ holds nothing of this blob");
      return;
    }
  mend_hq_answer_json (answer, 200, NULL);
  set_offset (answer, st.st_size);
  set_length (answer, length);
  mend_hq_answer_header (answer, "Upload-Complete", "?0");
}

static const char *
header (struct MHD_Connection *connection, const char *name)
{
  return MHD_lookup_connection_value (connection, MHD_HEADER_KIND, name);
}

static gboolean
is_offset_stream (struct MHD_Connection *connection)
{
  const char *type = header (connection, MHD_HTTP_HEADER_CONTENT_TYPE);
  size_t n = strlen ("application/offset+octet-stream");

  return type != NULL && g_ascii_strncasecmp (type, "application/offset+octet-stream", n) == 0
         && (type[n] == '\0' || type[n] == ';' || type[n] == ' ');
}

/* Opens and locks the partial file of @sha256, making it when there is none. Returns the
 * descriptor, -1 when another upload holds it (@out_busy) or on an error. */
static int
open_partial (const char *sha256, gboolean *out_busy)
{
  g_autofree char *path = partial_path (sha256, "");

  *out_busy = FALSE;
  /* The file may be renamed into place or deleted between open() and flock(): then the lock
   * is on a file no longer at this path, and the open is tried again. */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      struct stat held, current;
      int fd = open (path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

      if (fd < 0)
        return -1;
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          *out_busy = errno == EWOULDBLOCK;
          close (fd);
          return -1;
        }
      if (fstat (fd, &held) == 0 && stat (path, &current) == 0 && held.st_ino == current.st_ino
          && held.st_dev == current.st_dev)
        return fd;
      close (fd);
    }
  return -1;
}

static gboolean
parse_header_number (struct MHD_Connection *connection,
                     const char *name,
                     gint64 *out_value,
                     gboolean *out_present,
                     const MendHqRequest *request,
                     MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  const char *value = header (connection, name);

  *out_present = value != NULL;
  *out_value = -1;
  if (value == NULL)
    return TRUE;
  if (mend_wire_parse_upload_offset (value, out_value, &error))
    return TRUE;
  {
    g_autofree char *message = g_strdup_printf ("%s: %s", name, error->message);

    mend_hq_answer_error (answer, request, "bad_request", message);
  }
  return FALSE;
}

/* The answer to a PATCH of a blob HQ holds whole: only the lost last answer is repeated. */
static void
patch_complete_blob (const char *path,
                     gint64 offset,
                     gint64 declared,
                     gint64 upload_length,
                     const MendHqRequest *request,
                     MendHqAnswer *answer)
{
  struct stat st;

  if (stat (path, &st) != 0)
    {
      mend_hq_answer_error (answer, request, "internal", "the stored blob cannot be read");
      return;
    }
  if (upload_length >= 0 && upload_length != st.st_size)
    {
      mend_hq_answer_error (answer, request, "bad_request",
                            "Upload-Length is not the length of this blob");
      return;
    }
  if (offset == st.st_size && declared <= 0)
    {
      answer_no_content (answer, st.st_size, TRUE);
      return;
    }
  mend_hq_answer_error (answer, request, "offset_mismatch", "HQ holds this blob whole already");
  set_offset (answer, st.st_size);
}

/**
 * mend_hq_blob_patch_begin:
 *
 * Called when a PATCH's headers have arrived and before its body is read. Returns TRUE when
 * the body is to be streamed into the partial file (request->upload is set), or FALSE with
 * @answer set, to be sent before a byte of the body is taken.
 */
gboolean
mend_hq_blob_patch_begin (PGconn *conn,
                          struct MHD_Connection *connection,
                          MendHqRequest *request,
                          MendHqAnswer *answer)
{
  const char *sha256 = blob_prelude (conn, connection, request, answer, FALSE);
  g_autoptr (GError) error = NULL;
  g_autofree char *whole = NULL;
  gint64 offset, upload_length, declared, stored_length, held;
  gboolean has_offset, has_length, has_declared, busy;
  MendHqBlobUpload *upload;
  struct stat st;
  int fd;

  if (sha256 == NULL)
    return FALSE;
  if (!is_offset_stream (connection))
    {
      mend_hq_answer_error (answer, request, "unsupported_media_type",
                            "a chunk is sent as application/offset+octet-stream");
      return FALSE;
    }
  if (!parse_header_number (connection, "Upload-Offset", &offset, &has_offset, request, answer)
      || !parse_header_number (connection, "Upload-Length", &upload_length, &has_length, request,
                               answer)
      || !parse_header_number (connection, MHD_HTTP_HEADER_CONTENT_LENGTH, &declared, &has_declared,
                               request, answer))
    return FALSE;
  if (!has_offset)
    {
      mend_hq_answer_error (answer, request, "bad_request", "Upload-Offset is needed");
      return FALSE;
    }
  if (has_length && upload_length > MAX_BLOB_BYTES)
    {
      mend_hq_answer_error (answer, request, "payload_too_large",
                            "a blob is at most 32 MiB (Upload-Length)");
      return FALSE;
    }

  whole = final_path (sha256);
  if (g_file_test (whole, G_FILE_TEST_EXISTS))
    {
      patch_complete_blob (whole, offset, declared, upload_length, request, answer);
      return FALSE;
    }

  fd = open_partial (sha256, &busy);
  if (fd < 0)
    {
      g_autofree char *part = partial_path (sha256, "");

      /* Another upload of this blob is writing: this one tries again from what is on disk. */
      if (busy && stat (part, &st) == 0)
        {
          mend_hq_answer_error (answer, request, "offset_mismatch",
                                "another upload of this blob is under way");
          set_offset (answer, st.st_size);
        }
      else if (g_file_test (whole, G_FILE_TEST_EXISTS))
        patch_complete_blob (whole, offset, declared, upload_length, request, answer);
      else
        {
          g_message ("request_id=%s event=blob_open_failed sha256=%s error=\"%s\"",
                     request->request_id, sha256, g_strerror (errno));
          mend_hq_answer_error (answer, request, "internal", "the upload cannot be opened");
        }
      return FALSE;
    }

  fstat (fd, &st);
  held = st.st_size;
  /* The other upload may have stored the blob between the check above and the lock: the
   * partial file this one just made is then dropped again. */
  if (held == 0 && g_file_test (whole, G_FILE_TEST_EXISTS))
    {
      drop_partial (sha256);
      close (fd);
      patch_complete_blob (whole, offset, declared, upload_length, request, answer);
      return FALSE;
    }
  stored_length = read_length (sha256);
  /* A new upload (or one whose length file a crash lost: it starts again from 0). */
  if (stored_length < 0 && held > 0 && ftruncate (fd, 0) == 0)
    held = 0;
  if (stored_length < 0 && !has_length)
    {
      mend_hq_answer_error (answer, request, "bad_request",
                            "the first PATCH of a blob must carry Upload-Length");
      close (fd);
      return FALSE;
    }
  /* The length may not change once HQ holds bytes of the blob; before that, a first chunk
   * that was refused has committed nothing, and a corrected length is taken. */
  if (stored_length >= 0 && has_length && upload_length != stored_length && held > 0)
    {
      mend_hq_answer_error (answer, request, "bad_request",
                            "Upload-Length differs from the one this upload began with");
      close (fd);
      return FALSE;
    }

  if (offset != held)
    {
      mend_hq_answer_error (answer, request, "offset_mismatch",
                            "Upload-Offset is not the offset HQ holds");
      set_offset (answer, held);
      close (fd);
      return FALSE;
    }
  if (has_length && held == 0)
    stored_length = upload_length;
  if (has_declared && offset + declared > stored_length)
    {
      mend_hq_answer_error (answer, request, "bad_request", "the chunk would pass Upload-Length");
      close (fd);
      return FALSE;
    }
  if (held == 0 && has_length && upload_length != read_length (sha256)
      && !write_length (sha256, upload_length, &error))
    {
      g_message ("request_id=%s event=blob_open_failed sha256=%s error=\"%s\"", request->request_id,
                 sha256, error->message);
      mend_hq_answer_error (answer, request, "internal", "the upload cannot be started");
      close (fd);
      return FALSE;
    }

  upload = g_new0 (MendHqBlobUpload, 1);
  upload->hash = hash_state_take (sha256, fd, offset);
  if (upload->hash == NULL)
    {
      g_message ("request_id=%s event=blob_open_failed sha256=%s error=\"cannot read it back\"",
                 request->request_id, sha256);
      mend_hq_answer_error (answer, request, "internal", "the upload cannot be read");
      close (fd);
      g_free (upload);
      return FALSE;
    }
  upload->fd = fd;
  g_strlcpy (upload->sha256, sha256, sizeof upload->sha256);
  upload->start = offset;
  upload->length = stored_length;
  request->upload = upload;
  return TRUE;
}

/* Appends one piece of the body as libmicrohttpd hands it over; nothing is buffered. */
void
mend_hq_blob_patch_write (MendHqBlobUpload *upload, const char *data, size_t size)
{
  if (upload->write_errno != 0 || upload->past_length || upload->past_chunk)
    return;
  upload->past_length = upload->start + upload->received + (gint64)size > upload->length;
  upload->past_chunk = upload->received + (gint64)size > MAX_CHUNK_BYTES;
  if (upload->past_length || upload->past_chunk)
    return;
  while (size > 0)
    {
      ssize_t n = write (upload->fd, data, size);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          upload->write_errno = errno;
          return;
        }
      /* Start writing this piece to disk now, while the rest arrives and is hashed, so the
       * fsync at the end of the chunk has little left to wait for. Only a hint: the fsync
       * is what makes the chunk durable. */
      sync_file_range (upload->fd, upload->start + upload->received, n, SYNC_FILE_RANGE_WRITE);
      EVP_DigestUpdate (upload->hash->ctx, data, (size_t)n);
      upload->hash->offset += n;
      data += n;
      size -= (size_t)n;
      upload->received += n;
    }
}

/* Temp file (the partial, fsynced), rename into DIR/ab/, fsync the folder. */
static gboolean
store_whole (MendHqBlobUpload *upload, GError **error)
{
  g_autofree char *part = partial_path (upload->sha256, "");
  g_autofree char *whole = final_path (upload->sha256);
  g_autofree char *folder = g_path_get_dirname (whole);
  gboolean made = !g_file_test (folder, G_FILE_TEST_IS_DIR);

  if (g_mkdir_with_parents (folder, 0755) != 0 || rename (part, whole) != 0
      || !fsync_folder (folder) || (made && !fsync_folder (blob_dir)))
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s", g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Called once the whole body has been written. */
void
mend_hq_blob_patch_finish (MendHqBlobUpload *upload,
                           const MendHqRequest *request,
                           MendHqAnswer *answer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *length_path = partial_path (upload->sha256, ".length");
  gint64 offset = upload->start + upload->received;
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  char hex[65];

  upload->finished = TRUE;
  if (upload->past_length || upload->past_chunk || upload->write_errno != 0
      || fsync (upload->fd) != 0)
    {
      int saved = upload->write_errno != 0 ? upload->write_errno : errno;

      /* Nothing of a refused chunk is kept: the offset goes back to where it began (and the
       * hash state, which covered the chunk, is dropped to be rebuilt from disk). */
      if (ftruncate (upload->fd, upload->start) == 0)
        fsync (upload->fd);
      g_clear_pointer (&upload->hash, hash_state_free);
      if (upload->past_length)
        mend_hq_answer_error (answer, request, "bad_request", "the chunk passes Upload-Length");
      else if (upload->past_chunk)
        mend_hq_answer_error (answer, request, "payload_too_large", "a chunk is at most 4 MiB");
      else
        {
          g_message ("request_id=%s event=blob_write_failed sha256=%s error=\"%s\"",
                     request->request_id, upload->sha256, g_strerror (saved));
          mend_hq_answer_error (answer, request, "internal", "the chunk could not be written");
        }
      return;
    }
  mend_hq_metrics_blob_bytes ((guint64)upload->received);
  if (offset < upload->length)
    {
      hash_state_keep (upload->sha256, g_steal_pointer (&upload->hash));
      answer_no_content (answer, offset, FALSE);
      return;
    }

  EVP_DigestFinal_ex (upload->hash->ctx, digest, &digest_length);
  for (unsigned int i = 0; i < 32; i++)
    g_snprintf (hex + 2 * i, 3, "%02x", digest[i]);
  if (strcmp (hex, upload->sha256) != 0)
    {
      drop_partial (upload->sha256);
      mend_hq_metrics_blob_mismatch ();
      g_message ("request_id=%s event=blob_hash_mismatch sha256=%s got=%s", request->request_id,
                 upload->sha256, hex);
      mend_hq_answer_error (answer, request, "hash_mismatch",
                            "the blob's SHA-256 is not its name; its data was dropped");
      return;
    }
  if (!store_whole (upload, &error))
    {
      g_message ("request_id=%s event=blob_store_failed sha256=%s error=\"%s\"",
                 request->request_id, upload->sha256, error->message);
      mend_hq_answer_error (answer, request, "internal", "the blob could not be stored");
      return;
    }
  unlink (length_path);
  mend_hq_metrics_blob_completed ();
  g_message ("request_id=%s event=blob_stored sha256=%s bytes=%" G_GINT64_FORMAT,
             request->request_id, upload->sha256, upload->length);
  answer_no_content (answer, offset, TRUE);
}

/* Closing the descriptor releases the lock. A body cut off half way keeps what arrived,
 * fsynced, so the offset the next HEAD reports survives a crash of the machine too. */
void
mend_hq_blob_upload_free (MendHqBlobUpload *upload)
{
  if (!upload->finished && upload->received > 0)
    {
      fsync (upload->fd);
      mend_hq_metrics_blob_bytes ((guint64)upload->received);
    }
  /* A body cut off half way: the state covers every byte written, as the file does. */
  if (!upload->finished && upload->hash != NULL && upload->write_errno == 0)
    hash_state_keep (upload->sha256, g_steal_pointer (&upload->hash));
  g_clear_pointer (&upload->hash, hash_state_free);
  close (upload->fd);
  g_free (upload);
}
