/* core/module: the registry of feature descriptors (module.h). */
#include "core/module.h"
#include "core/log.h"

#include <string.h>

static const struct module *modules[MODULES_MAX];
static size_t n_modules;

void module_register(const struct module *m)
{
	for (size_t i = 0; i < n_modules; i++) {
		if (modules[i] == m)
			return;
		if (strcmp(modules[i]->name, m->name) == 0)
			fatal("event=module_register_twice module=%s", m->name);
	}
	if (n_modules == MODULES_MAX)
		fatal("event=module_register_full max=%d", MODULES_MAX);
	modules[n_modules++] = m;
}

void module_each(void (*fn)(const struct module *m, void *ctx), void *ctx)
{
	for (size_t i = 0; i < n_modules; i++)
		fn(modules[i], ctx);
}

const struct module *module_find(const char *name)
{
	for (size_t i = 0; i < n_modules; i++)
		if (name != NULL && strcmp(modules[i]->name, name) == 0)
			return modules[i];
	return NULL;
}

size_t module_count(void)
{
	return n_modules;
}

void module_reset(void)
{
	n_modules = 0;
}
