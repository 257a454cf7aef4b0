/* recovery.h — crash recovery of recordings: what start-up does with a
 * recording folder that has no seal.json (the server was killed, or the
 * machine lost power, while it recorded).
 *
 * What is kept and what is written into the chain, in this order:
 *
 * - A torn last chain line (cut mid-write) is not a record: it is cut off,
 *   and a `repair` record says so, with the cut bytes' length and SHA-256.
 * - Every closed segment the chain names stays as it is.
 * - A segment that was finished (renamed into place) but whose chain record
 *   the crash prevented gets its `segment` record, with "recovered": true.
 * - The open segment (the temporary ".<name>.<ext>.tmp" being written) is
 *   remuxed: its readable frames become a proper segment file
 *   (segment_read.h) with a `segment` record carrying "recovered": true and
 *   the original's size and SHA-256 under "recovered_from". When nothing in
 *   it can be read it is quarantined as ".<name>.<ext>.lost" in the same
 *   folder (dot names are outside the evidence; verify skips them) and a
 *   `gap` record says the open segment was lost, with its time range as far
 *   as known (from the end of the party's last segment to the file's last
 *   write) and the quarantined file's size and SHA-256.
 * - Parties still in the room get a `leave` record with reason "interrupted".
 * - The recording is sealed with reason "interrupted". When the crash came
 *   after the chain's seal record but before seal.json, seal.json is written
 *   for the chain as it is, with the reason its seal record gives.
 *
 * Recovery can itself be interrupted and run again: each step leaves a
 * folder the next run understands.
 *
 *   WtRecoveryReport report;
 *   if (wt_recording_recover("var/archive/r-…", key, &report, &error)) ...
 *   wt_recovery_report_clear(&report);
 *
 * Threads: any (start-up calls it on the main thread before it listens).
 * Blocking file I/O.
 */
#pragma once

#include <glib.h>

#include "seal.h"

G_BEGIN_DECLS

/* What recovering one recording did. */
typedef struct {
  char *id;                 /* the folder's name */
  gsize torn_bytes;         /* bytes of a torn last chain line cut off; 0 when none */
  guint segments_kept;      /* closed segments the chain already named */
  guint segments_recovered; /* open or unrecorded segments now recorded */
  guint segments_lost;      /* open segments nothing could be read from */
  guint64 frames_recovered; /* frames in the recovered open segments */
  char *reason;             /* the seal's: "interrupted", or the chain's own */
} WtRecoveryReport;

void wt_recovery_report_clear(WtRecoveryReport *report);

/* TRUE when @dir is a recording (it has a chain) that is not sealed. */
gboolean wt_recording_needs_recovery(const char *dir);

/* Recovers and seals @dir as above with @key (transfer none). Fills
 * @report (clear it also after a failure). FALSE with @error when the
 * chain is damaged other than by a torn last line (a damaged chain is never
 * appended to: the folder is left for an examiner) or a file cannot be
 * written. */
gboolean wt_recording_recover(const char *dir, const WtSigningKey *key, WtRecoveryReport *report,
                              GError **error);

/* Recovers every unsealed recording in @archive_dir, logging one line per
 * recording (a warning for each that cannot be recovered, which start-up
 * survives). Returns how many were recovered and sealed. */
guint wt_recovery_run(const char *archive_dir, const WtSigningKey *key);

G_END_DECLS
