/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "mend-salvage"

#include "config.h"

#include "mend-salvage-private.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* Reading rows straight off the pages of a store file, without SQLite. When the pages that
 * list the tables are damaged SQLite refuses every query, though most pages of rows are still
 * whole; this reader walks every page, takes each one laid out as a table's leaf, and decodes
 * its cells into records. Nothing here knows which table a record belongs to: the caller
 * decides by trying it against the known schema. The layout is SQLite's documented file
 * format ("Database File Format": b-tree pages, cells, overflow pages, the record format). */

#define LEAF_TABLE_PAGE 0x0d

typedef struct
{
  FILE *file;
  guint32 page_size;
  guint32 usable;
  guint32 n_pages;
  guint8 *page;
  guint8 *overflow;
} Pages;

static gboolean
read_page (Pages *pages, guint32 number, guint8 *into)
{
  if (number == 0 || number > pages->n_pages)
    return FALSE;
  if (fseeko (pages->file, (off_t)(number - 1) * pages->page_size, SEEK_SET) != 0)
    return FALSE;
  return fread (into, 1, pages->page_size, pages->file) == pages->page_size;
}

/* A varint of 1 to 9 bytes; 0 when it runs past @end. */
static guint
read_varint (const guint8 *p, const guint8 *end, guint64 *out)
{
  guint64 value = 0;

  for (guint i = 0; i < 9; i++)
    {
      if (p + i >= end)
        return 0;
      if (i == 8)
        {
          *out = (value << 8) | p[i];
          return 9;
        }
      value = (value << 7) | (p[i] & 0x7f);
      if ((p[i] & 0x80) == 0)
        {
          *out = value;
          return i + 1;
        }
    }
  return 0;
}

static guint32
be16 (const guint8 *p)
{
  return ((guint32)p[0] << 8) | p[1];
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32)p[0] << 24) | ((guint32)p[1] << 16) | ((guint32)p[2] << 8) | p[3];
}

/* Decodes one record (header of serial types, then the values) into @values. */
static gboolean
decode_record (const guint8 *data, gsize size, GArray *values)
{
  const guint8 *end = data + size;
  guint64 header_size;
  guint n = read_varint (data, end, &header_size);
  const guint8 *type_at = data + n;
  const guint8 *value_at = data + header_size;

  g_array_set_size (values, 0);
  if (n == 0 || header_size > size || header_size < n)
    return FALSE;
  while (type_at < data + header_size)
    {
      MendSalvageValue value = { 0 };
      guint64 type;
      guint used = read_varint (type_at, data + header_size, &type);
      guint64 length = 0;

      if (used == 0)
        return FALSE;
      type_at += used;
      if (type >= 1 && type <= 6)
        length = (guint64[]){ 0, 1, 2, 3, 4, 6, 8 }[type];
      else if (type == 7)
        length = 8;
      else if (type >= 12)
        length = (type - 12) / 2;
      else if (type == 10 || type == 11)
        return FALSE;
      if (length > (guint64)(end - value_at))
        return FALSE;

      if (type == 0)
        value.type = MEND_SALVAGE_NULL;
      else if (type <= 6)
        {
          guint64 raw = 0;

          for (guint64 i = 0; i < length; i++)
            raw = (raw << 8) | value_at[i];
          /* Sign-extend from the stored width. */
          if (length < 8 && (value_at[0] & 0x80))
            raw |= ~G_GUINT64_CONSTANT (0) << (length * 8);
          value.type = MEND_SALVAGE_INTEGER;
          value.integer = (gint64)raw;
        }
      else if (type == 7)
        {
          guint64 raw = 0;

          for (guint i = 0; i < 8; i++)
            raw = (raw << 8) | value_at[i];
          value.type = MEND_SALVAGE_FLOAT;
          memcpy (&value.real, &raw, sizeof raw);
        }
      else if (type == 8 || type == 9)
        {
          value.type = MEND_SALVAGE_INTEGER;
          value.integer = type == 9;
        }
      else
        {
          value.type = (type & 1) ? MEND_SALVAGE_TEXT : MEND_SALVAGE_BLOB;
          value.bytes = value_at;
          value.length = length;
        }
      value_at += length;
      g_array_append_val (values, value);
    }
  return TRUE;
}

/* One cell of a leaf page: its rowid and whole payload, following overflow pages. */
static gboolean
read_cell (Pages *pages, const guint8 *page, guint32 offset, GByteArray *payload, gint64 *rowid)
{
  const guint8 *end = page + pages->usable;
  const guint8 *p = page + offset;
  guint64 size, id;
  guint n;
  guint32 max_local = pages->usable - 35;
  guint32 local;
  guint32 next;
  guint hops = 0;

  if (offset >= pages->usable || (n = read_varint (p, end, &size)) == 0)
    return FALSE;
  p += n;
  if ((n = read_varint (p, end, &id)) == 0)
    return FALSE;
  p += n;
  *rowid = (gint64)id;
  /* A row cannot be larger than the file it is in. */
  if (size > (guint64)pages->n_pages * pages->page_size)
    return FALSE;

  g_byte_array_set_size (payload, 0);
  if (size <= max_local)
    {
      if (p + size > end)
        return FALSE;
      g_byte_array_append (payload, p, (guint)size);
      return TRUE;
    }
  {
    guint32 min_local = ((pages->usable - 12) * 32 / 255) - 23;
    guint32 k = min_local + (guint32)((size - min_local) % (pages->usable - 4));

    local = k <= max_local ? k : min_local;
  }
  if (p + local + 4 > end)
    return FALSE;
  g_byte_array_append (payload, p, local);
  next = be32 (p + local);
  while (payload->len < size)
    {
      guint32 take = MIN (pages->usable - 4, (guint32)(size - payload->len));

      if (++hops > pages->n_pages || !read_page (pages, next, pages->overflow))
        return FALSE;
      g_byte_array_append (payload, pages->overflow + 4, take);
      next = be32 (pages->overflow);
    }
  return TRUE;
}

/**
 * mend_salvage_read_pages:
 * @path: a store file (a copy: only read, but best not the live one)
 * @page_size: its page size
 * @reserved: bytes reserved at the end of each page (the header's byte 20)
 * @func: called with each record found on a table leaf page, its rowid and the page number
 *
 * Returns: how many leaf pages were read.
 */
guint
mend_salvage_read_pages (const char *path,
                         guint32 page_size,
                         guint32 reserved,
                         MendSalvageRecordFunc func,
                         gpointer user_data)
{
  Pages pages = { .page_size = page_size, .usable = page_size - reserved };
  g_autoptr (GByteArray) payload = g_byte_array_new ();
  g_autoptr (GArray) values = g_array_new (FALSE, FALSE, sizeof (MendSalvageValue));
  GStatBuf st;
  guint leaves = 0;

  if (page_size < 512 || page_size > 65536 || reserved > 255 || pages.usable < 480
      || g_stat (path, &st) != 0 || (pages.file = g_fopen (path, "rbe")) == NULL)
    return 0;
  pages.n_pages = (guint32)(st.st_size / page_size);
  pages.page = g_malloc (page_size);
  pages.overflow = g_malloc (page_size);

  for (guint32 number = 1; number <= pages.n_pages; number++)
    {
      guint32 header = number == 1 ? 100 : 0;
      guint32 n_cells;

      if (!read_page (&pages, number, pages.page) || pages.page[header] != LEAF_TABLE_PAGE)
        continue;
      n_cells = be16 (pages.page + header + 3);
      if (header + 8 + 2 * n_cells > pages.usable)
        continue;
      leaves++;
      for (guint32 i = 0; i < n_cells; i++)
        {
          guint32 offset = be16 (pages.page + header + 8 + 2 * i);
          gint64 rowid;

          if (read_cell (&pages, pages.page, offset, payload, &rowid)
              && decode_record (payload->data, payload->len, values))
            func (rowid, (const MendSalvageValue *)(gpointer)values->data, values->len, number,
                  user_data);
        }
    }
  g_free (pages.page);
  g_free (pages.overflow);
  fclose (pages.file);
  return leaves;
}
