/* wrong_abi.c — a module built for an ABI this host does not serve: the
 * host must refuse it, before calling anything in it but the entry. */
#include "module.h"

static gpointer
never_create(WtModuleHost *host, const WtModuleServices *s, GError **error)
{
  g_error("the host called create() of a module with the wrong ABI version");
  return NULL;
}

static void
never_request(gpointer instance, WtModuleRequest *req, const char *action)
{
}

static const WtModule table = {
    .abi_version = WT_MODULE_ABI_VERSION + 98,
    .struct_size = sizeof(WtModule),
    .name = "wrong-abi",
    .description = "test module: built for another ABI",
    .create = never_create,
    .request = never_request,
};

const WtModule *wt_module_entry(void);

const WtModule *
wt_module_entry(void)
{
  return &table;
}
