/* short_table.c — a module whose table claims to be smaller than version 1's
 * (a truncated or foreign struct): refused without calling create(). */
#include "module.h"

static gpointer
never_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  g_error("the host called create() of a module with a short table");
  return NULL;
}

static const WtModule table = {
    .abi_version = WT_MODULE_ABI_VERSION,
    .struct_size = 16,
    .name = "short-table",
    .create = never_create,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &table;
}
