/* fuzz_glib.c — linked into every fuzz target: a GLib warning or critical is a
 * finding, so it aborts, and libFuzzer saves the input that caused it (GLib's
 * own fatal handling raises SIGTRAP, which libFuzzer does not save). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static GLogWriterOutput
abort_on_warning(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) {
    g_log_writer_standard_streams(level, fields, n_fields, data);
    abort();
  }
  return G_LOG_WRITER_HANDLED;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  g_log_set_writer_func(abort_on_warning, NULL, NULL);
  return 0;
}
