/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sealed notes (sync/PROTOCOL.md section 5): free text about a person is sealed to HQ's public
 * key with a libsodium sealed box (X25519) before it becomes part of an event, so the device
 * and the hash chain hold only ciphertext, and only HQ, which holds the private key, can open
 * it. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The payload members of a sealed note: the ciphertext in standard base64 and the id of the
 * key it was sealed to. A payload with them has no plain "notes" member. */
#define MEND_SEAL_MEMBER     "notes_sealed"
#define MEND_SEAL_KEY_MEMBER "notes_key"

/* What a listing shows instead of a sealed note's text. */
#define MEND_SEAL_PLACEHOLDER "[sealed note]"

/* The same form for what a check-out tells the referrer (the "alert_details" of a check-out
 * with "alert_referrer": true): plain only on a device that has no HQ key yet. */
#define MEND_SEAL_ALERT_PLAIN_MEMBER "alert_details"
#define MEND_SEAL_ALERT_MEMBER       "alert_details_sealed"
#define MEND_SEAL_ALERT_KEY_MEMBER   "alert_details_key"
#define MEND_SEAL_ALERT_PLACEHOLDER  "[sealed details]"

/* 32 bytes of X25519 public or secret key. */
#define MEND_SEAL_KEY_BYTES 32

/* The ciphertext of the longest note a rule allows (4,000 characters of up to 4 UTF-8 bytes
 * each) plus the sealed box's 48 bytes of overhead. */
#define MEND_SEAL_MAX_CIPHERTEXT_BYTES (4000 * 4 + 48)

gboolean mend_seal_decode_key (const char *key_base64, guint8 out_key[32], GError **error);
char *mend_seal_key_id (const guint8 public_key[32]);
char *mend_seal_key_id_from_base64 (const char *public_key_base64, GError **error);
char *mend_seal_text (const char *public_key_base64, const char *plaintext, GError **error);
char *mend_seal_open (const guint8 public_key[32],
                      const guint8 secret_key[32],
                      const char *sealed_base64,
                      GError **error);
gboolean mend_seal_check_ciphertext (const char *sealed_base64, GError **error);
gboolean mend_seal_payload_notes (JsonObject *payload,
                                  const char *notes,
                                  const char *public_key_base64,
                                  GError **error);
gboolean mend_seal_payload_alert_details (JsonObject *payload,
                                          const char *details,
                                          const char *public_key_base64,
                                          GError **error);
gboolean mend_seal_payload_has_sealed_note (const char *payload_json);
gboolean mend_seal_payload_has_sealed_alert_details (const char *payload_json);

G_END_DECLS
