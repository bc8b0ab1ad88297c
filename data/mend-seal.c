/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-seal"

#include "config.h"

#include "mend-seal.h"

#include <sodium.h>
#include <string.h>

#include "mend-store.h"

/* One place for the sealed-note form, used by the device when it records (and when it seals
 * the notes it kept before it was enrolled), by the wire check at HQ, and by HQ when it opens
 * a note for its staff. */

static gboolean
ready (GError **error)
{
  /* sodium_init() is safe to call from any thread and any number of times. */
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, MEND_STORE_ERROR, MEND_STORE_ERROR_FAILED,
                           "The cryptography library could not start");
      return FALSE;
    }
  return TRUE;
}

static guint8 *
decode_base64 (const char *text, gsize max_bytes, gsize *out_length)
{
  gsize length = text != NULL ? strlen (text) : 0;
  g_autofree guint8 *bytes = NULL;
  const char *end = NULL;

  if (length == 0 || length > (max_bytes + 2) / 3 * 4)
    return NULL;
  bytes = g_malloc (length);
  if (sodium_base642bin (bytes, length, text, length, NULL, out_length, &end,
                         sodium_base64_VARIANT_ORIGINAL)
          != 0
      || end != text + length || *out_length == 0 || *out_length > max_bytes)
    return NULL;
  return g_steal_pointer (&bytes);
}

static char *
encode_base64 (const guint8 *bytes, gsize length)
{
  gsize size = sodium_base64_ENCODED_LEN (length, sodium_base64_VARIANT_ORIGINAL);
  char *text = g_malloc (size);

  sodium_bin2base64 (text, size, bytes, length, sodium_base64_VARIANT_ORIGINAL);
  return text;
}

/**
 * mend_seal_decode_key:
 * @key_base64: 32 bytes in standard base64, as the protocol sends HQ's public key
 *
 * Returns: whether @key_base64 is a key; else @error (MEND_STORE_ERROR_INVALID).
 */
gboolean
mend_seal_decode_key (const char *key_base64, guint8 out_key[32], GError **error)
{
  g_autofree guint8 *bytes = NULL;
  gsize length = 0;

  bytes = decode_base64 (key_base64, MEND_SEAL_KEY_BYTES, &length);
  if (bytes == NULL || length != MEND_SEAL_KEY_BYTES)
    {
      g_set_error_literal (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                           "HQ's public key is not 32 bytes of base64");
      return FALSE;
    }
  memcpy (out_key, bytes, MEND_SEAL_KEY_BYTES);
  return TRUE;
}

/**
 * mend_seal_key_id:
 *
 * The id of a key pair, taken from its public half, so the device and HQ name a key the same
 * way without another field to keep in step: the first 16 hex digits of the SHA-256 of the 32
 * key bytes.
 *
 * Returns: (transfer full): 16 lowercase hex digits.
 */
char *
mend_seal_key_id (const guint8 public_key[32])
{
  g_autofree char *hex
      = g_compute_checksum_for_data (G_CHECKSUM_SHA256, public_key, MEND_SEAL_KEY_BYTES);

  return g_strndup (hex, 16);
}

char *
mend_seal_key_id_from_base64 (const char *public_key_base64, GError **error)
{
  guint8 key[MEND_SEAL_KEY_BYTES];

  if (!mend_seal_decode_key (public_key_base64, key, error))
    return NULL;
  return mend_seal_key_id (key);
}

/**
 * mend_seal_text:
 * @public_key_base64: HQ's public key
 * @plaintext: UTF-8 text
 *
 * Returns: (transfer full) (nullable): @plaintext sealed to the key, in standard base64.
 */
char *
mend_seal_text (const char *public_key_base64, const char *plaintext, GError **error)
{
  guint8 key[MEND_SEAL_KEY_BYTES];
  gsize length;
  g_autofree guint8 *sealed = NULL;

  g_return_val_if_fail (plaintext != NULL, NULL);

  if (!ready (error) || !mend_seal_decode_key (public_key_base64, key, error))
    return NULL;
  length = strlen (plaintext);
  if (length + crypto_box_SEALBYTES > MEND_SEAL_MAX_CIPHERTEXT_BYTES)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "The note is too long to seal (%" G_GSIZE_FORMAT " bytes)", length);
      return NULL;
    }
  sealed = g_malloc (length + crypto_box_SEALBYTES);
  if (crypto_box_seal (sealed, (const guint8 *)plaintext, length, key) != 0)
    {
      g_set_error_literal (error, MEND_STORE_ERROR, MEND_STORE_ERROR_FAILED,
                           "The note could not be sealed to HQ's key");
      return NULL;
    }
  return encode_base64 (sealed, length + crypto_box_SEALBYTES);
}

/**
 * mend_seal_check_ciphertext:
 *
 * What can be checked of a sealed note without its key: standard base64 of at least a sealed
 * box's overhead and no more than the longest note sealed.
 */
gboolean
mend_seal_check_ciphertext (const char *sealed_base64, GError **error)
{
  g_autofree guint8 *sealed = NULL;
  gsize length = 0;

  sealed = decode_base64 (sealed_base64, MEND_SEAL_MAX_CIPHERTEXT_BYTES, &length);
  if (sealed == NULL || length < crypto_box_SEALBYTES)
    {
      g_set_error (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                   "sealed text must be standard base64 of %d to %d bytes",
                   (int)crypto_box_SEALBYTES, MEND_SEAL_MAX_CIPHERTEXT_BYTES);
      return FALSE;
    }
  return TRUE;
}

/**
 * mend_seal_open:
 *
 * Opens a sealed note with the key pair it was sealed to. Only HQ holds secret keys.
 *
 * Returns: (transfer full) (nullable): the note; %NULL with @error when the ciphertext is
 *   damaged, was sealed to another key, or is not UTF-8 text.
 */
char *
mend_seal_open (const guint8 public_key[32],
                const guint8 secret_key[32],
                const char *sealed_base64,
                GError **error)
{
  g_autofree guint8 *sealed = NULL;
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!ready (error) || !mend_seal_check_ciphertext (sealed_base64, error))
    return NULL;
  sealed = decode_base64 (sealed_base64, MEND_SEAL_MAX_CIPHERTEXT_BYTES, &length);
  text = g_malloc0 (length - crypto_box_SEALBYTES + 1);
  if (crypto_box_seal_open ((guint8 *)text, sealed, length, public_key, secret_key) != 0)
    {
      g_set_error_literal (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                           "The sealed note does not open with this key (damaged, or sealed "
                           "to another key)");
      return NULL;
    }
  if (!g_utf8_validate (text, length - crypto_box_SEALBYTES, NULL))
    {
      g_set_error_literal (error, MEND_STORE_ERROR, MEND_STORE_ERROR_INVALID,
                           "The sealed note opened but is not UTF-8 text");
      return NULL;
    }
  return g_steal_pointer (&text);
}

/* Puts @text into @payload under @plain (or null), or sealed under @sealed_member and
 * @key_member: the one form both notes and a referrer's alert details take. When @text is
 * %NULL and @null_when_empty is false, no member is written at all. */
static gboolean
put_text (JsonObject *payload,
          const char *plain,
          const char *sealed_member,
          const char *key_member,
          gboolean null_when_empty,
          const char *text,
          const char *public_key_base64,
          GError **error)
{
  g_autofree char *sealed = NULL;
  g_autofree char *key_id = NULL;

  json_object_remove_member (payload, plain);
  json_object_remove_member (payload, sealed_member);
  json_object_remove_member (payload, key_member);
  if (text == NULL)
    {
      if (null_when_empty)
        json_object_set_null_member (payload, plain);
      return TRUE;
    }
  if (public_key_base64 == NULL)
    {
      json_object_set_string_member (payload, plain, text);
      return TRUE;
    }
  key_id = mend_seal_key_id_from_base64 (public_key_base64, error);
  if (key_id == NULL || (sealed = mend_seal_text (public_key_base64, text, error)) == NULL)
    return FALSE;
  json_object_set_string_member (payload, sealed_member, sealed);
  json_object_set_string_member (payload, key_member, key_id);
  return TRUE;
}

/**
 * mend_seal_payload_notes:
 * @payload: the event's payload being built
 * @notes: (nullable): the supervisor's text, already checked by the rules
 * @public_key_base64: (nullable): HQ's key, or %NULL on a device never enrolled
 *
 * Puts @notes into @payload in the form the device may keep: `"notes": null` when there are
 * none, sealed (MEND_SEAL_MEMBER and MEND_SEAL_KEY_MEMBER, no "notes") when HQ's key is known,
 * and plain "notes" only on a device that has no key yet, whose notes are sealed at enrolment
 * (mend_store_sync_set_enrolment()).
 */
gboolean
mend_seal_payload_notes (JsonObject *payload,
                         const char *notes,
                         const char *public_key_base64,
                         GError **error)
{
  return put_text (payload, "notes", MEND_SEAL_MEMBER, MEND_SEAL_KEY_MEMBER, TRUE, notes,
                   public_key_base64, error);
}

/**
 * mend_seal_payload_alert_details:
 * @payload: a check-out's payload being built
 * @details: (nullable): what the referrer must know, already checked by the rules
 * @public_key_base64: (nullable): HQ's key, or %NULL on a device never enrolled
 *
 * As mend_seal_payload_notes(), for a referrer alert's details: sealed to
 * MEND_SEAL_ALERT_MEMBER and MEND_SEAL_ALERT_KEY_MEMBER, plain "alert_details" only before
 * enrolment; no member at all when there are none, so a check-out without details has the
 * payload it always had.
 */
gboolean
mend_seal_payload_alert_details (JsonObject *payload,
                                 const char *details,
                                 const char *public_key_base64,
                                 GError **error)
{
  return put_text (payload, MEND_SEAL_ALERT_PLAIN_MEMBER, MEND_SEAL_ALERT_MEMBER,
                   MEND_SEAL_ALERT_KEY_MEMBER, FALSE, details, public_key_base64, error);
}

static gboolean
payload_has_member (const char *payload_json, const char *member)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();

  if (payload_json == NULL || !json_parser_load_from_data (parser, payload_json, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  return json_object_has_member (json_node_get_object (json_parser_get_root (parser)), member);
}

/**
 * mend_seal_payload_has_sealed_note:
 * @payload_json: an event's payload
 *
 * Whether the event carries a sealed note: what the check-out page says after saving ("a
 * sealed note was kept for HQ") instead of the text.
 */
gboolean
mend_seal_payload_has_sealed_note (const char *payload_json)
{
  return payload_has_member (payload_json, MEND_SEAL_MEMBER);
}

/**
 * mend_seal_payload_has_sealed_alert_details:
 * @payload_json: a check-out's payload
 *
 * Whether it carries sealed details for the referrer: what the device may say of them.
 */
gboolean
mend_seal_payload_has_sealed_alert_details (const char *payload_json)
{
  return payload_has_member (payload_json, MEND_SEAL_ALERT_MEMBER);
}
